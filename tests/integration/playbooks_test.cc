// Playbooks against a real MariaDB: RunPlaybooks inside a review's
// transaction (one risk CTA however many events arrive, outreach for tech
// touch, enrolments for low touch, each occurrence once), and the
// PlaybookService through its generated stub (idempotent creates, etags,
// snooze and close, other tenants, bad input that writes nothing).
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "services/success/mysql_playbook_store.h"
#include "tandem/success/v1/playbook.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem {
namespace {

using ::tandem::testing::TestToken;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::SizeIs;
namespace v1 = ::tandem::success::v1;
using Stub = v1::PlaybookService::Stub;

constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
constexpr absl::Duration kDay = absl::Hours(24);

class PlaybooksTest : public ::testing::Test {
 protected:
  PlaybooksTest()
      : stub_(v1::PlaybookService::NewStub(
            grpc::CreateChannel(absl::StrCat("127.0.0.1:", success_.runner.grpc_port()),
                                grpc::InsecureChannelCredentials()))) {}

  mysql::Pool& pool() { return success_.database.pool(); }

  // Stores an account directly (its own RPCs belong to another part).
  std::string NewAccount(const std::string& tenant, v1::TouchTier tier,
                         const std::string& owner = "csm-1") {
    const std::string id = NewId();
    auto db = pool().Acquire(absl::Now() + absl::Seconds(5));
    EXPECT_OK(db.status());
    EXPECT_OK(
        (*db)
            ->Execute("INSERT INTO accounts (tenant_id, id, display_name, owner, plan, "
                      "currency_code, touch_tier, lifecycle_stage, mrr_minor, version, "
                      "create_time, update_time) VALUES (?, ?, ?, ?, 'pro', 'USD', ?, ?, "
                      "50000, 1, ?, ?)",
                      {tenant, id, absl::StrCat("Account ", id.substr(20)), owner, int64_t{tier},
                       int64_t{v1::Account::ADOPTION}, absl::Now(), absl::Now()})
            .status());
    return id;
  }

  void NewContact(const std::string& tenant, const std::string& account_id,
                  const std::string& email, const std::string& roles) {
    auto db = pool().Acquire(absl::Now() + absl::Seconds(5));
    EXPECT_OK(db.status());
    EXPECT_OK(
        (*db)
            ->Execute("INSERT INTO contacts (tenant_id, id, account_id, display_name, "
                      "email, roles, create_time, update_time) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      {tenant, NewId(), account_id, email, email, roles, absl::Now(), absl::Now()})
            .status());
  }

  // What the review of a GREEN account with healthy usage reads.
  success::AccountSignals Signals(const std::string& tenant, const std::string& account_id,
                                  v1::TouchTier tier) {
    success::AccountSignals signals;
    signals.as_of = absl::Now();
    signals.account.tenant = tenant;
    signals.account.account_id = account_id;
    signals.account.display_name = "Acme";
    signals.account.owner = "csm-1";
    signals.account.plan = "pro";
    signals.account.tier = tier;
    signals.account.stage = v1::Account::ADOPTION;
    signals.account.mrr_minor = 50000;
    signals.account.seats_licensed = 10;
    signals.usage.active_seat_ratio = 0.5;
    return signals;
  }

  static success::HealthChange Health(v1::HealthBand before, v1::HealthBand after) {
    success::HealthChange health;
    health.previous_band = before;
    health.previous_score = before == v1::GREEN ? 90 : 50;
    health.band = after;
    health.score = after == v1::GREEN ? 90 : 50;
    return health;
  }

  void Run(const success::AccountSignals& signals, const success::HealthChange& health) {
    EXPECT_OK(mysql::RunInTransaction(
        pool(), absl::Now() + absl::Seconds(10), [&](mysql::Transaction& tx) {
          return success::RunPlaybooks(tx, success_.outbox, signals, health);
        }));
  }

  int64_t Count(const std::string& sql, const std::vector<mysql::Value>& params = {}) {
    return testing::CountRows(pool(), sql, params);
  }

  int64_t Events(const std::string& type) { return testing::CountEvents(pool(), type); }

  // Every row of the part's tables, plus versions: a refused call must not
  // change the sum.
  int64_t WrittenRows() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM playbooks) + (SELECT COALESCE(SUM(version), 0) FROM "
        "playbooks) + (SELECT COUNT(*) FROM playbook_tenants) + (SELECT COUNT(*) FROM ctas) + "
        "(SELECT COALESCE(SUM(version), 0) FROM ctas) + (SELECT COUNT(*) FROM enrolments) + "
        "(SELECT COUNT(*) FROM outreach_messages) + (SELECT COUNT(*) FROM outbox) + "
        "(SELECT COUNT(*) FROM idempotency_keys)");
  }

  std::vector<v1::Cta> Ctas(const std::string& tenant, const std::string& filter) {
    v1::ListCtasRequest request;
    request.set_filter(filter);
    v1::ListCtasResponse response;
    EXPECT_TRUE(
        Call(&Stub::ListCtas, TestToken(tenant, {"csm"}, absl::Hours(1)), request, &response).ok());
    return {response.ctas().begin(), response.ctas().end()};
  }

  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<Stub, Request, Response> method, const std::string& token,
                    const Request& request, Response* response) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  template <typename Request, typename Response>
  void ExpectRefused(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                     grpc::StatusCode code, const std::string& field) {
    testing::ExpectRefused(*stub_, method, request, code, field, TestToken("acme", {"csm"}));
  }

  v1::Cta OpenCta(const std::string& tenant, const std::string& account_id, v1::Cta::Type type,
                  const std::string& request_id = "") {
    v1::CreateCtaRequest request;
    request.mutable_cta()->set_account(absl::StrCat("accounts/", account_id));
    request.mutable_cta()->set_type(type);
    request.mutable_cta()->set_title("Plan the QBR");
    request.set_request_id(request_id);
    v1::Cta cta;
    const grpc::Status status = Call(&Stub::CreateCta, TestToken(tenant, {"csm"}), request, &cta);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return cta;
  }

  testing::SuccessServer success_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(PlaybooksTest, ComplaintBreachAndBandDropOpenExactlyOneRiskCtaForTheOwner) {
  const std::string account = NewAccount("acme", v1::HIGH_TOUCH);
  success::AccountSignals signals = Signals("acme", account, v1::HIGH_TOUCH);
  signals.support.complaints_30d = 1;
  signals.support.last_complaint_time = absl::Now() - absl::Minutes(5);
  signals.support.last_complaint_ticket = "tickets/01JTICKET0000000000000001";
  Run(signals, Health(v1::GREEN, v1::GREEN));  // the complaint first
  signals.support.last_sla_breach_time = absl::Now() - absl::Minutes(1);
  signals.support.last_sla_breach_ticket = "tickets/01JTICKET0000000000000001";
  Run(signals, Health(v1::GREEN, v1::YELLOW));   // then the breach, and health falls
  Run(signals, Health(v1::YELLOW, v1::YELLOW));  // and the same again: a replayed review

  const std::vector<v1::Cta> risk = Ctas("acme", "type = RISK");
  ASSERT_THAT(risk, SizeIs(1));
  EXPECT_EQ(risk[0].owner(), "csm-1");
  EXPECT_EQ(risk[0].status(), v1::Cta::OPEN);
  EXPECT_EQ(risk[0].priority(), v1::Cta::URGENT);  // raised by the SLA breach playbook
  ASSERT_THAT(risk[0].reasons(), SizeIs(3));
  EXPECT_EQ(risk[0].reasons(0).occurrence(), "support:tickets/01JTICKET0000000000000001");
  EXPECT_EQ(Events("CtaOpened"), 1);
  EXPECT_EQ(Events("CtaUpdated"), 2);
  EXPECT_EQ(Ctas("acme", "owner = mine AND status = OPEN").size(), 0u);  // caller is not csm-1
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outreach_messages"), 0);
}

TEST_F(PlaybooksTest, ConcurrentReviewsOfOneAccountStillOpenOneRiskCta) {
  const std::string account = NewAccount("acme", v1::HIGH_TOUCH);
  constexpr int kReviews = 6;
  std::vector<std::thread> threads;
  for (int i = 0; i < kReviews; ++i) {
    threads.emplace_back([&, i] {
      success::AccountSignals signals = Signals("acme", account, v1::HIGH_TOUCH);
      signals.support.last_complaint_time = absl::Now() - absl::Minutes(1);
      signals.support.last_complaint_ticket = absl::StrCat("tickets/T", i);
      Run(signals, Health(v1::GREEN, v1::GREEN));
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<v1::Cta> risk = Ctas("acme", "type = RISK AND status = OPEN");
  ASSERT_THAT(risk, SizeIs(1));
  EXPECT_THAT(risk[0].reasons(), SizeIs(kReviews));
  EXPECT_EQ(Events("CtaOpened"), 1);
}

TEST_F(PlaybooksTest, TechTouchAccountGetsAnOutreachMessageInsteadOfACta) {
  const std::string account = NewAccount("acme", v1::TECH_TOUCH);
  NewContact("acme", account, "user@acme.test", "USER");
  NewContact("acme", account, "champ@acme.test", "CHAMPION");
  success::AccountSignals signals = Signals("acme", account, v1::TECH_TOUCH);
  signals.support.last_complaint_time = absl::Now() - absl::Minutes(5);
  signals.support.last_complaint_ticket = "tickets/01JTICKET0000000000000002";
  Run(signals, Health(v1::GREEN, v1::YELLOW));
  Run(signals, Health(v1::YELLOW, v1::YELLOW));

  EXPECT_THAT(Ctas("acme", ""), SizeIs(0));
  v1::ListOutreachMessagesRequest request;
  request.set_filter(absl::StrCat("account = accounts/", account));
  v1::ListOutreachMessagesResponse response;
  ASSERT_TRUE(
      Call(&Stub::ListOutreachMessages, TestToken("acme", {"viewer"}), request, &response).ok());
  ASSERT_THAT(response.outreach_messages(), SizeIs(1));
  const v1::OutreachMessage& message = response.outreach_messages(0);
  EXPECT_EQ(message.template_id(), "support-follow-up");
  ASSERT_THAT(message.recipients(), SizeIs(2));
  EXPECT_EQ(message.recipients(0).email(), "champ@acme.test");
  EXPECT_EQ(message.variables().at("ticket"), "tickets/01JTICKET0000000000000002");
  EXPECT_EQ(Events("OutreachRequested"), 1);
}

TEST_F(PlaybooksTest, LowTouchAccountIsEnrolledOncePerProgram) {
  const std::string account = NewAccount("acme", v1::LOW_TOUCH);
  success::AccountSignals signals = Signals("acme", account, v1::LOW_TOUCH);
  signals.support.last_complaint_time = absl::Now() - absl::Minutes(5);
  signals.support.last_complaint_ticket = "tickets/A";
  signals.engagement.latest_nps = 2;
  signals.engagement.latest_nps_time = absl::Now() - absl::Hours(1);
  signals.engagement.latest_nps_response = "npsResponses/N";
  Run(signals, Health(v1::GREEN, v1::GREEN));  // both use "Success office hours"

  v1::ListEnrolmentsRequest request;
  v1::ListEnrolmentsResponse response;
  ASSERT_TRUE(Call(&Stub::ListEnrolments, TestToken("acme", {"csm"}), request, &response).ok());
  ASSERT_THAT(response.enrolments(), SizeIs(1));
  EXPECT_EQ(response.enrolments(0).program(), "Success office hours");
  EXPECT_EQ(Events("AccountEnrolled"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM playbook_firings"), 2);
}

TEST_F(PlaybooksTest, RenewalInNinetyDaysAndFullSeatsOnGreenOpenRenewalAndExpansionCtas) {
  const std::string account = NewAccount("acme", v1::HIGH_TOUCH);
  success::AccountSignals signals = Signals("acme", account, v1::HIGH_TOUCH);
  signals.account.renewal_time = absl::Now() + 90 * kDay;
  signals.usage.active_seat_ratio = 1.0;
  Run(signals, Health(v1::GREEN, v1::GREEN));
  Run(signals, Health(v1::GREEN, v1::GREEN));
  EXPECT_THAT(Ctas("acme", "type = RENEWAL"), SizeIs(1));
  EXPECT_THAT(Ctas("acme", "type = EXPANSION"), SizeIs(1));
  EXPECT_THAT(Ctas("acme", ""), SizeIs(2));
}

TEST_F(PlaybooksTest, TenantGetsTheBuiltInPlaybooksOnceAndOnlyEnabledOnesFire) {
  v1::ListPlaybooksResponse listed;
  ASSERT_TRUE(
      Call(&Stub::ListPlaybooks, TestToken("acme", {"viewer"}), v1::ListPlaybooksRequest(), &listed)
          .ok());
  ASSERT_THAT(listed.playbooks(), SizeIs(8));
  EXPECT_TRUE(listed.playbooks(0).built_in());
  ASSERT_TRUE(
      Call(&Stub::ListPlaybooks, TestToken("acme", {"viewer"}), v1::ListPlaybooksRequest(), &listed)
          .ok());
  EXPECT_THAT(listed.playbooks(), SizeIs(8));

  // Disable the renewal playbook: a renewal then opens nothing.
  v1::ListPlaybooksRequest by_trigger;
  by_trigger.set_filter("trigger = RENEWAL_DUE");
  ASSERT_TRUE(Call(&Stub::ListPlaybooks, TestToken("acme", {"csm"}), by_trigger, &listed).ok());
  ASSERT_THAT(listed.playbooks(), SizeIs(1));
  v1::UpdatePlaybookRequest update;
  *update.mutable_playbook() = listed.playbooks(0);
  update.mutable_playbook()->set_disabled(true);
  update.mutable_update_mask()->add_paths("disabled");
  v1::Playbook disabled;
  ASSERT_TRUE(Call(&Stub::UpdatePlaybook, TestToken("acme", {"csm"}), update, &disabled).ok());
  EXPECT_NE(disabled.etag(), listed.playbooks(0).etag());
  // The old etag is stale now.
  v1::Playbook ignored;
  EXPECT_EQ(Call(&Stub::UpdatePlaybook, TestToken("acme", {"csm"}), update, &ignored).error_code(),
            grpc::StatusCode::ABORTED);

  const std::string account = NewAccount("acme", v1::HIGH_TOUCH);
  success::AccountSignals signals = Signals("acme", account, v1::HIGH_TOUCH);
  signals.account.renewal_time = absl::Now() + 30 * kDay;
  Run(signals, Health(v1::GREEN, v1::GREEN));
  EXPECT_THAT(Ctas("acme", ""), SizeIs(0));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM playbooks"), 8);
}

TEST_F(PlaybooksTest, CreatePlaybookIsIdempotentAndDeleteTakesItAway) {
  v1::CreatePlaybookRequest request;
  request.set_request_id("pb-1");
  v1::Playbook* playbook = request.mutable_playbook();
  playbook->set_display_name("Usage halved");
  playbook->mutable_trigger()->set_type(v1::Playbook::Trigger::USAGE_DROPPED);
  playbook->mutable_trigger()->set_threshold_percent(50);
  playbook->mutable_tech_touch()->set_template_id("we-miss-you");
  v1::Playbook first, second;
  ASSERT_TRUE(Call(&Stub::CreatePlaybook, TestToken("acme", {"csm"}), request, &first).ok());
  ASSERT_TRUE(Call(&Stub::CreatePlaybook, TestToken("acme", {"csm"}), request, &second).ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM playbooks"), 9);  // 8 defaults + 1

  v1::GetPlaybookRequest get;
  get.set_name(first.name());
  v1::Playbook got;
  EXPECT_EQ(Call(&Stub::GetPlaybook, TestToken("globex", {"csm"}), get, &got).error_code(),
            kNotFound);
  v1::DeletePlaybookRequest stale;
  stale.set_name(first.name());
  stale.set_etag("stale");
  google::protobuf::Empty empty;
  EXPECT_EQ(Call(&Stub::DeletePlaybook, TestToken("acme", {"csm"}), stale, &empty).error_code(),
            grpc::StatusCode::ABORTED);
  v1::DeletePlaybookRequest remove;
  remove.set_name(first.name());
  remove.set_etag(first.etag());
  ASSERT_TRUE(Call(&Stub::DeletePlaybook, TestToken("acme", {"csm"}), remove, &empty).ok());
  EXPECT_EQ(Call(&Stub::GetPlaybook, TestToken("acme", {"csm"}), get, &got).error_code(),
            kNotFound);
}

TEST_F(PlaybooksTest, ManualCtaIsIdempotentOnePerTypeAndSnoozesAndCloses) {
  const std::string account = NewAccount("acme", v1::HIGH_TOUCH);
  const v1::Cta cta = OpenCta("acme", account, v1::Cta::LIFECYCLE, "cta-1");
  EXPECT_EQ(cta.owner(), "csm-1");  // the account's owner
  EXPECT_EQ(cta.priority(), v1::Cta::MEDIUM);
  EXPECT_EQ(OpenCta("acme", account, v1::Cta::LIFECYCLE, "cta-1").name(), cta.name());

  v1::CreateCtaRequest again;
  again.mutable_cta()->set_account(cta.account());
  again.mutable_cta()->set_type(v1::Cta::LIFECYCLE);
  again.mutable_cta()->set_title("Another");
  v1::Cta ignored;
  const grpc::Status duplicate =
      Call(&Stub::CreateCta, TestToken("acme", {"csm"}), again, &ignored);
  EXPECT_EQ(duplicate.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(duplicate.error_message(), ::testing::HasSubstr(cta.name()));

  // Snooze it: it leaves the OPEN list.
  v1::UpdateCtaRequest snooze;
  snooze.mutable_cta()->set_name(cta.name());
  snooze.mutable_cta()->set_etag(cta.etag());
  *snooze.mutable_cta()->mutable_snooze_until() = ToProtoTime(absl::Now() + 2 * kDay);
  snooze.mutable_update_mask()->add_paths("snooze_until");
  v1::Cta snoozed;
  ASSERT_TRUE(Call(&Stub::UpdateCta, TestToken("acme", {"csm"}), snooze, &snoozed).ok());
  EXPECT_EQ(snoozed.status(), v1::Cta::SNOOZED);
  EXPECT_THAT(Ctas("acme", "status = OPEN"), SizeIs(0));
  EXPECT_THAT(Ctas("acme", "status = SNOOZED"), SizeIs(1));
  // With the old etag: ABORTED.
  EXPECT_EQ(Call(&Stub::UpdateCta, TestToken("acme", {"csm"}), snooze, &ignored).error_code(),
            grpc::StatusCode::ABORTED);
  // Clearing the snooze wakes it; snooze it again for the close below.
  v1::UpdateCtaRequest wake;
  wake.mutable_cta()->set_name(cta.name());
  wake.mutable_update_mask()->add_paths("snooze_until");
  v1::Cta woken;
  ASSERT_TRUE(Call(&Stub::UpdateCta, TestToken("acme", {"csm"}), wake, &woken).ok());
  EXPECT_EQ(woken.status(), v1::Cta::OPEN);
  EXPECT_FALSE(woken.has_snooze_until());
  snooze.mutable_cta()->clear_etag();
  ASSERT_TRUE(Call(&Stub::UpdateCta, TestToken("acme", {"csm"}), snooze, &snoozed).ok());
  EXPECT_EQ(Events("CtaUpdated"), 3);  // snooze, wake, snooze

  // Another tenant cannot see or close it.
  v1::CloseCtaRequest close;
  close.set_name(cta.name());
  close.set_outcome(v1::Cta::COMPLETED);
  close.set_note("QBR booked");
  EXPECT_EQ(Call(&Stub::CloseCta, TestToken("globex", {"csm"}), close, &ignored).error_code(),
            kNotFound);
  v1::Cta closed;
  ASSERT_TRUE(
      Call(&Stub::CloseCta, TestToken("acme", {"csm"}, absl::Hours(1)), close, &closed).ok());
  EXPECT_EQ(closed.status(), v1::Cta::COMPLETED);
  EXPECT_EQ(closed.close_note(), "QBR booked");
  EXPECT_FALSE(closed.has_snooze_until());
  EXPECT_EQ(Call(&Stub::CloseCta, TestToken("acme", {"csm"}), close, &ignored).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  snooze.mutable_cta()->clear_etag();
  EXPECT_EQ(Call(&Stub::UpdateCta, TestToken("acme", {"csm"}), snooze, &ignored).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Events("CtaOpened"), 1);
  EXPECT_EQ(Events("CtaClosed"), 1);

  // Closed, the type is free again.
  EXPECT_NE(OpenCta("acme", account, v1::Cta::LIFECYCLE).name(), cta.name());
  EXPECT_THAT(Ctas("acme", "status = COMPLETED"), SizeIs(1));
  EXPECT_THAT(Ctas("acme", absl::StrCat("account = accounts/", account)), SizeIs(2));
}

TEST_F(PlaybooksTest, OwnerMineListsTheCallersCtas) {
  OpenCta("acme", NewAccount("acme", v1::HIGH_TOUCH, "alice"), v1::Cta::RISK);
  OpenCta("acme", NewAccount("acme", v1::HIGH_TOUCH, "tester"), v1::Cta::RISK);  // the caller
  const std::vector<v1::Cta> mine = Ctas("acme", "owner = mine AND status = OPEN");
  ASSERT_THAT(mine, SizeIs(1));
  EXPECT_EQ(mine[0].owner(), "tester");
  EXPECT_THAT(Ctas("acme", "owner = alice"), SizeIs(1));
  EXPECT_THAT(Ctas("globex", "owner = mine"), SizeIs(0));
}

TEST_F(PlaybooksTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const std::string account = NewAccount("acme", v1::HIGH_TOUCH);
  const std::string theirs_account = NewAccount("globex", v1::HIGH_TOUCH);
  const v1::Cta mine = OpenCta("acme", account, v1::Cta::RISK);
  const v1::Cta theirs = OpenCta("globex", theirs_account, v1::Cta::RISK);
  v1::ListPlaybooksResponse listed;
  ASSERT_TRUE(
      Call(&Stub::ListPlaybooks, TestToken("acme", {"csm"}), v1::ListPlaybooksRequest(), &listed)
          .ok());
  const v1::Playbook playbook = listed.playbooks(0);
  const std::string huge(70'000, 'x');
  const int64_t before = WrittenRows();

  {  // CreatePlaybook
    v1::CreatePlaybookRequest r;
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook");
    r.mutable_playbook()->set_display_name(huge);
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.display_name");
    r.mutable_playbook()->set_display_name("ok");
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.trigger");
    r.mutable_playbook()->mutable_trigger()->set_type(static_cast<v1::Playbook::Trigger::Type>(42));
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.trigger.type");
    r.mutable_playbook()->mutable_trigger()->set_type(
        v1::Playbook::Trigger::SEAT_UTILIZATION_ABOVE);
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.trigger.threshold_percent");
    r.mutable_playbook()->mutable_trigger()->set_threshold_percent(90);
    r.mutable_playbook()->mutable_trigger()->set_within_days(5);
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.trigger.within_days");
    r.mutable_playbook()->mutable_trigger()->set_within_days(0);
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.high_touch");
    r.mutable_playbook()->mutable_high_touch()->set_type(static_cast<v1::Cta::Type>(9));
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.high_touch.type");
    r.mutable_playbook()->mutable_high_touch()->set_type(v1::Cta::EXPANSION);
    r.mutable_playbook()->mutable_high_touch()->set_due_in_days(-1);
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.high_touch.due_in_days");
    r.mutable_playbook()->mutable_high_touch()->set_due_in_days(3);
    r.mutable_playbook()->mutable_low_touch()->set_program(" ");
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.low_touch.program");
    r.mutable_playbook()->clear_low_touch();
    r.mutable_playbook()->mutable_tech_touch()->set_template_id("no spaces please");
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "playbook.tech_touch.template_id");
    r.mutable_playbook()->clear_tech_touch();
    r.set_request_id(std::string(129, 'a'));
    ExpectRefused(&Stub::CreatePlaybook, r, kInvalid, "request_id");
  }
  {  // GetPlaybook
    v1::GetPlaybookRequest r;
    ExpectRefused(&Stub::GetPlaybook, r, kInvalid, "name");
    r.set_name("playbooks/../x");
    ExpectRefused(&Stub::GetPlaybook, r, kInvalid, "name");
    r.set_name("playbooks/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::GetPlaybook, r, kNotFound, "");
  }
  {  // ListPlaybooks
    v1::ListPlaybooksRequest r;
    r.set_filter("trigger = SOMETIMES");
    ExpectRefused(&Stub::ListPlaybooks, r, kInvalid, "filter");
    r.set_filter("disabled = maybe");
    ExpectRefused(&Stub::ListPlaybooks, r, kInvalid, "filter");
    r.set_filter("colour = red");
    ExpectRefused(&Stub::ListPlaybooks, r, kInvalid, "filter");
    r.clear_filter();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListPlaybooks, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListPlaybooks, r, kInvalid, "page_size");
  }
  {  // UpdatePlaybook
    v1::UpdatePlaybookRequest r;
    ExpectRefused(&Stub::UpdatePlaybook, r, kInvalid, "update_mask");
    *r.mutable_playbook() = playbook;
    r.mutable_update_mask()->add_paths("built_in");
    ExpectRefused(&Stub::UpdatePlaybook, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("display_name");
    r.mutable_playbook()->set_display_name("");
    ExpectRefused(&Stub::UpdatePlaybook, r, kInvalid, "playbook.display_name");
    r.mutable_playbook()->set_display_name("ok");
    r.mutable_playbook()->set_name("nope");
    ExpectRefused(&Stub::UpdatePlaybook, r, kInvalid, "playbook.name");
    *r.mutable_playbook() = playbook;
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("high_touch");
    r.mutable_update_mask()->add_paths("low_touch");
    r.mutable_update_mask()->add_paths("tech_touch");
    r.mutable_playbook()->clear_high_touch();
    r.mutable_playbook()->clear_low_touch();
    r.mutable_playbook()->clear_tech_touch();
    ExpectRefused(&Stub::UpdatePlaybook, r, kInvalid, "playbook.high_touch");
  }
  {  // DeletePlaybook
    v1::DeletePlaybookRequest r;
    ExpectRefused(&Stub::DeletePlaybook, r, kInvalid, "name");
    r.set_name("playbooks/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::DeletePlaybook, r, kNotFound, "");
  }
  {  // CreateCta
    v1::CreateCtaRequest r;
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta");
    r.mutable_cta()->set_title("t");
    r.mutable_cta()->set_type(v1::Cta::RISK);
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.account");
    r.mutable_cta()->set_account(absl::StrCat("accounts/", theirs_account));
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.account");
    r.mutable_cta()->set_account(absl::StrCat("accounts/", account));
    r.mutable_cta()->set_type(v1::Cta::TYPE_UNSPECIFIED);
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.type");
    r.mutable_cta()->set_type(v1::Cta::RENEWAL);
    r.mutable_cta()->set_title(huge);
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.title");
    r.mutable_cta()->set_title("ok");
    r.mutable_cta()->set_priority(static_cast<v1::Cta::Priority>(7));
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.priority");
    r.mutable_cta()->set_priority(v1::Cta::HIGH);
    r.mutable_cta()->mutable_due_time()->set_seconds(-5);
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.due_time");
    r.mutable_cta()->clear_due_time();
    r.mutable_cta()->set_owner("two words");
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "cta.owner");
    r.mutable_cta()->clear_owner();
    r.set_reason(huge);
    ExpectRefused(&Stub::CreateCta, r, kInvalid, "reason");
    r.clear_reason();
    r.mutable_cta()->set_type(v1::Cta::RISK);  // one is open already
    ExpectRefused(&Stub::CreateCta, r, grpc::StatusCode::ALREADY_EXISTS, "");
  }
  {  // GetCta
    v1::GetCtaRequest r;
    ExpectRefused(&Stub::GetCta, r, kInvalid, "name");
    r.set_name(theirs.name());
    ExpectRefused(&Stub::GetCta, r, kNotFound, "");
  }
  {  // ListCtas
    v1::ListCtasRequest r;
    r.set_filter("status != OPEN");
    ExpectRefused(&Stub::ListCtas, r, kInvalid, "filter");
    r.set_filter("type = PANIC");
    ExpectRefused(&Stub::ListCtas, r, kInvalid, "filter");
    r.set_filter("account = nope");
    ExpectRefused(&Stub::ListCtas, r, kInvalid, "filter");
    r.set_filter("due_time < \"soon\"");
    ExpectRefused(&Stub::ListCtas, r, kInvalid, "filter");
    r.set_filter("owner > alice");
    ExpectRefused(&Stub::ListCtas, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("due_time");
    ExpectRefused(&Stub::ListCtas, r, kInvalid, "order_by");
  }
  {  // UpdateCta
    v1::UpdateCtaRequest r;
    ExpectRefused(&Stub::UpdateCta, r, kInvalid, "update_mask");
    *r.mutable_cta() = mine;
    r.mutable_update_mask()->add_paths("status");
    ExpectRefused(&Stub::UpdateCta, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("snooze_until");
    *r.mutable_cta()->mutable_snooze_until() = ToProtoTime(absl::Now() - kDay);
    ExpectRefused(&Stub::UpdateCta, r, kInvalid, "cta.snooze_until");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("priority");
    r.mutable_cta()->set_priority(v1::Cta::PRIORITY_UNSPECIFIED);
    ExpectRefused(&Stub::UpdateCta, r, kInvalid, "cta.priority");
    r.mutable_cta()->set_priority(v1::Cta::LOW);
    r.mutable_cta()->set_etag("stale");
    ExpectRefused(&Stub::UpdateCta, r, grpc::StatusCode::ABORTED, "");
    r.mutable_cta()->set_name(theirs.name());
    r.mutable_cta()->clear_etag();
    ExpectRefused(&Stub::UpdateCta, r, kNotFound, "");
  }
  {  // CloseCta
    v1::CloseCtaRequest r;
    r.set_outcome(v1::Cta::COMPLETED);
    ExpectRefused(&Stub::CloseCta, r, kInvalid, "name");
    r.set_name(mine.name());
    r.set_outcome(v1::Cta::SNOOZED);
    ExpectRefused(&Stub::CloseCta, r, kInvalid, "outcome");
    r.set_outcome(v1::Cta::CANCELLED);
    r.set_note(huge);
    ExpectRefused(&Stub::CloseCta, r, kInvalid, "note");
    r.clear_note();
    r.set_etag("stale");
    ExpectRefused(&Stub::CloseCta, r, grpc::StatusCode::ABORTED, "");
  }
  {  // ListEnrolments
    v1::ListEnrolmentsRequest r;
    r.set_filter("playbook = accounts/1");
    ExpectRefused(&Stub::ListEnrolments, r, kInvalid, "filter");
    r.set_filter("program < x");
    ExpectRefused(&Stub::ListEnrolments, r, kInvalid, "filter");
  }
  {  // ListOutreachMessages
    v1::ListOutreachMessagesRequest r;
    r.set_filter("template = x");
    ExpectRefused(&Stub::ListOutreachMessages, r, kInvalid, "filter");
    r.set_filter("create_time > \"never\"");
    ExpectRefused(&Stub::ListOutreachMessages, r, kInvalid, "filter");
  }
  {  // Roles: a viewer cannot write.
    v1::CloseCtaRequest r;
    r.set_name(mine.name());
    r.set_outcome(v1::Cta::COMPLETED);
    v1::Cta ignored;
    EXPECT_EQ(Call(&Stub::CloseCta, TestToken("acme", {"viewer"}), r, &ignored).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(WrittenRows(), before);
}

TEST_F(PlaybooksTest, ListsPageByToken) {
  for (int i = 0; i < 3; ++i) {
    OpenCta("acme", NewAccount("acme", v1::HIGH_TOUCH), v1::Cta::RISK);
  }
  v1::ListCtasRequest request;
  request.set_page_size(2);
  v1::ListCtasResponse page;
  ASSERT_TRUE(Call(&Stub::ListCtas, TestToken("acme", {"csm"}), request, &page).ok());
  ASSERT_THAT(page.ctas(), SizeIs(2));
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  v1::ListCtasResponse next;
  ASSERT_TRUE(Call(&Stub::ListCtas, TestToken("acme", {"csm"}), request, &next).ok());
  ASSERT_THAT(next.ctas(), SizeIs(1));
  EXPECT_TRUE(next.next_page_token().empty());
  EXPECT_NE(next.ctas(0).name(), page.ctas(0).name());
}

}  // namespace
}  // namespace tandem
