// Agents, groups and auto-assignment against real MariaDB: the store, the
// routing statements a ticket transaction runs (also from many threads at
// once), and AgentService through an in-process gRPC server.
#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/server.h"
#include "common/status.h"
#include "common_migrations.h"
#include "services/support/agent_manager.h"
#include "services/support/agent_service.h"
#include "services/support/mysql_agent_store.h"
#include "support_migrations.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem::support {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::CountRows;
using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;
using ::tandem::testing::TestToken;
using ::tandem::testing::ViolatedFields;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr absl::Time kForever = absl::InfiniteFuture();

v1::Agent NewAgent(const std::string& email, std::vector<std::string> groups = {},
                   int32_t capacity = 0) {
  const absl::Time now = absl::Now();
  v1::Agent agent;
  agent.set_name(ResourceName("agents", NewIdAt(now)));
  agent.set_display_name(email.substr(0, email.find('@')));
  agent.set_email(email);
  agent.set_availability(v1::Agent::AVAILABLE);
  agent.set_capacity(capacity);
  std::sort(groups.begin(), groups.end());
  for (const std::string& group : groups) agent.add_groups(group);
  *agent.mutable_create_time() = ToProtoTime(now);
  *agent.mutable_update_time() = ToProtoTime(now);
  return agent;
}

v1::Group NewGroup(const std::string& display_name) {
  const absl::Time now = absl::Now();
  v1::Group group;
  group.set_name(ResourceName("groups", NewIdAt(now)));
  group.set_display_name(display_name);
  *group.mutable_create_time() = ToProtoTime(now);
  *group.mutable_update_time() = ToProtoTime(now);
  return group;
}

// Writes a ticket row with just what routing reads, as the ticket store
// would (`assignee` and `group_id` hold bare ids).
absl::Status InsertTicket(mysql::Connection& db, const std::string& tenant, const std::string& id,
                          const std::string& assignee, v1::Ticket::Status status,
                          const std::string& group_id = "") {
  return db
      .Execute(
          "INSERT INTO tickets (tenant_id, id, subject, description, channel, type, "
          "priority, status, tags, assignee, group_id, create_time, update_time) "
          "VALUES (?, ?, 'Help', '', 1, 1, 2, ?, '[]', ?, ?, UTC_TIMESTAMP(6), "
          "UTC_TIMESTAMP(6))",
          {tenant, id, int64_t{status}, assignee,
           group_id.empty() ? mysql::Value{nullptr} : mysql::Value{group_id}})
      .status();
}

absl::Status InsertTicket(mysql::Pool& pool, const std::string& tenant, const std::string& assignee,
                          v1::Ticket::Status status, const std::string& group_id = "") {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool.Acquire());
  return InsertTicket(*db, tenant, NewId(), assignee, status, group_id);
}

ListPlan FirstPage(int page_size) {
  ListPlan plan;
  plan.page_size = page_size;
  plan.newest_first = false;
  return plan;
}

class AgentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate({CommonMigrations(), SupportMigrations()}); }

  v1::Group MakeGroup(const std::string& tenant, const std::string& display_name) {
    auto group = store_.CreateGroup(tenant, NewGroup(display_name), {}, kForever);
    EXPECT_OK(group);
    return group.value_or(v1::Group{});
  }

  v1::Agent MakeAgent(const std::string& tenant, const std::string& email,
                      std::vector<std::string> groups = {}, int32_t capacity = 0) {
    auto agent = store_.CreateAgent(tenant, NewAgent(email, groups, capacity), {}, kForever);
    EXPECT_OK(agent);
    return agent.value_or(v1::Agent{});
  }

  int64_t Count(const std::string& sql) { return CountRows(database_.pool(), sql); }

  TestDatabase database_{"support_agents"};
  MysqlAgentStore store_{&database_.pool()};
};

// A created agent reads back whole: groups sorted, load 0, an etag.
TEST_F(AgentStoreTest, CreateAgentThenGetRoundTrips) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Group tier2 = MakeGroup("acme", "Tier 2");
  v1::Agent agent = NewAgent("ada@example.com", {billing.name(), tier2.name()}, 5);
  agent.set_user("user-ada");
  ASSERT_OK_AND_ASSIGN(v1::Agent created, store_.CreateAgent("acme", agent, {}, kForever));
  ASSERT_OK_AND_ASSIGN(v1::Agent read,
                       store_.GetAgent("acme", ResourceIdOf(agent.name()), kForever));
  EXPECT_EQ(read.name(), agent.name());
  EXPECT_EQ(read.email(), "ada@example.com");
  EXPECT_EQ(read.user(), "user-ada");
  EXPECT_EQ(read.capacity(), 5);
  EXPECT_EQ(read.availability(), v1::Agent::AVAILABLE);
  EXPECT_EQ(read.groups_size(), 2);
  EXPECT_THAT(read.groups(), ::testing::UnorderedElementsAre(billing.name(), tier2.name()));
  EXPECT_TRUE(std::is_sorted(read.groups().begin(), read.groups().end()));
  EXPECT_EQ(read.load(), 0);
  EXPECT_FALSE(read.has_last_assignment_time());
  EXPECT_EQ(read.etag(), created.etag());
  EXPECT_FALSE(read.etag().empty());
  ASSERT_OK_AND_ASSIGN(v1::Group group,
                       store_.GetGroup("acme", ResourceIdOf(billing.name()), kForever));
  EXPECT_EQ(group.member_count(), 1);
}

// E-mail (any letter case) and linked user are unique per tenant; the
// loser writes nothing. Another tenant may reuse both.
TEST_F(AgentStoreTest, DuplicateEmailOrUserIsAlreadyExists) {
  v1::Agent first = NewAgent("ada@example.com");
  first.set_user("u1");
  ASSERT_OK(store_.CreateAgent("acme", first, {}, kForever));
  EXPECT_THAT(store_.CreateAgent("acme", NewAgent("ADA@example.com"), {}, kForever),
              StatusIs(absl::StatusCode::kAlreadyExists));
  v1::Agent same_user = NewAgent("bob@example.com");
  same_user.set_user("u1");
  absl::StatusOr<v1::Agent> taken = store_.CreateAgent("acme", same_user, {}, kForever);
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(std::string(taken.status().message()), ::testing::HasSubstr("u1"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 1);
  // Unlinked agents (no user) never collide with each other.
  EXPECT_OK(store_.CreateAgent("acme", NewAgent("carol@example.com"), {}, kForever));
  EXPECT_OK(store_.CreateAgent("acme", NewAgent("dan@example.com"), {}, kForever));
  EXPECT_OK(store_.CreateAgent("globex", first, {}, kForever));
}

// A group that does not exist, or is another tenant's, is a field error
// and nothing is written.
TEST_F(AgentStoreTest, UnknownOrForeignGroupIsInvalidAndWritesNothing) {
  const v1::Group foreign = MakeGroup("globex", "Billing");
  const v1::Group own = MakeGroup("acme", "Billing");
  absl::StatusOr<v1::Agent> created = store_.CreateAgent(
      "acme", NewAgent("ada@example.com", {own.name(), foreign.name()}), {}, kForever);
  EXPECT_THAT(created, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(FieldViolationsOf(created.status()).size(), 1u);
  // Groups are sorted before they are checked; the foreign one's index.
  const int foreign_index = foreign.name() < own.name() ? 0 : 1;
  EXPECT_EQ(FieldViolationsOf(created.status())[0].field,
            absl::StrCat("agent.groups[", foreign_index, "]"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agent_group_members"), 0);
}

// A retried create with the same request id returns the first agent.
TEST_F(AgentStoreTest, CreateAgentIsIdempotentByRequestId) {
  const CreateKey key{.request_id = "r-1", .fingerprint = "f-1"};
  ASSERT_OK_AND_ASSIGN(v1::Agent first,
                       store_.CreateAgent("acme", NewAgent("ada@example.com"), key, kForever));
  ASSERT_OK_AND_ASSIGN(v1::Agent again,
                       store_.CreateAgent("acme", NewAgent("ada@example.com"), key, kForever));
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 1);
  EXPECT_THAT(store_.CreateAgent("acme", NewAgent("bob@example.com"),
                                 {.request_id = "r-1", .fingerprint = "other"}, kForever),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Another tenant's agents and groups do not exist for the caller.
TEST_F(AgentStoreTest, OtherTenantsAgentsAndGroupsAreNotFound) {
  const v1::Agent agent = MakeAgent("acme", "ada@example.com");
  const v1::Group group = MakeGroup("acme", "Billing");
  EXPECT_THAT(store_.GetAgent("globex", ResourceIdOf(agent.name()), kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_.GetGroup("globex", ResourceIdOf(group.name()), kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_.DeleteAgent("globex", ResourceIdOf(agent.name()), "", kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      store_.DeleteGroup("globex", ResourceIdOf(group.name()), "", true, absl::Now(), kForever),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_.UpdateAgent(
                  "globex", ResourceIdOf(agent.name()),
                  [](const v1::Agent& current, const std::string&) -> absl::StatusOr<AgentUpdate> {
                    return AgentUpdate{.agent = current, .changed = true};
                  },
                  kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agent_groups"), 1);
}

// Load counts the agent's NEW, OPEN, PENDING and ON_HOLD tickets only, of
// the agent's own tenant.
TEST_F(AgentStoreTest, LoadCountsUnsolvedAssignedTickets) {
  const v1::Agent agent = MakeAgent("acme", "ada@example.com");
  const std::string id = ResourceIdOf(agent.name());
  for (v1::Ticket::Status status : {v1::Ticket::NEW, v1::Ticket::OPEN, v1::Ticket::PENDING,
                                    v1::Ticket::ON_HOLD, v1::Ticket::SOLVED, v1::Ticket::CLOSED}) {
    ASSERT_OK(InsertTicket(database_.pool(), "acme", id, status));
  }
  ASSERT_OK(InsertTicket(database_.pool(), "globex", id, v1::Ticket::OPEN));
  ASSERT_OK(InsertTicket(database_.pool(), "acme", "someone-else", v1::Ticket::OPEN));
  ASSERT_OK_AND_ASSIGN(v1::Agent read, store_.GetAgent("acme", id, kForever));
  EXPECT_EQ(read.load(), 4);
  ASSERT_OK_AND_ASSIGN(AgentPage page, store_.ListAgents("acme", {}, FirstPage(10), kForever));
  ASSERT_EQ(page.agents.size(), 1u);
  EXPECT_EQ(page.agents[0].load(), 4);
}

// Filters: group membership (and not), availability, e-mail, deactivated;
// pages follow creation order.
TEST_F(AgentStoreTest, ListAgentsFiltersAndPages) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Agent ada = MakeAgent("acme", "ada@example.com", {billing.name()});
  const v1::Agent bob = MakeAgent("acme", "bob@example.com", {billing.name()});
  v1::Agent carol = NewAgent("carol@example.com");
  carol.set_availability(v1::Agent::AWAY);
  carol.set_deactivated(true);
  ASSERT_OK(store_.CreateAgent("acme", carol, {}, kForever));
  MakeAgent("globex", "erin@example.com");

  auto names = [&](const std::vector<AgentCondition>& conditions) {
    std::vector<std::string> out;
    auto page = store_.ListAgents("acme", conditions, FirstPage(10), kForever);
    EXPECT_OK(page);
    if (page.ok()) {
      for (const v1::Agent& agent : page->agents) out.push_back(agent.email());
    }
    return out;
  };
  EXPECT_THAT(names({}), ElementsAre("ada@example.com", "bob@example.com", "carol@example.com"));
  EXPECT_THAT(names({{AgentField::kGroup, FilterOp::kEq, ResourceIdOf(billing.name())}}),
              ElementsAre("ada@example.com", "bob@example.com"));
  EXPECT_THAT(names({{AgentField::kGroup, FilterOp::kNe, ResourceIdOf(billing.name())}}),
              ElementsAre("carol@example.com"));
  EXPECT_THAT(names({{AgentField::kAvailability, FilterOp::kEq, "2"}}),
              ElementsAre("carol@example.com"));
  EXPECT_THAT(names({{AgentField::kEmail, FilterOp::kEq, "BOB@example.com"}}),
              ElementsAre("bob@example.com"));
  EXPECT_THAT(names({{AgentField::kDeactivated, FilterOp::kEq, "0"}}),
              ElementsAre("ada@example.com", "bob@example.com"));

  ASSERT_OK_AND_ASSIGN(AgentPage first, store_.ListAgents("acme", {}, FirstPage(2), kForever));
  EXPECT_TRUE(first.has_more);
  ASSERT_EQ(first.agents.size(), 2u);
  ListPlan next = FirstPage(2);
  next.after = KeysetPosition{FromProtoTime(first.agents[1].create_time()),
                              ResourceIdOf(first.agents[1].name())};
  ASSERT_OK_AND_ASSIGN(AgentPage second, store_.ListAgents("acme", {}, next, kForever));
  EXPECT_FALSE(second.has_more);
  ASSERT_EQ(second.agents.size(), 1u);
  EXPECT_EQ(second.agents[0].email(), "carol@example.com");
  EXPECT_NE(ada.name(), bob.name());
}

// An update rewrites the row and the memberships and moves the etag; a
// decision that changes nothing writes nothing.
TEST_F(AgentStoreTest, UpdateAgentRewritesGroupsAndEtag) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Group tier2 = MakeGroup("acme", "Tier 2");
  const v1::Agent agent = MakeAgent("acme", "ada@example.com", {billing.name()});
  const std::string id = ResourceIdOf(agent.name());
  std::string promised;
  ASSERT_OK_AND_ASSIGN(v1::Agent updated,
                       store_.UpdateAgent(
                           "acme", id,
                           [&](const v1::Agent& current,
                               const std::string& next_etag) -> absl::StatusOr<AgentUpdate> {
                             AgentUpdate update{.agent = current, .changed = true};
                             update.agent.clear_groups();
                             update.agent.add_groups(tier2.name());
                             update.agent.set_availability(v1::Agent::OFFLINE);
                             update.agent.set_capacity(7);
                             promised = next_etag;
                             return update;
                           },
                           kForever));
  EXPECT_EQ(updated.etag(), promised);
  ASSERT_OK_AND_ASSIGN(v1::Agent read, store_.GetAgent("acme", id, kForever));
  EXPECT_EQ(read.etag(), promised);
  EXPECT_NE(read.etag(), agent.etag());
  EXPECT_THAT(read.groups(), ElementsAre(tier2.name()));
  EXPECT_EQ(read.availability(), v1::Agent::OFFLINE);
  EXPECT_EQ(read.capacity(), 7);

  ASSERT_OK_AND_ASSIGN(v1::Agent same, store_.UpdateAgent(
                                           "acme", id,
                                           [](const v1::Agent& current,
                                              const std::string&) -> absl::StatusOr<AgentUpdate> {
                                             return AgentUpdate{.agent = current, .changed = false};
                                           },
                                           kForever));
  EXPECT_EQ(same.etag(), promised);

  // A decision's error writes nothing.
  EXPECT_THAT(store_.UpdateAgent(
                  "acme", id,
                  [](const v1::Agent&, const std::string&) -> absl::StatusOr<AgentUpdate> {
                    return absl::AbortedError("stale");
                  },
                  kForever),
              StatusIs(absl::StatusCode::kAborted));
  // A group that vanished is a field error, and the old memberships stay.
  EXPECT_THAT(store_.UpdateAgent(
                  "acme", id,
                  [](const v1::Agent& current, const std::string&) -> absl::StatusOr<AgentUpdate> {
                    AgentUpdate update{.agent = current, .changed = true};
                    update.agent.add_groups("groups/01JABCDEFGHJKMNPQRSTVWXYZ0");
                    return update;
                  },
                  kForever),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(read, store_.GetAgent("acme", id, kForever));
  EXPECT_THAT(read.groups(), ElementsAre(tier2.name()));
  EXPECT_EQ(read.etag(), promised);
}

// An agent named by any ticket (even a closed one) cannot be deleted; one
// no ticket names can, with its memberships.
TEST_F(AgentStoreTest, DeleteAgentOnlyWhenNoTicketNamesIt) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Agent busy = MakeAgent("acme", "ada@example.com", {billing.name()});
  const v1::Agent idle = MakeAgent("acme", "bob@example.com", {billing.name()});
  ASSERT_OK(InsertTicket(database_.pool(), "acme", ResourceIdOf(busy.name()), v1::Ticket::CLOSED));
  EXPECT_THAT(store_.DeleteAgent("acme", ResourceIdOf(busy.name()), "", kForever),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_.DeleteAgent("acme", ResourceIdOf(idle.name()), "stale-etag", kForever),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_OK(store_.DeleteAgent("acme", ResourceIdOf(idle.name()), idle.etag(), kForever));
  EXPECT_THAT(store_.GetAgent("acme", ResourceIdOf(idle.name()), kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agent_group_members"), 1);
}

// Groups: unique names per tenant, update with etag, list by name.
TEST_F(AgentStoreTest, GroupsCreateUpdateAndList) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  EXPECT_THAT(store_.CreateGroup("acme", NewGroup("billing"), {}, kForever),
              StatusIs(absl::StatusCode::kAlreadyExists));
  const v1::Group tier2 = MakeGroup("acme", "Tier 2");
  MakeGroup("globex", "Billing");
  EXPECT_THAT(store_.UpdateGroup(
                  "acme", ResourceIdOf(tier2.name()),
                  [](const v1::Group& current, const std::string&) -> absl::StatusOr<GroupUpdate> {
                    GroupUpdate update{.group = current, .changed = true};
                    update.group.set_display_name("BILLING");
                    return update;
                  },
                  kForever),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(
      v1::Group renamed,
      store_.UpdateGroup(
          "acme", ResourceIdOf(tier2.name()),
          [](const v1::Group& current, const std::string&) -> absl::StatusOr<GroupUpdate> {
            GroupUpdate update{.group = current, .changed = true};
            update.group.set_description("Harder cases");
            return update;
          },
          kForever));
  EXPECT_NE(renamed.etag(), tier2.etag());
  ASSERT_OK_AND_ASSIGN(v1::Group read,
                       store_.GetGroup("acme", ResourceIdOf(tier2.name()), kForever));
  EXPECT_EQ(read.description(), "Harder cases");
  EXPECT_EQ(read.etag(), renamed.etag());
  ASSERT_OK_AND_ASSIGN(GroupPage all, store_.ListGroups("acme", {}, FirstPage(10), kForever));
  ASSERT_EQ(all.groups.size(), 2u);
  EXPECT_EQ(all.groups[0].name(), billing.name());
  ASSERT_OK_AND_ASSIGN(
      GroupPage named,
      store_.ListGroups("acme", {{GroupField::kDisplayName, FilterOp::kEq, "tier 2"}},
                        FirstPage(10), kForever));
  ASSERT_EQ(named.groups.size(), 1u);
  EXPECT_EQ(named.groups[0].name(), tier2.name());
}

// A group with unsolved tickets is kept; with agents only when forced,
// which takes them out (and changes their etags); solved tickets do not
// hold it.
TEST_F(AgentStoreTest, DeleteGroupRules) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const std::string group_id = ResourceIdOf(billing.name());
  const v1::Agent ada = MakeAgent("acme", "ada@example.com", {billing.name()});
  ASSERT_OK(InsertTicket(database_.pool(), "acme", "", v1::Ticket::PENDING, group_id));
  ASSERT_OK(InsertTicket(database_.pool(), "acme", "", v1::Ticket::SOLVED, group_id));
  EXPECT_THAT(store_.DeleteGroup("acme", group_id, "", true, absl::Now(), kForever),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(database_.pool().Acquire().value()->Execute(
      "UPDATE tickets SET status = 5 WHERE group_id = ?", {group_id}));
  EXPECT_THAT(store_.DeleteGroup("acme", group_id, "", false, absl::Now(), kForever),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_.DeleteGroup("acme", group_id, "stale", true, absl::Now(), kForever),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agent_groups"), 1);
  EXPECT_OK(store_.DeleteGroup("acme", group_id, billing.etag(), true, absl::Now(), kForever));
  EXPECT_THAT(store_.GetGroup("acme", group_id, kForever), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(v1::Agent read, store_.GetAgent("acme", ResourceIdOf(ada.name()), kForever));
  EXPECT_EQ(read.groups_size(), 0);
  EXPECT_NE(read.etag(), ada.etag());
}

// ---- Routing inside a caller's transaction --------------------------------

class RoutingStoreTest : public AgentStoreTest {
 protected:
  // Runs `work` in a transaction of its own and commits it.
  absl::Status InTransaction(const std::function<absl::Status(mysql::Connection&)>& work) {
    return mysql::RunInTransaction(database_.pool(), kForever,
                                   [&](mysql::Transaction& tx) { return work(tx.connection()); });
  }

  v1::Agent SetAvailability(const v1::Agent& agent, v1::Agent::Availability availability,
                            bool deactivated = false) {
    auto updated = store_.UpdateAgent(
        "acme", ResourceIdOf(agent.name()),
        [&](const v1::Agent& current, const std::string&) -> absl::StatusOr<AgentUpdate> {
          AgentUpdate update{.agent = current, .changed = true};
          update.agent.set_availability(availability);
          update.agent.set_deactivated(deactivated);
          return update;
        },
        kForever);
    EXPECT_OK(updated);
    return updated.value_or(v1::Agent{});
  }
};

// Candidates are the group's active AVAILABLE agents, with their loads.
TEST_F(RoutingStoreTest, CandidatesAreAvailableActiveMembersWithLoads) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Group other = MakeGroup("acme", "Other");
  const v1::Agent ada = MakeAgent("acme", "ada@example.com", {billing.name()}, 3);
  const v1::Agent away = MakeAgent("acme", "bob@example.com", {billing.name()});
  SetAvailability(away, v1::Agent::AWAY);
  const v1::Agent gone = MakeAgent("acme", "carol@example.com", {billing.name()});
  SetAvailability(gone, v1::Agent::AVAILABLE, /*deactivated=*/true);
  MakeAgent("acme", "dan@example.com", {other.name()});
  ASSERT_OK(InsertTicket(database_.pool(), "acme", ResourceIdOf(ada.name()), v1::Ticket::OPEN));
  ASSERT_OK(InsertTicket(database_.pool(), "acme", ResourceIdOf(ada.name()), v1::Ticket::SOLVED));

  std::vector<RoutingCandidate> candidates;
  ASSERT_OK(InTransaction([&](mysql::Connection& tx) -> absl::Status {
    ASSIGN_OR_RETURN(candidates, LockRoutingCandidates(tx, "acme", ResourceIdOf(billing.name())));
    return absl::OkStatus();
  }));
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].agent_id, ResourceIdOf(ada.name()));
  EXPECT_EQ(candidates[0].load, 1);
  EXPECT_EQ(candidates[0].capacity, 3);
  EXPECT_EQ(candidates[0].availability, v1::Agent::AVAILABLE);
  // Another tenant sees nobody in this group.
  ASSERT_OK(InTransaction([&](mysql::Connection& tx) -> absl::Status {
    ASSIGN_OR_RETURN(candidates, LockRoutingCandidates(tx, "globex", ResourceIdOf(billing.name())));
    return absl::OkStatus();
  }));
  EXPECT_TRUE(candidates.empty());
}

// AutoAssign picks the least loaded and stamps its last assignment time,
// without changing its etag; a full group yields nobody.
TEST_F(RoutingStoreTest, AutoAssignPicksLeastLoadedAndRecordsIt) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Agent ada = MakeAgent("acme", "ada@example.com", {billing.name()}, 1);
  const v1::Agent bob = MakeAgent("acme", "bob@example.com", {billing.name()}, 1);
  ASSERT_OK(InsertTicket(database_.pool(), "acme", ResourceIdOf(ada.name()), v1::Ticket::NEW));
  const absl::Time at = absl::FromUnixSeconds(1'790'000'000);
  std::optional<std::string> chosen;
  ASSERT_OK(InTransaction([&](mysql::Connection& tx) -> absl::Status {
    ASSIGN_OR_RETURN(chosen, AutoAssign(tx, "acme", ResourceIdOf(billing.name()), at));
    return InsertTicket(tx, "acme", NewId(), chosen.value_or(""), v1::Ticket::NEW,
                        ResourceIdOf(billing.name()));
  }));
  EXPECT_EQ(chosen, ResourceIdOf(bob.name()));
  ASSERT_OK_AND_ASSIGN(v1::Agent read, store_.GetAgent("acme", ResourceIdOf(bob.name()), kForever));
  EXPECT_EQ(FromProtoTime(read.last_assignment_time()), at);
  EXPECT_EQ(read.etag(), bob.etag());
  EXPECT_EQ(read.load(), 1);
  // Both at capacity now.
  ASSERT_OK(InTransaction([&](mysql::Connection& tx) -> absl::Status {
    ASSIGN_OR_RETURN(chosen, AutoAssign(tx, "acme", ResourceIdOf(billing.name()), at));
    return absl::OkStatus();
  }));
  EXPECT_EQ(chosen, std::nullopt);
  // RecordAssignment on its own stamps the time too.
  ASSERT_OK(InTransaction([&](mysql::Connection& tx) {
    return RecordAssignment(tx, "acme", ResourceIdOf(ada.name()), at + absl::Seconds(1));
  }));
  ASSERT_OK_AND_ASSIGN(read, store_.GetAgent("acme", ResourceIdOf(ada.name()), kForever));
  EXPECT_EQ(FromProtoTime(read.last_assignment_time()), at + absl::Seconds(1));
}

// Explicit assignment checks: a missing or foreign agent is a field error,
// a deactivated one FAILED_PRECONDITION, an AWAY one is fine. Group checks
// likewise.
TEST_F(RoutingStoreTest, AssigneeAndGroupChecks) {
  const v1::Group billing = MakeGroup("acme", "Billing");
  const v1::Agent away = MakeAgent("acme", "ada@example.com");
  SetAvailability(away, v1::Agent::AWAY);
  const v1::Agent gone = MakeAgent("acme", "bob@example.com");
  SetAvailability(gone, v1::Agent::AVAILABLE, /*deactivated=*/true);
  const v1::Agent foreign = MakeAgent("globex", "carol@example.com");
  ASSERT_OK(InTransaction([&](mysql::Connection& tx) -> absl::Status {
    EXPECT_OK(CheckAssignableAgent(tx, "acme", ResourceIdOf(away.name()), "ticket.assignee"));
    absl::Status missing =
        CheckAssignableAgent(tx, "acme", ResourceIdOf(foreign.name()), "ticket.assignee");
    EXPECT_THAT(missing, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(FieldViolationsOf(missing), ::testing::SizeIs(1));
    EXPECT_EQ(FieldViolationsOf(missing).at(0).field, "ticket.assignee");
    EXPECT_THAT(CheckAssignableAgent(tx, "acme", ResourceIdOf(gone.name()), "ticket.assignee"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_OK(CheckGroupExists(tx, "acme", ResourceIdOf(billing.name()), "ticket.group"));
    absl::Status no_group =
        CheckGroupExists(tx, "globex", ResourceIdOf(billing.name()), "ticket.group");
    EXPECT_THAT(no_group, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_EQ(FieldViolationsOf(no_group).at(0).field, "ticket.group");
    return absl::OkStatus();
  }));
}

// Many threads auto-assigning at once, into two groups that share an
// agent, never give any agent more than its capacity, and fill every slot.
TEST_F(RoutingStoreTest, ConcurrentAutoAssignmentNeverExceedsCapacity) {
  const v1::Group g1 = MakeGroup("acme", "One");
  const v1::Group g2 = MakeGroup("acme", "Two");
  const v1::Agent a = MakeAgent("acme", "a@example.com", {g1.name()}, 2);
  const v1::Agent b = MakeAgent("acme", "b@example.com", {g1.name(), g2.name()}, 3);
  const v1::Agent c = MakeAgent("acme", "c@example.com", {g2.name()}, 1);
  const std::map<std::string, int> capacity = {
      {ResourceIdOf(a.name()), 2}, {ResourceIdOf(b.name()), 3}, {ResourceIdOf(c.name()), 1}};
  constexpr int kThreads = 6;
  constexpr int kTicketsPerThread = 5;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string group = ResourceIdOf(t % 2 == 0 ? g1.name() : g2.name());
      for (int i = 0; i < kTicketsPerThread; ++i) {
        // What the ticket transaction does: lock the candidates, choose,
        // write the ticket with its assignee, commit.
        absl::Status done = InTransaction([&](mysql::Connection& tx) -> absl::Status {
          ASSIGN_OR_RETURN(std::optional<std::string> chosen,
                           AutoAssign(tx, "acme", group, absl::Now()));
          return InsertTicket(tx, "acme", NewId(), chosen.value_or(""), v1::Ticket::NEW, group);
        });
        if (!done.ok()) {
          ADD_FAILURE() << done;
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(failures.load(), 0);
  int assigned = 0;
  for (const auto& [agent_id, limit] : capacity) {
    const int64_t load =
        Count(absl::StrCat("SELECT COUNT(*) FROM tickets WHERE assignee = '", agent_id, "'"));
    EXPECT_EQ(load, limit) << agent_id;
    assigned += static_cast<int>(load);
  }
  EXPECT_EQ(assigned, 6);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE assignee = ''"),
            kThreads * kTicketsPerThread - 6);
  std::cout << "[ figures ] " << kThreads * kTicketsPerThread << " concurrent auto-assignments "
            << "from " << kThreads << " threads in " << absl::ToDoubleMilliseconds(took) << " ms\n";
}

// ---- AgentService through gRPC ----------------------------------------------

class AgentServiceTest : public ::testing::Test {
 protected:
  AgentServiceTest() {
    database_.Migrate({CommonMigrations(), SupportMigrations()});
    runner_.AddService(&service_);
    EXPECT_OK(runner_.Start());
    stub_ = v1::AgentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.grpc_port()), grpc::InsecureChannelCredentials()));
  }

  // Calls `method` with `token`; returns the status, the answer in
  // `response`.
  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<v1::AgentService::Stub, Request, Response> method,
                    const std::string& token, const Request& request, Response* response) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  v1::Group CreateGroup(const std::string& display_name, const std::string& token = Admin()) {
    v1::CreateGroupRequest request;
    request.mutable_group()->set_display_name(display_name);
    v1::Group group;
    EXPECT_TRUE(Call(&v1::AgentService::Stub::CreateGroup, token, request, &group).ok());
    return group;
  }

  v1::Agent CreateAgent(const std::string& email, std::vector<std::string> groups = {},
                        const std::string& user = "", const std::string& token = Admin()) {
    v1::CreateAgentRequest request;
    request.mutable_agent()->set_display_name(email.substr(0, email.find('@')));
    request.mutable_agent()->set_email(email);
    request.mutable_agent()->set_user(user);
    for (const std::string& group : groups) request.mutable_agent()->add_groups(group);
    v1::Agent agent;
    grpc::Status status = Call(&v1::AgentService::Stub::CreateAgent, token, request, &agent);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return agent;
  }

  // Rows in every table this service writes, to show a refused call
  // changed nothing.
  std::string Snapshot() {
    return absl::StrCat(Count("SELECT COUNT(*) FROM agents"), "/",
                        Count("SELECT COUNT(*) FROM agent_groups"), "/",
                        Count("SELECT COUNT(*) FROM agent_group_members"), "/",
                        Count("SELECT COUNT(*) FROM idempotency_keys"), "/",
                        Count("SELECT COALESCE(SUM(version), 0) FROM agents"), "/",
                        Count("SELECT COALESCE(SUM(version), 0) FROM agent_groups"));
  }

  int64_t Count(const std::string& sql) { return CountRows(database_.pool(), sql); }

  static std::string Admin() { return TestToken("acme", {"admin"}); }

  TestDatabase database_{"svc_agents"};
  std::unique_ptr<Authenticator> auth_ = testing::TestAuthenticator();
  PageTokenCodec codec_{testing::kTestPageTokenKey};
  MysqlAgentStore store_{&database_.pool()};
  AgentManager manager_{&store_, &codec_, &SystemClock::Get()};
  AgentServiceImpl service_{auth_.get(), &manager_};
  ServerRunner runner_{ServerOptions{.name = "support"}};
  std::unique_ptr<v1::AgentService::Stub> stub_;
};

using Stub = v1::AgentService::Stub;

// The whole life of an agent and a group through the API.
TEST_F(AgentServiceTest, AgentAndGroupLifeThroughTheApi) {
  const v1::Group billing = CreateGroup("Billing");
  EXPECT_EQ(billing.display_name(), "Billing");
  const v1::Agent ada = CreateAgent("ada@example.com", {billing.name()}, "user-ada");
  EXPECT_EQ(ada.availability(), v1::Agent::AVAILABLE);
  EXPECT_THAT(ada.groups(), ElementsAre(billing.name()));

  v1::Agent read;
  v1::GetAgentRequest get;
  get.set_name(ada.name());
  ASSERT_TRUE(Call(&Stub::GetAgent, TestToken("acme", {"viewer"}), get, &read).ok());
  EXPECT_EQ(read.etag(), ada.etag());

  v1::UpdateAgentRequest update;
  update.mutable_agent()->set_name(ada.name());
  update.mutable_agent()->set_capacity(4);
  update.mutable_agent()->set_etag(ada.etag());
  update.mutable_update_mask()->add_paths("capacity");
  v1::Agent updated;
  ASSERT_TRUE(Call(&Stub::UpdateAgent, Admin(), update, &updated).ok());
  EXPECT_EQ(updated.capacity(), 4);
  EXPECT_NE(updated.etag(), ada.etag());

  v1::ListAgentsRequest list;
  list.set_filter(absl::StrCat("group = ", billing.name(), " AND availability = AVAILABLE"));
  v1::ListAgentsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListAgents, TestToken("acme", {"csm"}), list, &listed).ok());
  ASSERT_EQ(listed.agents_size(), 1);
  EXPECT_EQ(listed.agents(0).capacity(), 4);

  v1::GetGroupRequest get_group;
  get_group.set_name(billing.name());
  v1::Group group;
  ASSERT_TRUE(Call(&Stub::GetGroup, TestToken("acme", {"agent"}), get_group, &group).ok());
  EXPECT_EQ(group.member_count(), 1);

  v1::UpdateGroupRequest rename;
  rename.mutable_group()->set_name(billing.name());
  rename.mutable_group()->set_display_name("Billing & Refunds");
  rename.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(Call(&Stub::UpdateGroup, Admin(), rename, &group).ok());
  EXPECT_EQ(group.display_name(), "Billing & Refunds");

  v1::ListGroupsResponse groups;
  ASSERT_TRUE(
      Call(&Stub::ListGroups, TestToken("acme", {"service"}), v1::ListGroupsRequest{}, &groups)
          .ok());
  EXPECT_EQ(groups.groups_size(), 1);

  google::protobuf::Empty empty;
  v1::DeleteGroupRequest delete_group;
  delete_group.set_name(billing.name());
  EXPECT_EQ(Call(&Stub::DeleteGroup, Admin(), delete_group, &empty).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  delete_group.set_force(true);
  ASSERT_TRUE(Call(&Stub::DeleteGroup, Admin(), delete_group, &empty).ok());
  v1::DeleteAgentRequest delete_agent;
  delete_agent.set_name(ada.name());
  ASSERT_TRUE(Call(&Stub::DeleteAgent, Admin(), delete_agent, &empty).ok());
  EXPECT_EQ(Call(&Stub::GetAgent, Admin(), get, &read).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Snapshot().substr(0, 6), "0/0/0/");
}

// Every RPC refuses bad input with INVALID_ARGUMENT naming the field, and
// writes nothing.
TEST_F(AgentServiceTest, EveryRpcRejectsBadInputAndWritesNothing) {
  const v1::Group billing = CreateGroup("Billing");
  const v1::Group foreign = CreateGroup("Billing", TestToken("globex", {"admin"}));
  const v1::Agent ada = CreateAgent("ada@example.com");
  const std::string before = Snapshot();
  const std::string admin = Admin();
  struct Case {
    std::string what;
    std::function<grpc::Status()> call;
    std::string field;
  };
  v1::Agent agent_out;
  v1::Group group_out;
  v1::ListAgentsResponse agents_out;
  v1::ListGroupsResponse groups_out;
  google::protobuf::Empty empty;
  auto create_agent = [&](const std::function<void(v1::CreateAgentRequest&)>& edit) {
    return [&, edit] {
      v1::CreateAgentRequest request;
      request.mutable_agent()->set_display_name("Bob");
      request.mutable_agent()->set_email("bob@example.com");
      edit(request);
      return Call(&Stub::CreateAgent, admin, request, &agent_out);
    };
  };
  auto update_agent = [&](const std::function<void(v1::UpdateAgentRequest&)>& edit) {
    return [&, edit] {
      v1::UpdateAgentRequest request;
      request.mutable_agent()->set_name(ada.name());
      edit(request);
      return Call(&Stub::UpdateAgent, admin, request, &agent_out);
    };
  };
  auto list_agents = [&](const std::string& filter, const std::string& token,
                         const std::string& order_by = "") {
    return [&, filter, token, order_by] {
      v1::ListAgentsRequest request;
      request.set_filter(filter);
      request.set_page_token(token);
      request.set_order_by(order_by);
      return Call(&Stub::ListAgents, admin, request, &agents_out);
    };
  };
  const std::vector<Case> cases = {
      {"create without agent",
       [&] { return Call(&Stub::CreateAgent, admin, v1::CreateAgentRequest{}, &agent_out); },
       "agent"},
      {"create, name too long",
       create_agent([](auto& r) { r.mutable_agent()->set_display_name(std::string(201, 'x')); }),
       "agent.display_name"},
      {"create, no e-mail", create_agent([](auto& r) { r.mutable_agent()->clear_email(); }),
       "agent.email"},
      {"create, e-mail too long", create_agent([](auto& r) {
         r.mutable_agent()->set_email(std::string(250, 'b') + "@example.com");
       }),
       "agent.email"},
      {"create, unknown availability", create_agent([](auto& r) {
         r.mutable_agent()->set_availability(static_cast<v1::Agent::Availability>(7));
       }),
       "agent.availability"},
      {"create, negative capacity",
       create_agent([](auto& r) { r.mutable_agent()->set_capacity(-3); }), "agent.capacity"},
      {"create, malformed group",
       create_agent([](auto& r) { r.mutable_agent()->add_groups("billing"); }), "agent.groups[0]"},
      {"create, another tenant's group",
       create_agent([&](auto& r) { r.mutable_agent()->add_groups(foreign.name()); }),
       "agent.groups[0]"},
      {"create, another tenant's group listed before an own one", create_agent([&](auto& r) {
         r.mutable_agent()->add_groups(foreign.name());  // sorts after billing
         r.mutable_agent()->add_groups(billing.name());
       }),
       "agent.groups[0]"},
      {"create, bad request id", create_agent([](auto& r) { r.set_request_id("no spaces!"); }),
       "request_id"},
      {"get, bad name",
       [&] {
         v1::GetAgentRequest request;
         request.set_name("agents/nope");
         return Call(&Stub::GetAgent, admin, request, &agent_out);
       },
       "name"},
      {"list, unknown field", list_agents("team = x", ""), "filter"},
      {"list, bad enum", list_agents("availability = BUSY", ""), "filter"},
      {"list, bad group", list_agents("group = billing", ""), "filter"},
      {"list, bad time", list_agents("create_time > soon", ""), "filter"},
      {"list, forged token", list_agents("", "forged"), "page_token"},
      {"list, bad order", list_agents("", "", "email"), "order_by"},
      {"update, no mask", update_agent([](auto& r) { r.mutable_agent()->set_capacity(2); }),
       "update_mask"},
      {"update, output-only path",
       update_agent([](auto& r) { r.mutable_update_mask()->add_paths("load"); }), "update_mask"},
      {"update, bad name", update_agent([](auto& r) {
         r.mutable_agent()->set_name("groups/01JABCDEFGHJKMNPQRSTVWXYZ0");
         r.mutable_update_mask()->add_paths("capacity");
       }),
       "agent.name"},
      {"update, unknown availability", update_agent([](auto& r) {
         r.mutable_agent()->set_availability(static_cast<v1::Agent::Availability>(9));
         r.mutable_update_mask()->add_paths("availability");
       }),
       "agent.availability"},
      {"update, capacity too big", update_agent([](auto& r) {
         r.mutable_agent()->set_capacity(5000);
         r.mutable_update_mask()->add_paths("capacity");
       }),
       "agent.capacity"},
      {"update, another tenant's group", update_agent([&](auto& r) {
         r.mutable_agent()->add_groups(foreign.name());
         r.mutable_update_mask()->add_paths("groups");
       }),
       "agent.groups[0]"},
      {"delete agent, bad name",
       [&] {
         v1::DeleteAgentRequest request;
         request.set_name(billing.name());
         return Call(&Stub::DeleteAgent, admin, request, &empty);
       },
       "name"},
      {"create group without group",
       [&] { return Call(&Stub::CreateGroup, admin, v1::CreateGroupRequest{}, &group_out); },
       "group"},
      {"create group, name too long",
       [&] {
         v1::CreateGroupRequest request;
         request.mutable_group()->set_display_name(std::string(101, 'g'));
         return Call(&Stub::CreateGroup, admin, request, &group_out);
       },
       "group.display_name"},
      {"create group, description too long",
       [&] {
         v1::CreateGroupRequest request;
         request.mutable_group()->set_display_name("Ok");
         request.mutable_group()->set_description(std::string(1001, 'd'));
         return Call(&Stub::CreateGroup, admin, request, &group_out);
       },
       "group.description"},
      {"get group, bad name",
       [&] {
         v1::GetGroupRequest request;
         return Call(&Stub::GetGroup, admin, request, &group_out);
       },
       "name"},
      {"list groups, bad filter",
       [&] {
         v1::ListGroupsRequest request;
         request.set_filter("member_count > 2");
         return Call(&Stub::ListGroups, admin, request, &groups_out);
       },
       "filter"},
      {"list groups, negative size",
       [&] {
         v1::ListGroupsRequest request;
         request.set_page_size(-1);
         return Call(&Stub::ListGroups, admin, request, &groups_out);
       },
       "page_size"},
      {"update group, empty name",
       [&] {
         v1::UpdateGroupRequest request;
         request.mutable_group()->set_name(billing.name());
         request.mutable_group()->set_display_name("  ");
         request.mutable_update_mask()->add_paths("display_name");
         return Call(&Stub::UpdateGroup, admin, request, &group_out);
       },
       "group.display_name"},
      {"update group, unknown path",
       [&] {
         v1::UpdateGroupRequest request;
         request.mutable_group()->set_name(billing.name());
         request.mutable_update_mask()->add_paths("member_count");
         return Call(&Stub::UpdateGroup, admin, request, &group_out);
       },
       "update_mask"},
      {"delete group, bad name",
       [&] {
         v1::DeleteGroupRequest request;
         request.set_name("groups/");
         return Call(&Stub::DeleteGroup, admin, request, &empty);
       },
       "name"},
  };
  for (const Case& c : cases) {
    grpc::Status status = c.call();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.what << ": " << status.error_message();
    EXPECT_THAT(ViolatedFields(status), ::testing::Contains(c.field)) << c.what;
  }
  EXPECT_EQ(Snapshot(), before);
}

// A page token is bound to its query: reusing it with another filter is
// INVALID_ARGUMENT; walking pages yields every agent once.
TEST_F(AgentServiceTest, PagesAreStableAndTokensBoundToTheirQuery) {
  for (int i = 0; i < 5; ++i) CreateAgent(absl::StrCat("agent", i, "@example.com"));
  v1::ListAgentsRequest request;
  request.set_page_size(2);
  request.set_order_by("create_time");
  std::vector<std::string> seen;
  std::string first_token;
  do {
    v1::ListAgentsResponse page;
    ASSERT_TRUE(Call(&Stub::ListAgents, Admin(), request, &page).ok());
    for (const v1::Agent& agent : page.agents()) seen.push_back(agent.email());
    if (first_token.empty()) first_token = page.next_page_token();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_THAT(seen, ElementsAre("agent0@example.com", "agent1@example.com", "agent2@example.com",
                                "agent3@example.com", "agent4@example.com"));
  v1::ListAgentsRequest other;
  other.set_page_token(first_token);
  other.set_filter("availability = AWAY");
  v1::ListAgentsResponse page;
  grpc::Status status = Call(&Stub::ListAgents, Admin(), other, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("page_token"));
  // Another tenant's token is refused too.
  page.Clear();
  request.set_page_token(first_token);
  status = Call(&Stub::ListAgents, TestToken("globex", {"admin"}), request, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Another tenant's agents and groups are NOT_FOUND for every call, and
// nothing changes.
TEST_F(AgentServiceTest, OtherTenantsIdsAreNotFound) {
  const v1::Group billing = CreateGroup("Billing");
  const v1::Agent ada = CreateAgent("ada@example.com", {billing.name()});
  const std::string before = Snapshot();
  const std::string globex = TestToken("globex", {"admin"});
  v1::Agent agent;
  v1::Group group;
  google::protobuf::Empty empty;
  v1::GetAgentRequest get;
  get.set_name(ada.name());
  EXPECT_EQ(Call(&Stub::GetAgent, globex, get, &agent).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::UpdateAgentRequest update;
  update.mutable_agent()->set_name(ada.name());
  update.mutable_agent()->set_capacity(1);
  update.mutable_update_mask()->add_paths("capacity");
  EXPECT_EQ(Call(&Stub::UpdateAgent, globex, update, &agent).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DeleteAgentRequest delete_agent;
  delete_agent.set_name(ada.name());
  EXPECT_EQ(Call(&Stub::DeleteAgent, globex, delete_agent, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::GetGroupRequest get_group;
  get_group.set_name(billing.name());
  EXPECT_EQ(Call(&Stub::GetGroup, globex, get_group, &group).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::UpdateGroupRequest update_group;
  update_group.mutable_group()->set_name(billing.name());
  update_group.mutable_group()->set_description("x");
  update_group.mutable_update_mask()->add_paths("description");
  EXPECT_EQ(Call(&Stub::UpdateGroup, globex, update_group, &group).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DeleteGroupRequest delete_group;
  delete_group.set_name(billing.name());
  delete_group.set_force(true);
  EXPECT_EQ(Call(&Stub::DeleteGroup, globex, delete_group, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListAgentsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListAgents, globex, v1::ListAgentsRequest{}, &listed).ok());
  EXPECT_EQ(listed.agents_size(), 0);
  EXPECT_EQ(Snapshot(), before);
}

// Admins write; an agent may only set their own availability; readers
// cannot write at all.
TEST_F(AgentServiceTest, RolesDecideWhoWrites) {
  const v1::Agent ada = CreateAgent("ada@example.com", {}, "user-ada");
  const v1::Agent bob = CreateAgent("bob@example.com", {}, "user-bob");
  v1::CreateAgentRequest create;
  create.mutable_agent()->set_display_name("Eve");
  create.mutable_agent()->set_email("eve@example.com");
  v1::Agent agent;
  v1::Group group;
  EXPECT_EQ(Call(&Stub::CreateAgent, TestToken("acme", {"agent"}), create, &agent).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::CreateGroupRequest create_group;
  create_group.mutable_group()->set_display_name("Ops");
  EXPECT_EQ(
      Call(&Stub::CreateGroup, TestToken("acme", {"viewer"}), create_group, &group).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  v1::UpdateAgentRequest away;
  away.mutable_agent()->set_name(ada.name());
  away.mutable_agent()->set_availability(v1::Agent::AWAY);
  away.mutable_update_mask()->add_paths("availability");
  const std::string ada_token = TestToken("acme", {"agent"});  // subject is not user-ada
  EXPECT_EQ(Call(&Stub::UpdateAgent, ada_token, away, &agent).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A token whose subject is Ada's user.
  ASSERT_OK_AND_ASSIGN(auto signer, TokenSigner::Create(testing::TestJwtSettings()));
  ASSERT_OK_AND_ASSIGN(std::string own,
                       signer->Sign({"acme", "user-ada", {"agent"}}, absl::Hours(1), absl::Now()));
  ASSERT_TRUE(Call(&Stub::UpdateAgent, own, away, &agent).ok());
  EXPECT_EQ(agent.availability(), v1::Agent::AWAY);
  // ... but not Bob's, and not her own capacity.
  v1::UpdateAgentRequest bob_away = away;
  bob_away.mutable_agent()->set_name(bob.name());
  EXPECT_EQ(Call(&Stub::UpdateAgent, own, bob_away, &agent).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::UpdateAgentRequest capacity = away;
  capacity.mutable_update_mask()->add_paths("capacity");
  EXPECT_EQ(Call(&Stub::UpdateAgent, own, capacity, &agent).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetAgentRequest get;
  get.set_name(bob.name());
  ASSERT_TRUE(Call(&Stub::GetAgent, Admin(), get, &agent).ok());
  EXPECT_EQ(agent.availability(), v1::Agent::AVAILABLE);
}

// Duplicates are ALREADY_EXISTS; a stale etag is ABORTED; request ids
// make creates idempotent.
TEST_F(AgentServiceTest, ConflictsEtagsAndRetries) {
  const v1::Group billing = CreateGroup("Billing");
  const v1::Agent ada = CreateAgent("ada@example.com");
  v1::CreateAgentRequest dup;
  dup.mutable_agent()->set_display_name("Ada again");
  dup.mutable_agent()->set_email("Ada@Example.com");
  v1::Agent agent;
  grpc::Status status = Call(&Stub::CreateAgent, Admin(), dup, &agent);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("Ada@Example.com"));
  EXPECT_THAT(status.error_message(), ::testing::Not(::testing::HasSubstr("Duplicate entry")));
  v1::CreateGroupRequest dup_group;
  dup_group.mutable_group()->set_display_name("BILLING");
  v1::Group group;
  EXPECT_EQ(Call(&Stub::CreateGroup, Admin(), dup_group, &group).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  v1::UpdateAgentRequest stale;
  stale.mutable_agent()->set_name(ada.name());
  stale.mutable_agent()->set_etag("0123456789abcdef0123");
  stale.mutable_agent()->set_availability(v1::Agent::OFFLINE);
  stale.mutable_update_mask()->add_paths("availability");
  EXPECT_EQ(Call(&Stub::UpdateAgent, Admin(), stale, &agent).error_code(),
            grpc::StatusCode::ABORTED);
  google::protobuf::Empty empty;
  v1::DeleteGroupRequest delete_group;
  delete_group.set_name(billing.name());
  delete_group.set_etag("0123456789abcdef0123");
  EXPECT_EQ(Call(&Stub::DeleteGroup, Admin(), delete_group, &empty).error_code(),
            grpc::StatusCode::ABORTED);

  v1::CreateAgentRequest once;
  once.mutable_agent()->set_display_name("Bob");
  once.mutable_agent()->set_email("bob@example.com");
  once.set_request_id("7d0c2f7e-0c1a-4f7e-9a0b-1c2d3e4f5a6b");
  v1::Agent first, second;
  ASSERT_TRUE(Call(&Stub::CreateAgent, Admin(), once, &first).ok());
  ASSERT_TRUE(Call(&Stub::CreateAgent, Admin(), once, &second).ok());
  EXPECT_EQ(first.name(), second.name());
  once.mutable_agent()->set_email("robert@example.com");
  status = Call(&Stub::CreateAgent, Admin(), once, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("request_id"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), 2);
}

// An agent's load shows the unsolved tickets assigned to them, and an
// agent with tickets cannot be deleted through the API either.
TEST_F(AgentServiceTest, LoadIsShownAndAssignedAgentsAreKept) {
  const v1::Agent ada = CreateAgent("ada@example.com");
  ASSERT_OK(InsertTicket(database_.pool(), "acme", ResourceIdOf(ada.name()), v1::Ticket::OPEN));
  ASSERT_OK(InsertTicket(database_.pool(), "acme", ResourceIdOf(ada.name()), v1::Ticket::SOLVED));
  v1::GetAgentRequest get;
  get.set_name(ada.name());
  v1::Agent agent;
  ASSERT_TRUE(Call(&Stub::GetAgent, Admin(), get, &agent).ok());
  EXPECT_EQ(agent.load(), 1);
  v1::DeleteAgentRequest remove;
  remove.set_name(ada.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(Call(&Stub::DeleteAgent, Admin(), remove, &empty).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::UpdateAgentRequest deactivate;
  deactivate.mutable_agent()->set_name(ada.name());
  deactivate.mutable_agent()->set_deactivated(true);
  deactivate.mutable_update_mask()->add_paths("deactivated");
  ASSERT_TRUE(Call(&Stub::UpdateAgent, Admin(), deactivate, &agent).ok());
  EXPECT_TRUE(agent.deactivated());
  v1::ListAgentsRequest active;
  active.set_filter("deactivated = false");
  v1::ListAgentsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListAgents, Admin(), active, &listed).ok());
  EXPECT_EQ(listed.agents_size(), 0);
}

}  // namespace
}  // namespace tandem::support
