// `tandemctl success ...` against the generated mock stubs: what each
// command asks the Success server, what it prints, and its exit code on a
// good run, a bad command line and a refused call. Also the pure helpers
// of tools/tandemctl/success_format.h.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "tandem/success/v1/health_mock.grpc.pb.h"
#include "tandem/success/v1/lifecycle_mock.grpc.pb.h"
#include "tandem/success/v1/playbook_mock.grpc.pb.h"
#include "tandem/success/v1/revenue_mock.grpc.pb.h"
#include "tandem/success/v1/success_service_mock.grpc.pb.h"
#include "tandem/success/v1/usage_mock.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/tokens.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/dispatch.h"
#include "tools/tandemctl/success_format.h"

namespace tandem::ctl {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Not;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::SetArgPointee;
namespace v1 = success::v1;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 20, 9, 0, 0), absl::UTCTimeZone());

// Hands out the fixture's mock stubs; the other services are unreachable.
class MockClients final : public Clients {
 public:
  struct Stubs {
    NiceMock<v1::MockSuccessServiceStub> success;
    NiceMock<v1::MockRevenueServiceStub> revenue;
    NiceMock<v1::MockUsageServiceStub> usage;
    NiceMock<v1::MockHealthServiceStub> health;
    NiceMock<v1::MockLifecycleServiceStub> lifecycle;
    NiceMock<v1::MockPlaybookServiceStub> playbooks;
  };
  explicit MockClients(Stubs* stubs) : stubs_(stubs) {}

  absl::StatusOr<support::v1::SupportService::StubInterface*> Support() override {
    return Unused();
  }
  absl::StatusOr<support::v1::AgentService::StubInterface*> Agents() override { return Unused(); }
  absl::StatusOr<support::v1::SlaService::StubInterface*> Sla() override { return Unused(); }
  absl::StatusOr<support::v1::KnowledgeBaseService::StubInterface*> KnowledgeBase() override {
    return Unused();
  }
  absl::StatusOr<v1::SuccessService::StubInterface*> Success() override { return &stubs_->success; }
  absl::StatusOr<v1::RevenueService::StubInterface*> Revenue() override { return &stubs_->revenue; }
  absl::StatusOr<v1::UsageService::StubInterface*> Usage() override { return &stubs_->usage; }
  absl::StatusOr<v1::HealthService::StubInterface*> AccountHealth() override {
    return &stubs_->health;
  }
  absl::StatusOr<v1::EngagementService::StubInterface*> Engagement() override { return Unused(); }
  absl::StatusOr<v1::LifecycleService::StubInterface*> Lifecycle() override {
    return &stubs_->lifecycle;
  }
  absl::StatusOr<v1::PlaybookService::StubInterface*> Playbooks() override {
    return &stubs_->playbooks;
  }
  absl::StatusOr<metrics::v1::MetricsService::StubInterface*> Metrics() override {
    return Unused();
  }
  absl::StatusOr<common::v1::EventFeed::StubInterface*> EventFeed(Service) override {
    return Unused();
  }
  absl::StatusOr<grpc::health::v1::Health::StubInterface*> Health(Service) override {
    return Unused();
  }
  std::string Address(Service) const override { return "mock"; }

 private:
  static absl::Status Unused() { return absl::UnavailableError("not in this test"); }
  Stubs* stubs_;
};

grpc::Status Refused(grpc::StatusCode code, const std::string& message) {
  return grpc::Status(code, message);
}

// Runs tandemctl commands against the mocks at a fixed time.
class TandemctlSuccessTest : public ::testing::Test {
 protected:
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    const Runtime runtime{
        .open_clients = [this](const Endpoints&) { return std::make_unique<MockClients>(&stubs_); },
        .clock = &clock_,
        .out = &out_,
        .err = &err_};
    return Dispatch(AllCommands(), args, runtime);
  }
  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

  MockClients::Stubs stubs_;
  FakeClock clock_{kNow};
  std::ostringstream out_;
  std::ostringstream err_;
};

v1::Account AcmeAccount() {
  v1::Account account;
  account.set_name("accounts/A1");
  account.set_display_name("Acme Corp");
  account.set_touch_tier(v1::HIGH_TOUCH);
  account.set_lifecycle_stage(v1::Account::ADOPTION);
  account.set_currency_code("USD");
  account.set_mrr_minor(120000);
  account.set_arr_minor(1440000);
  account.set_health_score(35);
  account.set_health_band(v1::RED);
  account.set_health_trend(v1::DECLINING);
  account.set_owner("tester");
  *account.mutable_renewal_time() = ToProtoTime(kNow + absl::Hours(24 * 11));
  return account;
}

// --- success book ----------------------------------------------------------

// The book asks for the filters given, largest MRR first, and prints money
// in major units with the currency.
TEST_F(TandemctlSuccessTest, BookFiltersMyAccountsAndPrintsMoneyAndHealth) {
  v1::ListAccountsRequest asked;
  v1::ListAccountsResponse page;
  *page.add_accounts() = AcmeAccount();
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(page), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "book", "--mine", "--tier", "high_touch", "--band", "RED",
                 "--renewal-within", "30", "--token", testing::TestToken("t1", {"csm"})}),
            kExitOk)
      << err();
  EXPECT_EQ(asked.filter(), "owner = \"tester\" AND touch_tier = HIGH_TOUCH AND health_band = RED");
  EXPECT_EQ(asked.renewal_within_days(), 30);
  EXPECT_EQ(asked.order_by(), "renewal_time");  // renewing soon: soonest first
  EXPECT_THAT(out(), AllOf(HasSubstr("Acme Corp"), HasSubstr("1,200.00 USD"),
                           HasSubstr("14,400.00 USD"), HasSubstr("35 RED DECLINING"),
                           HasSubstr("2026-12-01"), HasSubstr("1 account, ARR 14,400.00 USD")));
}

// --owner, --stage, --plan and the user's own --filter are ANDed; an
// explicit --order-by wins.
TEST_F(TandemctlSuccessTest, BookCombinesOwnerStagePlanAndUserFilter) {
  v1::ListAccountsRequest asked;
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _))
      .WillRepeatedly(DoAll(SaveArg<1>(&asked), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "book", "--owner", "bob \"b\"", "--stage", "renewal", "--plan", "pro",
                 "--filter", "external_id = X9", "--order-by", "renewal_time"}),
            kExitOk)
      << err();
  EXPECT_EQ(asked.filter(),
            "owner = \"bob \\\"b\\\"\" AND lifecycle_stage = RENEWAL AND plan = \"pro\" AND "
            "external_id = X9");
  EXPECT_EQ(asked.order_by(), "renewal_time");
  EXPECT_EQ(asked.renewal_within_days(), 0);
  ASSERT_EQ(Run({"success", "book"}), kExitOk) << err();
  EXPECT_EQ(asked.filter(), "");
  EXPECT_EQ(asked.order_by(), "mrr_minor desc");  // the largest accounts first
  EXPECT_THAT(out(), HasSubstr("0 accounts"));
}

// A bad command line never calls the server and exits 2.
TEST_F(TandemctlSuccessTest, BookRefusesBadFlagsWithUsageExit) {
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _)).Times(0);
  EXPECT_EQ(Run({"success", "book", "--renewal-within", "-1"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("--renewal-within"));
  EXPECT_EQ(Run({"success", "book", "--tier", "gold"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("HIGH_TOUCH"));
  EXPECT_EQ(Run({"success", "book", "--mine"}), kExitUsage);  // no token to read
  EXPECT_THAT(err(), HasSubstr("--owner"));
  EXPECT_EQ(Run({"success", "book", "--mine", "--owner", "bob", "--token",
                 testing::TestToken("t1", {"csm"})}),
            kExitUsage);
}

// A refused call is reported with its code and exits 1.
TEST_F(TandemctlSuccessTest, BookReportsRefusedCall) {
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::INVALID_ARGUMENT, "filter: unknown field")));
  EXPECT_EQ(Run({"success", "book", "--filter", "colour = red"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("INVALID_ARGUMENT"));
}

// --json prints the response for scripts, without the table.
TEST_F(TandemctlSuccessTest, BookPrintsJsonForScripts) {
  v1::ListAccountsResponse page;
  *page.add_accounts() = AcmeAccount();
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(page), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"--json", "success", "book"}), kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("\"mrrMinor\":\"120000\""), Not(HasSubstr("DISPLAY NAME"))));
}

// --- success health --------------------------------------------------------

v1::AccountHealth ScoredHealth() {
  v1::AccountHealth health;
  health.set_name("accounts/A1/health");
  health.set_account("accounts/A1");
  health.set_score(62);
  health.set_band(v1::YELLOW);
  health.set_trend(v1::DECLINING);
  health.set_cause("support:SlaBreached");
  *health.mutable_compute_time() = ToProtoTime(kNow - absl::Hours(1));
  v1::MeasureScore* adoption = health.add_breakdown();
  adoption->set_measure(v1::MeasureScore::ADOPTION);
  adoption->set_known(true);
  adoption->set_weight(30);
  adoption->set_score(100);
  adoption->set_max_points(50);
  adoption->set_points(50);
  adoption->set_explanation("4 of 4 key features used in 30 days");
  v1::MeasureScore* support = health.add_breakdown();
  support->set_measure(v1::MeasureScore::SUPPORT);
  support->set_known(true);
  support->set_weight(30);
  support->set_score(24);
  support->set_max_points(50);
  support->set_points(12);
  support->set_points_lost(38);
  support->set_explanation("1 complaint and 1 SLA breach in the last 30 days");
  v1::MeasureScore* nps = health.add_breakdown();
  nps->set_measure(v1::MeasureScore::NPS);
  nps->set_weight(10);
  return health;
}

// The health view names the score, band and trend and explains it measure
// by measure, with the largest loss called out.
TEST_F(TandemctlSuccessTest, HealthPrintsBreakdownAndLargestLoss) {
  v1::GetAccountHealthRequest asked;
  EXPECT_CALL(stubs_.health, GetAccountHealth(_, _, _))
      .WillOnce(
          DoAll(SaveArg<1>(&asked), SetArgPointee<2>(ScoredHealth()), Return(grpc::Status::OK)));
  EXPECT_CALL(stubs_.success, GetAccount(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(AcmeAccount()), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "health", "A1"}), kExitOk) << err();
  EXPECT_EQ(asked.name(), "accounts/A1/health");
  EXPECT_THAT(out(), HasSubstr("account:   Acme Corp (accounts/A1)"));
  EXPECT_THAT(out(), AllOf(HasSubstr("62 YELLOW DECLINING"), HasSubstr("support:SlaBreached"),
                           HasSubstr("SUPPORT"), HasSubstr("12/50"),
                           HasSubstr("1 complaint and 1 SLA breach"), HasSubstr("no data"),
                           HasSubstr("gives its weight to the others"),
                           HasSubstr("largest loss: SUPPORT, 38 points")));
}

// An account not scored yet says so instead of printing an empty table.
TEST_F(TandemctlSuccessTest, HealthOfUnscoredAccountSaysSo) {
  v1::AccountHealth unscored;
  unscored.set_account("accounts/A1");
  EXPECT_CALL(stubs_.health, GetAccountHealth(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(unscored), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "health", "accounts/A1"}), kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("not scored yet"), Not(HasSubstr("MEASURE"))));
}

// --since asks what changed since that time and prints each measure's part.
TEST_F(TandemctlSuccessTest, HealthSinceComparesWithThen) {
  v1::HealthComparison comparison;
  comparison.set_account("accounts/A1");
  *comparison.mutable_since_time() = ToProtoTime(kNow - absl::Hours(24 * 7));
  comparison.mutable_then()->set_score(92);
  comparison.mutable_then()->set_band(v1::GREEN);
  *comparison.mutable_now() = ScoredHealth();
  comparison.set_score_change(-30);
  comparison.set_band_changed(true);
  v1::MeasureChange* change = comparison.add_changes();
  change->set_measure(v1::MeasureScore::SUPPORT);
  change->set_score_then(100);
  change->set_score_now(24);
  change->set_impact(-30);
  change->set_explanation_then("no complaints, escalations or SLA breaches");
  change->set_explanation_now("1 complaint and 1 SLA breach in the last 30 days");
  v1::CompareAccountHealthRequest asked;
  EXPECT_CALL(stubs_.health, CompareAccountHealth(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(comparison), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "health", "A1", "--since", "7d"}), kExitOk) << err();
  EXPECT_EQ(asked.account(), "accounts/A1");
  EXPECT_EQ(FromProtoTime(asked.since_time()), kNow - absl::Hours(24 * 7));
  EXPECT_THAT(out(), AllOf(HasSubstr("92 GREEN"), HasSubstr("-30 points, band changed"),
                           HasSubstr("IMPACT"), HasSubstr("-> 1 complaint"),
                           HasSubstr("largest loss: SUPPORT")));
}

// Bad input to `success health`: no account, a bad --since, a refused call.
TEST_F(TandemctlSuccessTest, HealthRefusesBadInput) {
  EXPECT_EQ(Run({"success", "health"}), kExitUsage);
  EXPECT_EQ(Run({"success", "health", "tickets/T1"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("accounts/ID"));
  EXPECT_EQ(Run({"success", "health", "A1", "--since", "last week"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("--since"));
  EXPECT_CALL(stubs_.health, GetAccountHealth(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::NOT_FOUND, "accounts/A9 not found")));
  EXPECT_EQ(Run({"success", "health", "A9"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("NOT_FOUND"));
}

// --- success ctas / cta ----------------------------------------------------

v1::Cta RiskCta(const std::string& id, absl::Duration due_in) {
  v1::Cta cta;
  cta.set_name("ctas/" + id);
  cta.set_account("accounts/A1");
  cta.set_type(v1::Cta::RISK);
  cta.set_priority(v1::Cta::HIGH);
  cta.set_status(v1::Cta::OPEN);
  cta.set_owner("tester");
  *cta.mutable_due_time() = ToProtoTime(kNow + due_in);
  cta.add_reasons()->set_text("COMPLAINT ticket tickets/T1 on the account");
  cta.add_reasons()->set_text("SLA breach on tickets/T1");
  return cta;
}

// By default: my open CTAs, soonest due first, with the account's name.
TEST_F(TandemctlSuccessTest, CtasListsMyOpenCtasSoonestFirst) {
  v1::ListCtasRequest asked;
  v1::ListCtasResponse page;
  *page.add_ctas() = RiskCta("LATER", absl::Hours(24 * 5));
  *page.add_ctas() = RiskCta("SOONER", absl::Hours(24 * 2));
  EXPECT_CALL(stubs_.playbooks, ListCtas(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(page), Return(grpc::Status::OK)));
  EXPECT_CALL(stubs_.success, GetAccount(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(AcmeAccount()), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "ctas"}), kExitOk) << err();
  EXPECT_EQ(asked.filter(), "owner = mine AND status = OPEN");
  EXPECT_THAT(out(), AllOf(HasSubstr("Acme Corp"), HasSubstr("RISK"), HasSubstr("HIGH"),
                           HasSubstr("2026-11-22 (in 2d)"),
                           HasSubstr("COMPLAINT ticket tickets/T1 on the account; SLA breach"),
                           HasSubstr("2 CTAs")));
  EXPECT_LT(out().find("ctas/SOONER"), out().find("ctas/LATER"));
}

// --all-owners, --account, --type and --status narrow the list as asked.
TEST_F(TandemctlSuccessTest, CtasOfEveryOwnerForOneAccountAndType) {
  v1::ListCtasRequest asked;
  EXPECT_CALL(stubs_.playbooks, ListCtas(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "ctas", "--all-owners", "--account", "A1", "--type", "renewal",
                 "--status", "snoozed"}),
            kExitOk)
      << err();
  EXPECT_EQ(asked.filter(), "account = \"accounts/A1\" AND type = RENEWAL AND status = SNOOZED");
}

// Bad input to `success ctas`.
TEST_F(TandemctlSuccessTest, CtasRefusesBadInput) {
  EXPECT_EQ(Run({"success", "ctas", "--all-owners", "--owner", "bob"}), kExitUsage);
  EXPECT_EQ(Run({"success", "ctas", "--account", "tickets/T1"}), kExitUsage);
  EXPECT_EQ(Run({"success", "ctas", "--type", "urgent"}), kExitUsage);
  EXPECT_CALL(stubs_.playbooks, ListCtas(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::PERMISSION_DENIED, "needs csm")));
  EXPECT_EQ(Run({"success", "ctas"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("PERMISSION_DENIED"));
}

// complete and cancel close the CTA with the note.
TEST_F(TandemctlSuccessTest, CtaCompleteAndCancelCloseWithNote) {
  std::vector<v1::CloseCtaRequest> asked;
  EXPECT_CALL(stubs_.playbooks, CloseCta(_, _, _))
      .Times(2)
      .WillRepeatedly([&](grpc::ClientContext*, const v1::CloseCtaRequest& request, v1::Cta* cta) {
        asked.push_back(request);
        cta->set_name(request.name());
        cta->set_status(request.outcome());
        return grpc::Status::OK;
      });
  ASSERT_EQ(Run({"success", "cta", "complete", "C1", "--note", "Called the sponsor"}), kExitOk)
      << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("status:       COMPLETED"), HasSubstr("reasons:      -")));
  ASSERT_EQ(Run({"success", "cta", "cancel", "ctas/C2", "--etag", "e1"}), kExitOk) << err();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].name(), "ctas/C1");
  EXPECT_EQ(asked[0].outcome(), v1::Cta::COMPLETED);
  EXPECT_EQ(asked[0].note(), "Called the sponsor");
  EXPECT_EQ(asked[1].outcome(), v1::Cta::CANCELLED);
  EXPECT_EQ(asked[1].etag(), "e1");
}

// snooze sets snooze_until (a duration counts from now); wake clears it.
TEST_F(TandemctlSuccessTest, CtaSnoozeAndWakeUpdateSnoozeUntil) {
  std::vector<v1::UpdateCtaRequest> asked;
  EXPECT_CALL(stubs_.playbooks, UpdateCta(_, _, _))
      .Times(2)
      .WillRepeatedly([&](grpc::ClientContext*, const v1::UpdateCtaRequest& request, v1::Cta*) {
        asked.push_back(request);
        return grpc::Status::OK;
      });
  ASSERT_EQ(Run({"success", "cta", "snooze", "C1", "--until", "3d"}), kExitOk) << err();
  ASSERT_EQ(Run({"success", "cta", "wake", "C1"}), kExitOk) << err();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].cta().name(), "ctas/C1");
  EXPECT_THAT(asked[0].update_mask().paths(), ::testing::ElementsAre("snooze_until"));
  EXPECT_EQ(FromProtoTime(asked[0].cta().snooze_until()), kNow + absl::Hours(72));
  EXPECT_THAT(asked[1].update_mask().paths(), ::testing::ElementsAre("snooze_until"));
  EXPECT_FALSE(asked[1].cta().has_snooze_until());
}

// open creates a CTA by hand with a due time from now.
TEST_F(TandemctlSuccessTest, CtaOpenCreatesOnAccount) {
  v1::CreateCtaRequest asked;
  EXPECT_CALL(stubs_.playbooks, CreateCta(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(RiskCta("C9", absl::Hours(1))),
                      Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "cta", "open", "A1", "--type", "expansion", "--title", "Seats full",
                 "--due", "2026-12-01T00:00:00Z", "--request-id", "r1"}),
            kExitOk)
      << err();
  EXPECT_EQ(asked.cta().account(), "accounts/A1");
  EXPECT_EQ(asked.cta().type(), v1::Cta::EXPANSION);
  EXPECT_EQ(asked.cta().title(), "Seats full");
  EXPECT_EQ(FormatDate(asked.cta().due_time()), "2026-12-01");
  EXPECT_EQ(asked.request_id(), "r1");
  // Reasons print one per line, not as a message dump.
  EXPECT_THAT(out(), AllOf(HasSubstr("reasons:\n  -  COMPLAINT ticket tickets/T1 on the account\n"),
                           Not(HasSubstr("text:"))));
}

// Bad input to `success cta`: no action, an unknown one, a missing or bad
// --until, a refused close.
TEST_F(TandemctlSuccessTest, CtaRefusesBadInput) {
  EXPECT_EQ(Run({"success", "cta"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("complete"));
  EXPECT_EQ(Run({"success", "cta", "finish", "C1"}), kExitUsage);
  EXPECT_EQ(Run({"success", "cta", "snooze", "C1"}), kExitUsage);
  EXPECT_EQ(Run({"success", "cta", "snooze", "C1", "--until", "soon"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("--until"));
  EXPECT_EQ(Run({"success", "cta", "complete"}), kExitUsage);
  EXPECT_CALL(stubs_.playbooks, CloseCta(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::FAILED_PRECONDITION, "ctas/C1 is closed")));
  EXPECT_EQ(Run({"success", "cta", "complete", "C1"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("FAILED_PRECONDITION"));
  EXPECT_EQ(Run({"success", "cta", "--help"}), kExitOk);
  EXPECT_THAT(out(), AllOf(HasSubstr("snooze"), HasSubstr("wake")));
}

// --- success renewals ------------------------------------------------------

// Renewals due: open ones of every account within the window, soonest first.
TEST_F(TandemctlSuccessTest, RenewalsListsOpenRenewalsDueSoon) {
  v1::ListRenewalsRequest asked;
  v1::ListRenewalsResponse page;
  v1::Renewal* renewal = page.add_renewals();
  renewal->set_name("accounts/A1/renewals/R1");
  *renewal->mutable_due_time() = ToProtoTime(kNow + absl::Hours(24 * 10));
  renewal->set_currency_code("JPY");
  renewal->set_target_amount_minor(1200000);
  renewal->set_forecast_amount_minor(1000000);
  renewal->set_stage(v1::Renewal::IN_DISCUSSION);
  renewal->set_owner("tester");
  EXPECT_CALL(stubs_.lifecycle, ListRenewals(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(page), Return(grpc::Status::OK)));
  EXPECT_CALL(stubs_.success, GetAccount(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(AcmeAccount()), Return(grpc::Status::OK)));
  // Acme's renewal is tracked; Initech renews in the window without one.
  v1::ListAccountsResponse renewing;
  *renewing.add_accounts() = AcmeAccount();
  v1::Account initech = AcmeAccount();
  initech.set_name("accounts/A2");
  initech.set_display_name("Initech");
  *renewing.add_accounts() = initech;
  v1::ListAccountsRequest accounts_asked;
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _))
      .WillOnce(
          DoAll(SaveArg<1>(&accounts_asked), SetArgPointee<2>(renewing), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "renewals", "--within", "30", "--mine", "--token",
                 testing::TestToken("t1", {"csm"})}),
            kExitOk)
      << err();
  EXPECT_EQ(accounts_asked.renewal_within_days(), 30);
  EXPECT_EQ(accounts_asked.filter(), "owner = \"tester\"");
  EXPECT_THAT(out(), AllOf(HasSubstr("1 account renews within the window with no open renewal"),
                           HasSubstr("Initech"), HasSubstr("2026-12-01 (in 11d)")));
  EXPECT_EQ(out().find("accounts/A1  Acme"), std::string::npos);  // tracked, not repeated
  EXPECT_EQ(asked.parent(), "accounts/-");
  EXPECT_EQ(asked.due_within_days(), 30);
  EXPECT_EQ(asked.filter(), "owner = \"tester\"");
  EXPECT_EQ(asked.order_by(), "due_time");
  EXPECT_THAT(out(),
              AllOf(HasSubstr("Acme Corp"), HasSubstr("(in 10d)"), HasSubstr("1,200,000 JPY"),
                    HasSubstr("IN_DISCUSSION"), HasSubstr("1 renewal, forecast 1,000,000 JPY")));
}

// One account's renewals, 90 days by default; --within 0 is every open one.
TEST_F(TandemctlSuccessTest, RenewalsOfOneAccountDefaultTo90Days) {
  v1::ListRenewalsRequest asked;
  EXPECT_CALL(stubs_.lifecycle, ListRenewals(_, _, _))
      .WillRepeatedly(DoAll(SaveArg<1>(&asked), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "renewals", "--within", "0"}), kExitOk) << err();
  EXPECT_EQ(asked.due_within_days(), 3650);
  EXPECT_EQ(asked.filter(), "");
  ASSERT_EQ(Run({"success", "renewals", "--account", "A1", "--stage", "at_risk"}), kExitOk)
      << err();
  EXPECT_EQ(asked.parent(), "accounts/A1");
  EXPECT_EQ(asked.due_within_days(), 90);
  EXPECT_EQ(asked.filter(), "stage = AT_RISK");
  // One account's renewals: no look for untracked renewal dates.
  EXPECT_CALL(stubs_.success, ListAccounts(_, _, _)).Times(0);
  ASSERT_EQ(Run({"success", "renewals", "--account", "A1"}), kExitOk) << err();
}

// Bad input to `success renewals`.
TEST_F(TandemctlSuccessTest, RenewalsRefusesBadInput) {
  EXPECT_EQ(Run({"success", "renewals", "--within", "5000"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("--within"));
  EXPECT_EQ(Run({"success", "renewals", "--account", "x/y"}), kExitUsage);
  EXPECT_CALL(stubs_.lifecycle, ListRenewals(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::UNAVAILABLE, "connection refused")));
  EXPECT_EQ(Run({"success", "renewals"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("UNAVAILABLE"));
}

// --- success mrr record ----------------------------------------------------

// The amount is in major units of the account's currency.
TEST_F(TandemctlSuccessTest, MrrRecordConvertsMajorUnitsOfTheAccountsCurrency) {
  v1::Account yen = AcmeAccount();
  yen.set_currency_code("JPY");
  EXPECT_CALL(stubs_.success, GetAccount(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(AcmeAccount()), Return(grpc::Status::OK)))
      .WillOnce(DoAll(SetArgPointee<2>(yen), Return(grpc::Status::OK)));
  std::vector<v1::RecordMrrMovementRequest> asked;
  EXPECT_CALL(stubs_.revenue, RecordMrrMovement(_, _, _))
      .Times(2)
      .WillRepeatedly(
          [&](grpc::ClientContext*, const v1::RecordMrrMovementRequest& request, v1::MrrMovement*) {
            asked.push_back(request);
            return grpc::Status::OK;
          });
  ASSERT_EQ(Run({"success", "mrr", "record", "A1", "--type", "new", "--amount", "1,200.50",
                 "--effective", "2026-01-01T00:00:00Z", "--request-id", "m1"}),
            kExitOk)
      << err();
  ASSERT_EQ(Run({"success", "mrr", "record", "A1", "--type", "contraction", "--amount", "5000"}),
            kExitOk)
      << err();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].parent(), "accounts/A1");
  EXPECT_EQ(asked[0].mrr_movement().type(), v1::MrrMovement::NEW);
  EXPECT_EQ(asked[0].mrr_movement().mrr_delta_minor(), 120050);
  EXPECT_EQ(FormatDate(asked[0].mrr_movement().effective_time()), "2026-01-01");
  EXPECT_EQ(asked[0].request_id(), "m1");
  EXPECT_EQ(asked[1].mrr_movement().mrr_delta_minor(), -5000);  // JPY: no minor unit
  EXPECT_EQ(FromProtoTime(asked[1].mrr_movement().effective_time()), kNow);
}

// Bad input to `success mrr record`: no type, no amount, too many decimals,
// a missing account.
TEST_F(TandemctlSuccessTest, MrrRecordRefusesBadInput) {
  EXPECT_CALL(stubs_.revenue, RecordMrrMovement(_, _, _)).Times(0);
  EXPECT_EQ(Run({"success", "mrr", "record", "A1", "--amount", "10"}), kExitUsage);
  EXPECT_EQ(Run({"success", "mrr", "record", "A1", "--type", "EXPANSION"}), kExitUsage);
  EXPECT_CALL(stubs_.success, GetAccount(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(AcmeAccount()), Return(grpc::Status::OK)))
      .WillOnce(Return(Refused(grpc::StatusCode::NOT_FOUND, "accounts/A9 not found")));
  EXPECT_EQ(Run({"success", "mrr", "record", "A1", "--type", "EXPANSION", "--amount", "1.005"}),
            kExitUsage);
  EXPECT_THAT(err(), HasSubstr("USD has 2 decimals"));
  EXPECT_EQ(Run({"success", "mrr", "record", "A9", "--type", "EXPANSION", "--amount", "1"}),
            kExitFailure);
  EXPECT_THAT(err(), HasSubstr("NOT_FOUND"));
}

// --- success usage ingest --------------------------------------------------

class TandemctlUsageTest : public TandemctlSuccessTest {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("tandemctl-usage"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

// A JSON array of events goes out in batches; the totals add up.
TEST_F(TandemctlUsageTest, IngestSendsBatchesAndAddsUpTotals) {
  const std::string file = WriteFile("usage.json", R"([
    {"event_id": "e1", "account": "accounts/A1", "feature": "reports", "user": "u1",
     "event_time": "2026-11-19T10:00:00Z"},
    {"event_id": "e2", "account": "accounts/A1", "feature": "reports", "user": "u2",
     "event_time": "2026-11-19T11:00:00Z"},
    {"event_id": "e3", "account": "accounts/A1", "feature": "export", "user": "u1",
     "event_time": "2026-11-19T12:00:00Z"}])");
  std::vector<int> batch_sizes;
  EXPECT_CALL(stubs_.usage, IngestUsageEvents(_, _, _))
      .Times(2)
      .WillRepeatedly([&](grpc::ClientContext*, const v1::IngestUsageEventsRequest& request,
                          v1::IngestUsageEventsResponse* response) {
        batch_sizes.push_back(request.events_size());
        response->set_accepted_count(request.events_size() - 1);
        response->set_duplicate_count(1);
        return grpc::Status::OK;
      });
  ASSERT_EQ(Run({"success", "usage", "ingest", file, "--batch-size", "2"}), kExitOk) << err();
  EXPECT_THAT(batch_sizes, ::testing::ElementsAre(2, 1));
  EXPECT_THAT(out(), AllOf(HasSubstr("accepted_count:  1"), HasSubstr("duplicate_count: 2")));
}

// Bad input to `success usage ingest`: no file, not JSON, no events, a
// refused batch.
TEST_F(TandemctlUsageTest, IngestRefusesBadInput) {
  EXPECT_EQ(Run({"success", "usage", "ingest", dir_ + "/missing.json"}), kExitUsage);
  EXPECT_EQ(Run({"success", "usage", "ingest", WriteFile("bad.json", "{events")}), kExitUsage);
  EXPECT_EQ(Run({"success", "usage", "ingest", WriteFile("empty.json", "[]")}), kExitUsage);
  EXPECT_EQ(Run({"success", "usage", "ingest", WriteFile("one.json", R"({"events": [{}]})"),
                 "--batch-size", "0"}),
            kExitUsage);
  EXPECT_CALL(stubs_.usage, IngestUsageEvents(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::INVALID_ARGUMENT, "events[0].event_id")));
  EXPECT_EQ(Run({"success", "usage", "ingest", WriteFile("one.json", R"({"events": [{}]})")}),
            kExitFailure);
  EXPECT_THAT(err(), AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("events 0 to 0")));
}

// --- accounts update, success key-features ---------------------------------

// Only the flags given go into the mask; durations count from now; an empty
// time clears it.
TEST_F(TandemctlSuccessTest, AccountsUpdateSendsOnlyTheFlagsGiven) {
  std::vector<v1::UpdateAccountRequest> asked;
  EXPECT_CALL(stubs_.success, UpdateAccount(_, _, _))
      .Times(2)
      .WillRepeatedly(
          [&](grpc::ClientContext*, const v1::UpdateAccountRequest& request, v1::Account*) {
            asked.push_back(request);
            return grpc::Status::OK;
          });
  ASSERT_EQ(Run({"accounts", "update", "A1", "--seats", "50", "--renewal", "90d", "--owner", "bob",
                 "--stage", "adoption", "--etag", "e1"}),
            kExitOk)
      << err();
  ASSERT_EQ(Run({"accounts", "update", "accounts/A1", "--renewal", ""}), kExitOk) << err();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_THAT(asked[0].update_mask().paths(),
              ::testing::UnorderedElementsAre("seats_licensed", "renewal_time", "owner",
                                              "lifecycle_stage"));
  EXPECT_EQ(asked[0].account().name(), "accounts/A1");
  EXPECT_EQ(asked[0].account().etag(), "e1");
  EXPECT_EQ(asked[0].account().seats_licensed(), 50);
  EXPECT_EQ(FromProtoTime(asked[0].account().renewal_time()), kNow + absl::Hours(24 * 90));
  EXPECT_FALSE(asked[0].account().has_contract_start_time());
  EXPECT_EQ(asked[0].account().lifecycle_stage(), v1::Account::ADOPTION);
  EXPECT_THAT(asked[1].update_mask().paths(), ::testing::ElementsAre("renewal_time"));
  EXPECT_FALSE(asked[1].account().has_renewal_time());
}

// Bad input to `accounts update`: nothing to change, a bad time or seat
// count, a stale etag.
TEST_F(TandemctlSuccessTest, AccountsUpdateRefusesBadInput) {
  EXPECT_EQ(Run({"accounts", "update", "A1"}), kExitUsage);
  EXPECT_EQ(Run({"accounts", "update", "A1", "--renewal", "next spring"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("--renewal"));
  EXPECT_EQ(Run({"accounts", "update", "A1", "--seats", "-3"}), kExitUsage);
  EXPECT_CALL(stubs_.success, UpdateAccount(_, _, _))
      .WillOnce(Return(Refused(grpc::StatusCode::ABORTED, "the account changed")));
  EXPECT_EQ(Run({"accounts", "update", "A1", "--plan", "pro", "--etag", "old"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("ABORTED"));
}

// Without --set the key features are printed; with it they are replaced.
TEST_F(TandemctlSuccessTest, KeyFeaturesPrintsOrReplaces) {
  v1::KeyFeatures current;
  current.set_name("keyFeatures");
  current.add_features("reports");
  EXPECT_CALL(stubs_.usage, GetKeyFeatures(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(current), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"success", "key-features"}), kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("reports"));
  v1::UpdateKeyFeaturesRequest asked;
  EXPECT_CALL(stubs_.usage, UpdateKeyFeatures(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), Return(grpc::Status::OK)))
      .WillOnce(Return(Refused(grpc::StatusCode::INVALID_ARGUMENT, "key_features.features[0]")));
  ASSERT_EQ(Run({"success", "key-features", "--set", "reports", "--set", "export"}), kExitOk)
      << err();
  EXPECT_EQ(asked.key_features().name(), "keyFeatures");
  EXPECT_THAT(asked.key_features().features(), ::testing::ElementsAre("reports", "export"));
  EXPECT_THAT(asked.update_mask().paths(), ::testing::ElementsAre("features"));
  EXPECT_EQ(Run({"success", "key-features", "--set", "bad feature"}), kExitFailure);
  EXPECT_EQ(Run({"success", "key-features", "extra"}), kExitUsage);
}

// A list flag given only on the command line counts as set (agents update
// --group relies on it too).
TEST(CommandFlagsTest, ListFlagOnTheCommandLineIsSet) {
  CommandFlags flags("x", "A command.");
  flags.AddList("set", "A value.");
  flags.AddList("other", "Another.");
  ASSERT_TRUE(flags.Parse({"--set", "a", "--set=b"}).ok());
  EXPECT_TRUE(flags.IsSet("set"));
  EXPECT_FALSE(flags.IsSet("other"));
  EXPECT_THAT(flags.GetList("set"), ::testing::ElementsAre("a", "b"));
}

// --- success_format.h ------------------------------------------------------

TEST(SuccessFormatTest, FormatMoneyUsesTheCurrencysMinorUnit) {
  EXPECT_EQ(FormatMoney(120000, "USD"), "1,200.00 USD");
  EXPECT_EQ(FormatMoney(5, "EUR"), "0.05 EUR");
  EXPECT_EQ(FormatMoney(-123456789, "USD"), "-1,234,567.89 USD");
  EXPECT_EQ(FormatMoney(1000000, "JPY"), "1,000,000 JPY");
  EXPECT_EQ(FormatMoney(1500, "KWD"), "1.500 KWD");
  EXPECT_EQ(FormatMoney(0, ""), "0.00");
  EXPECT_EQ(FormatMoney(std::numeric_limits<int64_t>::min(), "USD"),
            "-92,233,720,368,547,758.08 USD");
}

TEST(SuccessFormatTest, ParseMoneyReadsMajorUnits) {
  EXPECT_EQ(ParseMoney("1200", "USD").value(), 120000);
  EXPECT_EQ(ParseMoney("1,200.5", "USD").value(), 120050);
  EXPECT_EQ(ParseMoney("-75.25", "USD").value(), -7525);
  EXPECT_EQ(ParseMoney("5000", "JPY").value(), 5000);
  EXPECT_FALSE(ParseMoney("50.5", "JPY").ok());
  EXPECT_FALSE(ParseMoney("1.005", "USD").ok());
  EXPECT_FALSE(ParseMoney("abc", "USD").ok());
  EXPECT_FALSE(ParseMoney("", "USD").ok());
  EXPECT_FALSE(ParseMoney("1.", "USD").ok());
  EXPECT_FALSE(ParseMoney("99999999999999999999", "USD").ok());
}

TEST(SuccessFormatTest, ParseTimeOrOffsetTakesRfc3339OrDurations) {
  EXPECT_EQ(ParseTimeOrOffset("2026-11-01T00:00:00Z", kNow, -1).value(),
            absl::FromCivil(absl::CivilDay(2026, 11, 1), absl::UTCTimeZone()));
  EXPECT_EQ(ParseTimeOrOffset("7d", kNow, -1).value(), kNow - absl::Hours(168));
  EXPECT_EQ(ParseTimeOrOffset("36h", kNow, +1).value(), kNow + absl::Hours(36));
  EXPECT_FALSE(ParseTimeOrOffset("yesterday", kNow, -1).ok());
  EXPECT_FALSE(ParseTimeOrOffset("-3d", kNow, -1).ok());
}

TEST(SuccessFormatTest, DaysFromNowCountsCalendarDays) {
  EXPECT_EQ(DaysFromNow(ToProtoTime(kNow + absl::Hours(2)), kNow), "today");
  EXPECT_EQ(DaysFromNow(ToProtoTime(kNow + absl::Hours(24 * 12)), kNow), "in 12d");
  EXPECT_EQ(DaysFromNow(ToProtoTime(kNow - absl::Hours(24 * 3)), kNow), "3d ago");
  EXPECT_EQ(DaysFromNow(google::protobuf::Timestamp(), kNow), "-");
}

TEST(SuccessFormatTest, TokenSubjectReadsTheSubClaim) {
  EXPECT_EQ(TokenSubject(testing::TestToken("t1", {"csm"})).value(), "tester");
  EXPECT_FALSE(TokenSubject("").ok());
  EXPECT_FALSE(TokenSubject("not-a-jwt").ok());
}

TEST(SuccessFormatTest, QuoteFilterValueEscapes) {
  EXPECT_EQ(QuoteFilterValue("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

}  // namespace
}  // namespace tandem::ctl
