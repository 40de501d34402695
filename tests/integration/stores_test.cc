// The MySQL stores of Support and Success against real MariaDB.
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/feed/outbox.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common_migrations.h"
#include "services/success/mysql_account_store.h"
#include "services/support/mysql_agent_store.h"
#include "services/support/mysql_sla_store.h"
#include "services/support/mysql_ticket_store.h"
#include "services/support/ticket_rules.h"
#include "success_migrations.h"
#include "support_migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;

support::v1::Ticket NewTicket(const std::string& subject, absl::Time at = absl::Now()) {
  support::v1::Ticket ticket;
  ticket.set_name(ResourceName("tickets", NewIdAt(at)));
  ticket.set_subject(subject);
  ticket.set_channel(support::v1::Ticket::EMAIL);
  ticket.set_type(support::v1::Ticket::QUESTION);
  ticket.set_priority(support::v1::Ticket::HIGH);
  ticket.set_status(support::v1::Ticket::NEW);
  ticket.add_tags("billing");
  *ticket.mutable_create_time() = ToProtoTime(at);
  *ticket.mutable_update_time() = ToProtoTime(at);
  return ticket;
}

int64_t CountRows(mysql::Pool& pool, const std::string& sql) {
  auto db = pool.Acquire();
  if (!db.ok()) return -1;
  auto rows = (*db)->Query(sql);
  return rows.ok() && !rows->empty() ? (*rows)[0].Int(0) : -1;
}

class TicketStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate({CommonMigrations(), SupportMigrations()}); }

  TestDatabase database_{"support_store"};
  feed::Outbox outbox_{&database_.pool()};
  support::MysqlTicketStore store_{&database_.pool(), &outbox_};
};

// A created ticket reads back whole, with its event in the outbox.
TEST_F(TicketStoreTest, CreateThenGetRoundTripsAndWritesEvent) {
  support::v1::Ticket ticket = NewTicket("Invoice is wrong");
  ticket.set_account("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");
  ticket.set_account_tier(success::v1::HIGH_TOUCH);
  ASSERT_OK_AND_ASSIGN(support::v1::Ticket created,
                       store_.Create("acme", "tester", ticket, {}, absl::InfiniteFuture()));
  const std::string id = created.name().substr(8);
  ASSERT_OK_AND_ASSIGN(support::v1::Ticket read, store_.Get("acme", id, absl::InfiniteFuture()));
  EXPECT_EQ(read.subject(), "Invoice is wrong");
  EXPECT_EQ(read.account(), ticket.account());
  EXPECT_EQ(read.account_tier(), success::v1::HIGH_TOUCH);
  EXPECT_EQ(read.priority(), support::v1::Ticket::HIGH);
  EXPECT_THAT(read.tags(), ::testing::ElementsAre("billing"));
  EXPECT_EQ(read.create_time().seconds(), ticket.create_time().seconds());
  EXPECT_FALSE(read.etag().empty());
  EXPECT_EQ(CountRows(database_.pool(),
                      "SELECT COUNT(*) FROM outbox WHERE event_type = 'TicketCreated'"),
            1);
}

// Another tenant's ticket does not exist for the caller.
TEST_F(TicketStoreTest, OtherTenantsTicketIsNotFound) {
  ASSERT_OK_AND_ASSIGN(support::v1::Ticket created,
                       store_.Create("acme", "tester", NewTicket("Secret"), {}, absl::InfiniteFuture()));
  EXPECT_THAT(store_.Get("globex", created.name().substr(8), absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kNotFound));
}

// The same request id twice creates one ticket and returns it both times;
// a different request under the same id is refused.
TEST_F(TicketStoreTest, RequestIdMakesCreateIdempotent) {
  CreateKey key{"req-1", "fingerprint-a"};
  ASSERT_OK_AND_ASSIGN(support::v1::Ticket first,
                       store_.Create("acme", "tester", NewTicket("Once"), key, absl::InfiniteFuture()));
  ASSERT_OK_AND_ASSIGN(support::v1::Ticket retry,
                       store_.Create("acme", "tester", NewTicket("Once"), key, absl::InfiniteFuture()));
  EXPECT_EQ(first.name(), retry.name());
  EXPECT_THAT(store_.Create("acme", "tester", NewTicket("Other"), {"req-1", "fingerprint-b"},
                            absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The key is per tenant.
  ASSERT_OK_AND_ASSIGN(support::v1::Ticket other_tenant,
                       store_.Create("globex", "tester", NewTicket("Once"), key, absl::InfiniteFuture()));
  EXPECT_NE(other_tenant.name(), first.name());
  EXPECT_EQ(CountRows(database_.pool(), "SELECT COUNT(*) FROM tickets"), 2);
  EXPECT_EQ(CountRows(database_.pool(), "SELECT COUNT(*) FROM outbox"), 2);
}

// Concurrent retries of one create (a client that timed out and retried)
// still create exactly one ticket.
TEST_F(TicketStoreTest, ConcurrentRetriesCreateOneTicket) {
  constexpr int kRetries = 6;
  std::vector<std::string> names(kRetries);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRetries; ++i) {
    threads.emplace_back([&, i] {
      auto ticket = store_.Create("acme", "tester", NewTicket("Racy"), {"same-id", "fp"},
                                  absl::InfiniteFuture());
      if (ticket.ok()) names[i] = ticket->name();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 1u);
  EXPECT_FALSE(names[0].empty());
  EXPECT_EQ(CountRows(database_.pool(), "SELECT COUNT(*) FROM tickets"), 1);
}

// Paging through tickets while others are created returns each ticket
// that existed at the start exactly once, newest first.
TEST_F(TicketStoreTest, KeysetPagesSeeEachTicketOnceDuringInserts) {
  const absl::Time base = absl::Now() - absl::Hours(1);
  std::set<std::string> existing;
  for (int i = 0; i < 120; ++i) {
    ASSERT_OK_AND_ASSIGN(auto t, store_.Create("acme", "tester", NewTicket(absl::StrCat("t", i),
                                                                 base + absl::Seconds(i / 3)),
                                               {}, absl::InfiniteFuture()));
    existing.insert(t.name());
  }
  PageTokenCodec codec("key");
  ListParams params{.page_size = 37};
  std::multiset<std::string> seen;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(ListPlan plan, PlanList(codec, "acme", params, {"status"}));
    ASSERT_OK_AND_ASSIGN(support::TicketPage page,
                         store_.List("acme", {}, plan, absl::InfiniteFuture()));
    for (const auto& t : page.tickets) seen.insert(t.name());
    // New tickets arrive between pages; they are newer than the cursor.
    ASSERT_OK(store_.Create("acme", "tester", NewTicket("late"), {}, absl::InfiniteFuture()));
    params.page_token = page.has_more ? NextPageToken(codec, plan,
                                                      {FromProtoTime(page.tickets.back().create_time()),
                                                       page.tickets.back().name().substr(8)})
                                      : "";
    ++pages;
  } while (!params.page_token.empty() && pages < 100);
  for (const std::string& name : existing) EXPECT_EQ(seen.count(name), 1u) << name;
}

// Filters narrow the list, and "!=" keeps rows where the field is unset.
TEST_F(TicketStoreTest, ListFiltersByConditions) {
  support::v1::Ticket with_account = NewTicket("a");
  with_account.set_account("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");
  ASSERT_OK(store_.Create("acme", "tester", with_account, {}, absl::InfiniteFuture()));
  ASSERT_OK(store_.Create("acme", "tester", NewTicket("b"), {}, absl::InfiniteFuture()));
  PageTokenCodec codec("key");
  ASSERT_OK_AND_ASSIGN(ListPlan plan, PlanList(codec, "acme", {}, {"status"}));
  using support::TicketCondition;
  using support::TicketField;
  ASSERT_OK_AND_ASSIGN(auto matching,
                       store_.List("acme", {{TicketField::kAccount, FilterOp::kEq, "01JABCDEFGHJKMNPQRSTVWXYZ0"}},
                                   plan, absl::InfiniteFuture()));
  EXPECT_EQ(matching.tickets.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto others,
                       store_.List("acme", {{TicketField::kAccount, FilterOp::kNe, "01JABCDEFGHJKMNPQRSTVWXYZ0"}},
                                   plan, absl::InfiniteFuture()));
  ASSERT_EQ(others.tickets.size(), 1u);
  EXPECT_EQ(others.tickets[0].subject(), "b");
  ASSERT_OK_AND_ASSIGN(auto none, store_.List("acme", {{TicketField::kStatus, FilterOp::kEq, "2"}}, plan,
                                              absl::InfiniteFuture()));
  EXPECT_TRUE(none.tickets.empty());
}

// Tags match by membership, assignees by equality, times by range.
TEST_F(TicketStoreTest, ListFiltersByTagAssigneeAndTimeRange) {
  const absl::Time base = absl::FromUnixSeconds(1'790'000'000);
  // The assignee must be an agent of the tenant.
  support::MysqlAgentStore agents(&database_.pool());
  support::v1::Agent alice;
  alice.set_name(ResourceName("agents", NewIdAt(base)));
  alice.set_display_name("Alice");
  alice.set_email("alice@example.com");
  alice.set_availability(support::v1::Agent::AVAILABLE);
  *alice.mutable_create_time() = ToProtoTime(base);
  *alice.mutable_update_time() = ToProtoTime(base);
  ASSERT_OK(agents.CreateAgent("acme", alice, {}, absl::InfiniteFuture()));
  support::v1::Ticket older = NewTicket("older", base);
  older.add_tags("vip");
  older.set_assignee(alice.name());
  support::v1::Ticket stranger = NewTicket("stranger", base);
  stranger.set_assignee("agents/01JABCDEFGHJKMNPQRSTVWXYZ0");
  EXPECT_THAT(store_.Create("acme", "tester", stranger, {}, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  support::v1::Ticket newer = NewTicket("newer", base + absl::Hours(2));
  newer.clear_tags();
  newer.add_tags("billing");
  ASSERT_OK(store_.Create("acme", "tester", older, {}, absl::InfiniteFuture()));
  ASSERT_OK(store_.Create("acme", "tester", newer, {}, absl::InfiniteFuture()));
  PageTokenCodec codec("key");
  ASSERT_OK_AND_ASSIGN(ListPlan plan, PlanList(codec, "acme", {}, {"status"}));
  auto subjects = [&](std::vector<support::TicketCondition> conditions) {
    auto page = store_.List("acme", conditions, plan, absl::InfiniteFuture());
    EXPECT_OK(page);
    std::vector<std::string> out;
    for (const auto& t : page->tickets) out.push_back(t.subject());
    return out;
  };
  using support::TicketField;
  EXPECT_THAT(subjects({{TicketField::kTag, FilterOp::kEq, "vip"}}), ::testing::ElementsAre("older"));
  EXPECT_THAT(subjects({{TicketField::kTag, FilterOp::kNe, "vip"}}), ::testing::ElementsAre("newer"));
  EXPECT_THAT(subjects({{TicketField::kAssignee, FilterOp::kEq, alice.name().substr(7)}}),
              ::testing::ElementsAre("older"));
  const std::string hour = mysql::FormatDatetime(base + absl::Hours(1));
  EXPECT_THAT(subjects({{TicketField::kCreateTime, FilterOp::kGe, hour}}),
              ::testing::ElementsAre("newer"));
  EXPECT_THAT(subjects({{TicketField::kCreateTime, FilterOp::kLt, hour}}),
              ::testing::ElementsAre("older"));
}

// Two merges crossing (A into B, B into A) at once: both tickets are
// locked in id order, so one wins and the other finds its ticket closed;
// neither deadlocks or half-applies.
TEST_F(TicketStoreTest, CrossingMergesSerialize) {
  ASSERT_OK_AND_ASSIGN(auto a, store_.Create("acme", "t", NewTicket("a"), {}, absl::InfiniteFuture()));
  ASSERT_OK_AND_ASSIGN(auto b, store_.Create("acme", "t", NewTicket("b"), {}, absl::InfiniteFuture()));
  auto merge = [&](const support::v1::Ticket& from, const support::v1::Ticket& into) {
    support::v1::MergeTicketRequest request;
    request.set_name(from.name());
    request.set_target(into.name());
    return store_
        .Merge("acme", from.name().substr(8), into.name().substr(8),
               [&](const support::v1::Ticket& source, const support::v1::Ticket& target,
                   const std::string& source_etag, const std::string& target_etag) {
                 return support::DecideMerge(source, target, request, "t", absl::Now(),
                                             source_etag, target_etag,
                                             {NewIdAt(absl::Now()), NewIdAt(absl::Now())});
               },
               absl::Now() + absl::Seconds(20))
        .status();
  };
  absl::Status one, two;
  std::thread first([&] { one = merge(a, b); });
  std::thread second([&] { two = merge(b, a); });
  first.join();
  second.join();
  EXPECT_NE(one.ok(), two.ok()) << one << " / " << two;
  const absl::Status& lost = one.ok() ? two : one;
  EXPECT_EQ(lost.code(), absl::StatusCode::kFailedPrecondition) << lost;
  EXPECT_EQ(CountRows(database_.pool(), "SELECT COUNT(*) FROM messages"), 2);
  EXPECT_EQ(CountRows(database_.pool(), "SELECT COUNT(*) FROM tickets WHERE status = 6"), 1);
}

// Custom statuses: unique labels, a per-tenant limit, active-only lists.
TEST_F(TicketStoreTest, CustomStatusesKeepLabelsUniqueAndCountLimited) {
  auto label = [](const std::string& text) {
    support::v1::CustomStatus status;
    status.set_name(ResourceName("customStatuses", NewIdAt(absl::Now())));
    status.set_category(support::v1::Ticket::PENDING);
    status.set_agent_label(text);
    status.set_active(true);
    *status.mutable_create_time() = ToProtoTime(absl::Now());
    *status.mutable_update_time() = ToProtoTime(absl::Now());
    return status;
  };
  const absl::Time forever = absl::InfiniteFuture();
  ASSERT_OK_AND_ASSIGN(auto vendor, store_.CreateCustomStatus("acme", label("Vendor"), {}, 2, forever));
  EXPECT_THAT(store_.CreateCustomStatus("acme", label("Vendor"), {}, 2, forever),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(store_.CreateCustomStatus("acme", label("Legal"), {}, 2, forever));
  EXPECT_THAT(store_.CreateCustomStatus("acme", label("Third"), {}, 2, forever),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(store_.CreateCustomStatus("globex", label("Vendor"), {}, 2, forever));
  const std::string id = vendor.name().substr(std::string("customStatuses/").size());
  ASSERT_OK_AND_ASSIGN(auto updated,
                       store_.UpdateCustomStatus(
                           "acme", id,
                           [](const support::v1::CustomStatus& current, const std::string& etag) {
                             support::v1::CustomStatus after = current;
                             after.set_active(false);
                             after.set_etag(etag);
                             return absl::StatusOr<support::v1::CustomStatus>(after);
                           },
                           forever));
  EXPECT_NE(updated.etag(), vendor.etag());
  ASSERT_OK_AND_ASSIGN(auto active, store_.ListCustomStatuses("acme", false, forever));
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].agent_label(), "Legal");
  ASSERT_OK_AND_ASSIGN(auto all, store_.ListCustomStatuses("acme", true, forever));
  EXPECT_EQ(all.size(), 2u);
  EXPECT_THAT(store_.GetCustomStatus("globex", id, forever), StatusIs(absl::StatusCode::kNotFound));
}

// The SLA sweep finds tickets whose running target is due, of every tenant,
// most overdue first; the tenant's policies load in order.
TEST_F(TicketStoreTest, FindSlaDueAndLoadSlaPolicies) {
  support::MysqlSlaStore sla(&database_.pool());
  support::v1::SlaPolicy policy;
  policy.set_name(ResourceName("slaPolicies", NewIdAt(absl::Now())));
  policy.set_display_name("Everything");
  *policy.mutable_first_response_target() = ToProtoDuration(absl::Minutes(30));
  *policy.mutable_create_time() = ToProtoTime(absl::Now());
  *policy.mutable_update_time() = ToProtoTime(absl::Now());
  ASSERT_OK(sla.CreatePolicy("acme", policy, {}, absl::InfiniteFuture()));
  ASSERT_OK_AND_ASSIGN(auto policies, store_.LoadSlaPolicies("acme", absl::InfiniteFuture()));
  ASSERT_EQ(policies.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto none, store_.LoadSlaPolicies("globex", absl::InfiniteFuture()));
  EXPECT_TRUE(none.empty());

  const absl::Time old = absl::Now() - absl::Hours(2);
  ASSERT_OK_AND_ASSIGN(auto overdue,
                       store_.Create("acme", "t", NewTicket("old", old), {}, absl::InfiniteFuture()));
  ASSERT_OK(store_.Create("acme", "t", NewTicket("fresh"), {}, absl::InfiniteFuture()));
  ASSERT_OK(store_.Create("globex", "t", NewTicket("no policy", old), {}, absl::InfiniteFuture()));
  ASSERT_OK_AND_ASSIGN(auto due, store_.FindSlaDue(absl::Now(), 10, absl::InfiniteFuture()));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].first, "acme");
  EXPECT_EQ(due[0].second, overdue.name().substr(8));
}

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate({CommonMigrations(), SuccessMigrations()}); }

  static success::v1::Account NewAccount(const std::string& display_name,
                                         const std::string& external_id = "") {
    success::v1::Account account;
    account.set_name(ResourceName("accounts", NewId()));
    account.set_display_name(display_name);
    account.set_external_id(external_id);
    account.set_currency_code("EUR");
    account.set_touch_tier(success::v1::LOW_TOUCH);
    account.set_lifecycle_stage(success::v1::Account::ONBOARDING);
    *account.mutable_create_time() = ToProtoTime(absl::Now());
    *account.mutable_update_time() = ToProtoTime(absl::Now());
    return account;
  }

  TestDatabase database_{"success_store"};
  feed::Outbox outbox_{&database_.pool()};
  success::MysqlAccountStore store_{&database_.pool(), &outbox_};
};

// An account reads back whole; another tenant cannot see it.
TEST_F(AccountStoreTest, CreateThenGetIsTenantScoped) {
  ASSERT_OK_AND_ASSIGN(
      auto created, store_.Create("acme", NewAccount("Acme"), {}, "csm-1", absl::InfiniteFuture()));
  const std::string id = created.name().substr(9);
  ASSERT_OK_AND_ASSIGN(auto read, store_.Get("acme", id, absl::InfiniteFuture()));
  EXPECT_EQ(read.display_name(), "Acme");
  EXPECT_EQ(read.currency_code(), "EUR");
  EXPECT_EQ(read.touch_tier(), success::v1::LOW_TOUCH);
  EXPECT_THAT(store_.Get("globex", id, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kNotFound));
}

// External ids are unique per tenant.
TEST_F(AccountStoreTest, DuplicateExternalIdIsAlreadyExists) {
  ASSERT_OK(store_.Create("acme", NewAccount("A", "crm-1"), {}, "csm-1", absl::InfiniteFuture()));
  EXPECT_THAT(store_.Create("acme", NewAccount("B", "crm-1"), {}, "csm-1", absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_OK(store_.Create("globex", NewAccount("C", "crm-1"), {}, "csm-1", absl::InfiniteFuture()));
  EXPECT_OK(store_.Create("acme", NewAccount("D"), {}, "csm-1", absl::InfiniteFuture()));
  EXPECT_OK(store_.Create("acme", NewAccount("E"), {}, "csm-1", absl::InfiniteFuture()));
}

}  // namespace
}  // namespace tandem
