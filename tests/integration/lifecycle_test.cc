// LifecycleService against real MariaDB through the in-process Success
// server: onboarding templates and plans (due dates, progress, time to
// value, overdue milestones), success plans, renewals, their events and
// account reviews, LoadLifecycleSignals, and the contract every RPC keeps
// (bad input refused naming the field and writing nothing, idempotent
// creates, stale etags, other tenants' objects NOT_FOUND).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "services/success/mysql_lifecycle_store.h"
#include "tandem/success/v1/lifecycle.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem::success {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;
using ::testing::Contains;
using ::testing::ElementsAre;
using Stub = v1::LifecycleService::Stub;

constexpr absl::Duration kDay = absl::Hours(24);
constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
constexpr char kMissingAccount[] = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0";

class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest()
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        stub_(v1::LifecycleService::NewStub(channel_)),
        accounts_(v1::SuccessService::NewStub(channel_)) {}

  // Calls `method` as a CSM of `tenant` (or with `token`).
  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                    Response* response, const std::string& token = TestToken("acme", {"csm"})) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  // Calls and expects `code`, and a violation on `field` when it is set.
  template <typename Request, typename Response>
  void ExpectRefused(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                     grpc::StatusCode code, const std::string& field,
                     const std::string& token = TestToken("acme", {"csm"})) {
    testing::ExpectRefused(*stub_, method, request, code, field, token);
  }

  std::string NewAccount(const std::string& tenant, const std::string& owner = "carol") {
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(absl::StrCat("Customer ", ++accounts_made_));
    request.mutable_account()->set_owner(owner);
    request.mutable_account()->set_currency_code("EUR");
    v1::Account account;
    grpc::ClientContext context;
    Authorize(context, TestToken(tenant, {"csm"}));
    const grpc::Status status = accounts_->CreateAccount(&context, request, &account);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account.name();
  }

  v1::OnboardingPlan Start(const std::string& account, absl::Time start,
                           const std::string& tmpl = "") {
    v1::StartOnboardingRequest request;
    request.set_parent(account);
    request.set_template_(tmpl);
    *request.mutable_start_time() = ToProtoTime(start);
    v1::OnboardingPlan plan;
    const grpc::Status status = Call(&Stub::StartOnboarding, request, &plan);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return plan;
  }

  v1::OnboardingPlan SetMilestoneState(const v1::Milestone& milestone, v1::Milestone::State state,
                                       std::optional<absl::Time> complete_time = std::nullopt) {
    v1::UpdateMilestoneRequest request;
    request.mutable_milestone()->set_name(milestone.name());
    request.mutable_milestone()->set_state(state);
    request.mutable_update_mask()->add_paths("state");
    if (complete_time.has_value()) {
      *request.mutable_milestone()->mutable_complete_time() = ToProtoTime(*complete_time);
      request.mutable_update_mask()->add_paths("complete_time");
    }
    v1::OnboardingPlan plan;
    const grpc::Status status = Call(&Stub::UpdateMilestone, request, &plan);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return plan;
  }

  v1::Renewal NewRenewal(const std::string& account, absl::Time due, int64_t target = 120'000) {
    v1::CreateRenewalRequest request;
    request.set_parent(account);
    *request.mutable_renewal()->mutable_due_time() = ToProtoTime(due);
    request.mutable_renewal()->set_target_amount_minor(target);
    request.mutable_renewal()->set_forecast_amount_minor(target);
    v1::Renewal renewal;
    const grpc::Status status = Call(&Stub::CreateRenewal, request, &renewal);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return renewal;
  }

  int64_t Count(const std::string& sql) { return testing::CountRows(server_.database.pool(), sql); }

  // Rows a lifecycle write touches, plus their versions: a refused call
  // must not change the sum.
  int64_t WrittenRows() {
    return Count(
        "SELECT (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM onboarding_templates) + "
        "(SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM onboarding_plans) + "
        "(SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM onboarding_milestones) + "
        "(SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM success_plans) + "
        "(SELECT COUNT(*) FROM success_goals) + (SELECT COUNT(*) FROM success_action_items) + "
        "(SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM renewals) + "
        "(SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM idempotency_keys) + "
        "(SELECT COUNT(*) FROM account_reviews)");
  }

  int64_t Events(const std::string& type) {
    return testing::CountEvents(server_.database.pool(), type);
  }

  testing::SuccessServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<v1::SuccessService::Stub> accounts_;
  int accounts_made_ = 0;
};

// StartOnboarding dates the default template's milestones from a past
// start, flags the overdue ones, emits OnboardingStarted and queues a
// review of the account.
TEST_F(LifecycleTest, OnboardingFromThePastHasDatedAndOverdueMilestones) {
  const std::string account = NewAccount("acme");
  const absl::Time start = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - 10 * kDay));
  const v1::OnboardingPlan plan = Start(account, start);
  EXPECT_EQ(plan.state(), v1::OnboardingPlan::ACTIVE);
  EXPECT_EQ(plan.display_name(), "Standard onboarding");
  ASSERT_EQ(plan.milestones_size(), 4);
  EXPECT_EQ(FromProtoTime(plan.milestones(1).due_time()), start + 7 * kDay);
  EXPECT_EQ(plan.overdue_milestone_count(), 2);  // kickoff (day 0) and setup (day 7)
  EXPECT_TRUE(plan.milestones(0).overdue());
  EXPECT_FALSE(plan.milestones(2).overdue());
  EXPECT_EQ(Events("OnboardingStarted"), 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT COUNT(*) FROM account_reviews WHERE account_id = '",
                               ResourceIdOf(account), "'")),
            1);

  v1::GetOnboardingPlanRequest get;
  get.set_name(plan.name());
  v1::OnboardingPlan read;
  ASSERT_TRUE(Call(&Stub::GetOnboardingPlan, get, &read).ok());
  EXPECT_EQ(read.etag(), plan.etag());
  EXPECT_EQ(read.milestones_size(), 4);

  // Only one ACTIVE plan per account.
  v1::StartOnboardingRequest again;
  again.set_parent(account);
  ExpectRefused(&Stub::StartOnboarding, again, grpc::StatusCode::FAILED_PRECONDITION, "");

  v1::ListOnboardingPlansRequest overdue;
  overdue.set_parent("accounts/-");
  overdue.set_filter("overdue = true AND state = ACTIVE");
  v1::ListOnboardingPlansResponse listed;
  ASSERT_TRUE(Call(&Stub::ListOnboardingPlans, overdue, &listed).ok());
  ASSERT_EQ(listed.onboarding_plans_size(), 1);
  EXPECT_EQ(listed.onboarding_plans(0).name(), plan.name());
}

// Completing the first-value milestone gives the time to value; finishing
// every milestone completes the plan (OnboardingEnded), after which a new
// plan may start.
TEST_F(LifecycleTest, FirstValueGivesTimeToValueAndTheLastMilestoneCompletesThePlan) {
  const std::string account = NewAccount("acme");
  const absl::Time start = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - 20 * kDay));
  v1::OnboardingPlan plan = Start(account, start);
  plan = SetMilestoneState(plan.milestones(0), v1::Milestone::DONE, start + kDay);
  plan = SetMilestoneState(plan.milestones(1), v1::Milestone::DONE, start + 5 * kDay);
  EXPECT_EQ(plan.time_to_value().seconds(), absl::ToInt64Seconds(5 * kDay));
  EXPECT_EQ(FromProtoTime(plan.first_value_time()), start + 5 * kDay);
  EXPECT_DOUBLE_EQ(plan.progress(), 0.5);
  EXPECT_EQ(Events("MilestoneUpdated"), 2);

  plan = SetMilestoneState(plan.milestones(2), v1::Milestone::SKIPPED);
  EXPECT_EQ(plan.state(), v1::OnboardingPlan::ACTIVE);
  plan = SetMilestoneState(plan.milestones(3), v1::Milestone::DONE);
  EXPECT_EQ(plan.state(), v1::OnboardingPlan::COMPLETED);
  EXPECT_DOUBLE_EQ(plan.progress(), 1.0);
  EXPECT_TRUE(plan.has_end_time());
  EXPECT_EQ(Events("OnboardingEnded"), 1);

  // A completed plan's milestones no longer change.
  v1::UpdateMilestoneRequest late;
  late.mutable_milestone()->set_name(plan.milestones(2).name());
  late.mutable_milestone()->set_state(v1::Milestone::DONE);
  late.mutable_update_mask()->add_paths("state");
  ExpectRefused(&Stub::UpdateMilestone, late, grpc::StatusCode::FAILED_PRECONDITION, "");

  const v1::OnboardingPlan second = Start(account, absl::Now());
  EXPECT_EQ(second.state(), v1::OnboardingPlan::ACTIVE);
}

// A stale milestone etag is ABORTED and changes nothing.
TEST_F(LifecycleTest, StaleMilestoneEtagIsAborted) {
  const v1::OnboardingPlan plan = Start(NewAccount("acme"), absl::Now());
  const v1::OnboardingPlan after =
      SetMilestoneState(plan.milestones(0), v1::Milestone::IN_PROGRESS);
  v1::UpdateMilestoneRequest stale;
  stale.mutable_milestone()->set_name(plan.milestones(0).name());
  stale.mutable_milestone()->set_etag(plan.milestones(0).etag());
  stale.mutable_milestone()->set_owner("dave");
  stale.mutable_update_mask()->add_paths("owner");
  const int64_t before = WrittenRows();
  ExpectRefused(&Stub::UpdateMilestone, stale, grpc::StatusCode::ABORTED, "");
  EXPECT_EQ(WrittenRows(), before);
  EXPECT_NE(after.milestones(0).etag(), plan.milestones(0).etag());
}

// Templates: created once per request id, unique by name, updated with
// etags, used by StartOnboarding, deleted without touching plans.
TEST_F(LifecycleTest, TemplatesAreIdempotentUniqueAndStartPlans) {
  v1::CreateOnboardingTemplateRequest create;
  create.set_request_id("tmpl-1");
  create.mutable_onboarding_template()->set_display_name("Enterprise");
  v1::MilestoneTemplate* kickoff = create.mutable_onboarding_template()->add_milestones();
  kickoff->set_title("Executive kickoff");
  v1::MilestoneTemplate* live = create.mutable_onboarding_template()->add_milestones();
  live->set_title("Go live");
  live->set_offset_days(45);
  live->set_first_value(true);
  v1::OnboardingTemplate first;
  ASSERT_TRUE(Call(&Stub::CreateOnboardingTemplate, create, &first).ok());
  v1::OnboardingTemplate retry;
  ASSERT_TRUE(Call(&Stub::CreateOnboardingTemplate, create, &retry).ok());
  EXPECT_EQ(retry.name(), first.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM onboarding_templates"), 1);
  create.set_request_id("tmpl-2");
  ExpectRefused(&Stub::CreateOnboardingTemplate, create, grpc::StatusCode::ALREADY_EXISTS, "");

  v1::UpdateOnboardingTemplateRequest update;
  update.mutable_onboarding_template()->set_name(first.name());
  update.mutable_onboarding_template()->set_etag(first.etag());
  update.mutable_onboarding_template()->set_description("For accounts above 100 seats.");
  update.mutable_update_mask()->add_paths("description");
  v1::OnboardingTemplate updated;
  ASSERT_TRUE(Call(&Stub::UpdateOnboardingTemplate, update, &updated).ok());
  EXPECT_EQ(updated.milestones_size(), 2);
  EXPECT_NE(updated.etag(), first.etag());
  ExpectRefused(&Stub::UpdateOnboardingTemplate, update, grpc::StatusCode::ABORTED, "");

  const absl::Time start = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  const v1::OnboardingPlan plan = Start(NewAccount("acme"), start, first.name());
  EXPECT_EQ(plan.template_(), first.name());
  ASSERT_EQ(plan.milestones_size(), 2);
  EXPECT_EQ(FromProtoTime(plan.milestones(1).due_time()), start + 45 * kDay);
  EXPECT_TRUE(plan.milestones(1).first_value());

  v1::ListOnboardingTemplatesRequest list;
  v1::ListOnboardingTemplatesResponse listed;
  ASSERT_TRUE(Call(&Stub::ListOnboardingTemplates, list, &listed).ok());
  EXPECT_EQ(listed.onboarding_templates_size(), 1);

  v1::DeleteOnboardingTemplateRequest remove;
  remove.set_name(first.name());
  remove.set_etag(first.etag());
  ExpectRefused(&Stub::DeleteOnboardingTemplate, remove, grpc::StatusCode::ABORTED, "");
  remove.set_etag(updated.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(Call(&Stub::DeleteOnboardingTemplate, remove, &empty).ok());
  v1::GetOnboardingPlanRequest get;
  get.set_name(plan.name());
  v1::OnboardingPlan kept;
  ASSERT_TRUE(Call(&Stub::GetOnboardingPlan, get, &kept).ok());
  EXPECT_EQ(kept.milestones_size(), 2);
  EXPECT_EQ(Events("OnboardingTemplateChanged"), 3);
}

// Success plans: goals with computed progress, action items, etag'd
// updates that replace the lists, lists across accounts, delete.
TEST_F(LifecycleTest, SuccessPlansComputeProgressAndReplaceListsOnUpdate) {
  const std::string account = NewAccount("acme", "erin");
  v1::CreateSuccessPlanRequest create;
  create.set_parent(account);
  create.set_request_id("plan-1");
  v1::SuccessPlan* plan = create.mutable_success_plan();
  plan->set_title("Faster support");
  v1::SuccessGoal* goal = plan->add_goals();
  goal->set_title("Answer faster");
  goal->set_metric("median first response, minutes");
  goal->set_baseline(60);
  goal->set_target(20);
  goal->set_current_value(40);
  plan->add_action_items()->set_title("Turn on auto-assignment");
  v1::SuccessPlan created;
  ASSERT_TRUE(Call(&Stub::CreateSuccessPlan, create, &created).ok());
  EXPECT_EQ(created.owner(), "erin");  // the account's owner
  EXPECT_EQ(created.status(), v1::SuccessPlan::ACTIVE);
  EXPECT_DOUBLE_EQ(created.progress(), 0.5);
  v1::SuccessPlan retry;
  ASSERT_TRUE(Call(&Stub::CreateSuccessPlan, create, &retry).ok());
  EXPECT_EQ(retry.name(), created.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM success_plans"), 1);

  v1::UpdateSuccessPlanRequest update;
  *update.mutable_success_plan() = created;
  update.mutable_success_plan()->mutable_goals(0)->set_current_value(20);
  update.mutable_success_plan()->mutable_action_items(0)->set_done(true);
  update.mutable_update_mask()->add_paths("goals");
  update.mutable_update_mask()->add_paths("action_items");
  v1::SuccessPlan updated;
  ASSERT_TRUE(Call(&Stub::UpdateSuccessPlan, update, &updated).ok());
  EXPECT_TRUE(updated.goals(0).achieved());
  EXPECT_EQ(updated.done_action_items(), 1);
  EXPECT_TRUE(updated.action_items(0).has_done_time());
  ExpectRefused(&Stub::UpdateSuccessPlan, update, grpc::StatusCode::ABORTED, "");

  v1::GetSuccessPlanRequest get;
  get.set_name(created.name());
  v1::SuccessPlan read;
  ASSERT_TRUE(Call(&Stub::GetSuccessPlan, get, &read).ok());
  EXPECT_EQ(read.etag(), updated.etag());
  EXPECT_DOUBLE_EQ(read.progress(), 1.0);

  v1::ListSuccessPlansRequest list;
  list.set_parent("accounts/-");
  list.set_filter("owner = erin AND status = ACTIVE");
  v1::ListSuccessPlansResponse listed;
  ASSERT_TRUE(Call(&Stub::ListSuccessPlans, list, &listed).ok());
  ASSERT_EQ(listed.success_plans_size(), 1);
  EXPECT_EQ(listed.success_plans(0).goals_size(), 1);

  v1::DeleteSuccessPlanRequest remove;
  remove.set_name(created.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(Call(&Stub::DeleteSuccessPlan, remove, &empty).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM success_goals"), 0);
  EXPECT_EQ(Events("SuccessPlanChanged"), 3);
}

// Renewals: the account's currency and owner, "due within N days" by due
// date with pages, updates while open, one close with RenewalClosed.
TEST_F(LifecycleTest, RenewalsListDueSoonAndCloseOnce) {
  const std::string account = NewAccount("acme", "frank");
  const absl::Time now = absl::Now();
  const v1::Renewal later = NewRenewal(account, now + 200 * kDay);
  const v1::Renewal soon = NewRenewal(account, now + 30 * kDay);
  const v1::Renewal overdue = NewRenewal(account, now - 2 * kDay);
  const v1::Renewal past = NewRenewal(NewAccount("acme"), now - 400 * kDay);  // history
  EXPECT_EQ(soon.currency_code(), "EUR");
  EXPECT_EQ(soon.owner(), "frank");
  EXPECT_EQ(soon.stage(), v1::Renewal::NOT_STARTED);

  v1::CloseRenewalRequest close_past;
  close_past.set_name(past.name());
  close_past.set_outcome(v1::Renewal::RENEWED);
  close_past.set_final_amount_minor(120'000);
  *close_past.mutable_close_time() = ToProtoTime(now - 399 * kDay);
  v1::Renewal closed;
  ASSERT_TRUE(Call(&Stub::CloseRenewal, close_past, &closed).ok());
  EXPECT_EQ(FromProtoTime(closed.close_time()), FromProtoTime(ToProtoTime(now - 399 * kDay)));
  EXPECT_EQ(Events("RenewalClosed"), 1);
  ExpectRefused(&Stub::CloseRenewal, close_past, grpc::StatusCode::FAILED_PRECONDITION, "");

  v1::ListRenewalsRequest due;
  due.set_parent("accounts/-");
  due.set_due_within_days(90);
  due.set_order_by("due_time");
  due.set_page_size(1);
  std::vector<std::string> names;
  do {
    v1::ListRenewalsResponse page;
    ASSERT_TRUE(Call(&Stub::ListRenewals, due, &page).ok());
    for (const v1::Renewal& renewal : page.renewals()) names.push_back(renewal.name());
    due.set_page_token(page.next_page_token());
  } while (!due.page_token().empty());
  EXPECT_THAT(names, ElementsAre(overdue.name(), soon.name()));

  v1::UpdateRenewalRequest update;
  update.mutable_renewal()->set_name(later.name());
  update.mutable_renewal()->set_etag(later.etag());
  update.mutable_renewal()->set_stage(v1::Renewal::AT_RISK);
  update.mutable_renewal()->set_forecast_amount_minor(60'000);
  update.mutable_update_mask()->add_paths("stage");
  update.mutable_update_mask()->add_paths("forecast_amount_minor");
  v1::Renewal updated;
  ASSERT_TRUE(Call(&Stub::UpdateRenewal, update, &updated).ok());
  EXPECT_EQ(updated.stage(), v1::Renewal::AT_RISK);
  ExpectRefused(&Stub::UpdateRenewal, update, grpc::StatusCode::ABORTED, "");
  EXPECT_EQ(Events("RenewalUpdated"), 1);

  v1::CloseRenewalRequest churn;
  churn.set_name(later.name());
  churn.set_outcome(v1::Renewal::CHURNED);
  ASSERT_TRUE(Call(&Stub::CloseRenewal, churn, &closed).ok());
  update.mutable_renewal()->clear_etag();
  ExpectRefused(&Stub::UpdateRenewal, update, grpc::StatusCode::FAILED_PRECONDITION, "");

  v1::ListRenewalsRequest open;
  open.set_parent(account);
  open.set_filter("open = true");
  v1::ListRenewalsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListRenewals, open, &listed).ok());
  EXPECT_EQ(listed.renewals_size(), 2);
}

// Retried creates return the first result and write once; a request id
// reused for a different request is refused on `request_id`.
TEST_F(LifecycleTest, RetriedStartAndRenewalCreatesReturnTheFirstResult) {
  const std::string account = NewAccount("acme");
  v1::StartOnboardingRequest start;
  start.set_parent(account);
  start.set_request_id("start-1");
  v1::OnboardingPlan first;
  v1::OnboardingPlan second;
  ASSERT_TRUE(Call(&Stub::StartOnboarding, start, &first).ok());
  ASSERT_TRUE(Call(&Stub::StartOnboarding, start, &second).ok());
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(second.milestones_size(), 4);
  EXPECT_EQ(Events("OnboardingStarted"), 1);

  v1::CreateRenewalRequest renewal;
  renewal.set_parent(account);
  renewal.set_request_id("renewal-1");
  *renewal.mutable_renewal()->mutable_due_time() = ToProtoTime(absl::Now() + 300 * kDay);
  v1::Renewal a;
  v1::Renewal b;
  ASSERT_TRUE(Call(&Stub::CreateRenewal, renewal, &a).ok());
  ASSERT_TRUE(Call(&Stub::CreateRenewal, renewal, &b).ok());
  EXPECT_EQ(b.name(), a.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM renewals"), 1);
  renewal.mutable_renewal()->set_target_amount_minor(1);
  ExpectRefused(&Stub::CreateRenewal, renewal, kInvalid, "request_id");
}

// Cancelling ends the plan (no longer overdue, OnboardingEnded) and lets
// the account start again; a second cancel is FAILED_PRECONDITION.
TEST_F(LifecycleTest, CancelledPlanEndsAndAllowsANewStart) {
  const std::string account = NewAccount("acme");
  const v1::OnboardingPlan plan = Start(account, absl::Now() - 40 * kDay);
  EXPECT_EQ(plan.overdue_milestone_count(), 4);
  v1::CancelOnboardingPlanRequest cancel;
  cancel.set_name(plan.name());
  cancel.set_etag(plan.etag());
  v1::OnboardingPlan cancelled;
  ASSERT_TRUE(Call(&Stub::CancelOnboardingPlan, cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::OnboardingPlan::CANCELLED);
  EXPECT_EQ(cancelled.overdue_milestone_count(), 0);
  EXPECT_TRUE(cancelled.has_end_time());
  EXPECT_EQ(Events("OnboardingEnded"), 1);
  cancel.clear_etag();
  ExpectRefused(&Stub::CancelOnboardingPlan, cancel, grpc::StatusCode::FAILED_PRECONDITION, "");
  Start(account, absl::Now());

  v1::ListOnboardingPlansRequest list;
  list.set_parent(account);
  list.set_page_size(1);
  list.set_order_by("create_time");
  std::vector<std::string> names;
  do {
    v1::ListOnboardingPlansResponse page;
    ASSERT_TRUE(Call(&Stub::ListOnboardingPlans, list, &page).ok());
    for (const auto& p : page.onboarding_plans()) names.push_back(p.name());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], plan.name());
}

// The review's lifecycle section: onboarding progress, overdue milestones
// of the ACTIVE plan and the earliest open renewal.
TEST_F(LifecycleTest, LoadLifecycleSignalsReadsProgressOverdueAndNextRenewal) {
  const std::string account = NewAccount("acme");
  const std::string account_id = ResourceIdOf(account);
  auto load = [&] {
    LifecycleSignals signals;
    EXPECT_OK(mysql::RunInTransaction(
        server_.database.pool(), absl::Now() + absl::Seconds(5), [&](mysql::Transaction& tx) {
          return LoadLifecycleSignals(tx, "acme", account_id, absl::Now(), signals);
        }));
    return signals;
  };
  LifecycleSignals nothing = load();
  EXPECT_FALSE(nothing.onboarding_progress.has_value());
  EXPECT_FALSE(nothing.next_renewal_time.has_value());

  v1::OnboardingPlan plan = Start(account, absl::Now() - 10 * kDay);
  plan = SetMilestoneState(plan.milestones(0), v1::Milestone::DONE);
  const v1::Renewal renewal = NewRenewal(account, absl::Now() + 90 * kDay);
  NewRenewal(account, absl::Now() + 400 * kDay);
  LifecycleSignals signals = load();
  ASSERT_TRUE(signals.onboarding_progress.has_value());
  EXPECT_DOUBLE_EQ(*signals.onboarding_progress, 0.25);
  EXPECT_EQ(signals.overdue_milestones, 1);
  EXPECT_EQ(signals.first_overdue_milestone, plan.milestones(1).name());
  EXPECT_EQ(signals.next_renewal, renewal.name());
  EXPECT_EQ(*signals.next_renewal_time, FromProtoTime(renewal.due_time()));
}

// Another tenant's objects are NOT_FOUND for every RPC that names one.
TEST_F(LifecycleTest, OtherTenantsObjectsAreNotFound) {
  const std::string account = NewAccount("acme");
  const v1::OnboardingPlan plan = Start(account, absl::Now());
  const v1::Renewal renewal = NewRenewal(account, absl::Now() + 30 * kDay);
  v1::CreateOnboardingTemplateRequest create_tmpl;
  create_tmpl.mutable_onboarding_template()->set_display_name("T");
  create_tmpl.mutable_onboarding_template()->add_milestones()->set_title("Only");
  v1::OnboardingTemplate tmpl;
  ASSERT_TRUE(Call(&Stub::CreateOnboardingTemplate, create_tmpl, &tmpl).ok());
  v1::CreateSuccessPlanRequest create_plan;
  create_plan.set_parent(account);
  create_plan.mutable_success_plan()->set_title("P");
  v1::SuccessPlan success_plan;
  ASSERT_TRUE(Call(&Stub::CreateSuccessPlan, create_plan, &success_plan).ok());
  const std::string globex = TestToken("globex", {"csm"});
  const int64_t before = WrittenRows();

  v1::GetOnboardingTemplateRequest get_tmpl;
  get_tmpl.set_name(tmpl.name());
  ExpectRefused(&Stub::GetOnboardingTemplate, get_tmpl, kNotFound, "", globex);
  v1::UpdateOnboardingTemplateRequest update_tmpl;
  update_tmpl.mutable_onboarding_template()->set_name(tmpl.name());
  update_tmpl.mutable_onboarding_template()->set_description("x");
  update_tmpl.mutable_update_mask()->add_paths("description");
  ExpectRefused(&Stub::UpdateOnboardingTemplate, update_tmpl, kNotFound, "", globex);
  v1::DeleteOnboardingTemplateRequest delete_tmpl;
  delete_tmpl.set_name(tmpl.name());
  ExpectRefused(&Stub::DeleteOnboardingTemplate, delete_tmpl, kNotFound, "", globex);
  v1::StartOnboardingRequest start;
  start.set_parent(account);
  ExpectRefused(&Stub::StartOnboarding, start, kNotFound, "", globex);
  v1::GetOnboardingPlanRequest get_plan;
  get_plan.set_name(plan.name());
  ExpectRefused(&Stub::GetOnboardingPlan, get_plan, kNotFound, "", globex);
  v1::CancelOnboardingPlanRequest cancel;
  cancel.set_name(plan.name());
  ExpectRefused(&Stub::CancelOnboardingPlan, cancel, kNotFound, "", globex);
  v1::UpdateMilestoneRequest milestone;
  milestone.mutable_milestone()->set_name(plan.milestones(0).name());
  milestone.mutable_milestone()->set_state(v1::Milestone::DONE);
  milestone.mutable_update_mask()->add_paths("state");
  ExpectRefused(&Stub::UpdateMilestone, milestone, kNotFound, "", globex);
  v1::CreateSuccessPlanRequest create_theirs = create_plan;
  ExpectRefused(&Stub::CreateSuccessPlan, create_theirs, kNotFound, "", globex);
  v1::GetSuccessPlanRequest get_success;
  get_success.set_name(success_plan.name());
  ExpectRefused(&Stub::GetSuccessPlan, get_success, kNotFound, "", globex);
  v1::UpdateSuccessPlanRequest update_success;
  update_success.mutable_success_plan()->set_name(success_plan.name());
  update_success.mutable_success_plan()->set_title("Mine now");
  update_success.mutable_update_mask()->add_paths("title");
  ExpectRefused(&Stub::UpdateSuccessPlan, update_success, kNotFound, "", globex);
  v1::DeleteSuccessPlanRequest delete_success;
  delete_success.set_name(success_plan.name());
  ExpectRefused(&Stub::DeleteSuccessPlan, delete_success, kNotFound, "", globex);
  v1::CreateRenewalRequest create_renewal;
  create_renewal.set_parent(account);
  *create_renewal.mutable_renewal()->mutable_due_time() = ToProtoTime(absl::Now());
  ExpectRefused(&Stub::CreateRenewal, create_renewal, kNotFound, "", globex);
  v1::GetRenewalRequest get_renewal;
  get_renewal.set_name(renewal.name());
  ExpectRefused(&Stub::GetRenewal, get_renewal, kNotFound, "", globex);
  v1::UpdateRenewalRequest update_renewal;
  update_renewal.mutable_renewal()->set_name(renewal.name());
  update_renewal.mutable_renewal()->set_notes("x");
  update_renewal.mutable_update_mask()->add_paths("notes");
  ExpectRefused(&Stub::UpdateRenewal, update_renewal, kNotFound, "", globex);
  v1::CloseRenewalRequest close;
  close.set_name(renewal.name());
  close.set_outcome(v1::Renewal::CHURNED);
  ExpectRefused(&Stub::CloseRenewal, close, kNotFound, "", globex);

  // Lists of the other tenant see nothing of ours.
  v1::ListRenewalsRequest list_renewals;
  list_renewals.set_parent("accounts/-");
  v1::ListRenewalsResponse renewals;
  ASSERT_TRUE(Call(&Stub::ListRenewals, list_renewals, &renewals, globex).ok());
  EXPECT_EQ(renewals.renewals_size(), 0);
  v1::ListOnboardingPlansRequest list_plans;
  list_plans.set_parent(account);
  v1::ListOnboardingPlansResponse plans;
  ASSERT_TRUE(Call(&Stub::ListOnboardingPlans, list_plans, &plans, globex).ok());
  EXPECT_EQ(plans.onboarding_plans_size(), 0);
  EXPECT_EQ(WrittenRows(), before);
}

// A churned account gets no onboarding and no renewal; viewers read but
// never write.
TEST_F(LifecycleTest, ChurnedAccountsAndReadersAreRefusedWrites) {
  const std::string account = NewAccount("acme");
  const std::string viewer = TestToken("acme", {"viewer"});
  v1::StartOnboardingRequest start;
  start.set_parent(account);
  ExpectRefused(&Stub::StartOnboarding, start, grpc::StatusCode::PERMISSION_DENIED, "", viewer);
  v1::ListOnboardingPlansRequest list;
  list.set_parent(account);
  v1::ListOnboardingPlansResponse listed;
  EXPECT_TRUE(Call(&Stub::ListOnboardingPlans, list, &listed, viewer).ok());

  ASSERT_EQ(
      Count(absl::StrCat("SELECT COUNT(*) FROM accounts WHERE id = '", ResourceIdOf(account), "'")),
      1);
  {
    auto db = server_.database.pool().Acquire(absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Execute("UPDATE accounts SET lifecycle_stage = 5 WHERE id = ?",
                              {ResourceIdOf(account)})
                    .ok());
  }
  const int64_t before = WrittenRows();
  ExpectRefused(&Stub::StartOnboarding, start, grpc::StatusCode::FAILED_PRECONDITION, "");
  v1::CreateRenewalRequest renewal;
  renewal.set_parent(account);
  *renewal.mutable_renewal()->mutable_due_time() = ToProtoTime(absl::Now() + 30 * kDay);
  ExpectRefused(&Stub::CreateRenewal, renewal, grpc::StatusCode::FAILED_PRECONDITION, "");
  EXPECT_EQ(WrittenRows(), before);
}

// Every RPC refuses bad input with the right code and a violation on the
// field to fix, and writes nothing.
TEST_F(LifecycleTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const std::string account = NewAccount("acme");
  const v1::OnboardingPlan plan = Start(account, absl::Now() - 2 * kDay);
  const v1::Renewal renewal = NewRenewal(account, absl::Now() + 30 * kDay);
  const std::string huge(5000, 'x');
  const int64_t before = WrittenRows();

  {  // CreateOnboardingTemplate
    v1::CreateOnboardingTemplateRequest r;
    ExpectRefused(&Stub::CreateOnboardingTemplate, r, kInvalid, "onboarding_template");
    r.mutable_onboarding_template()->set_display_name("T");
    ExpectRefused(&Stub::CreateOnboardingTemplate, r, kInvalid, "onboarding_template.milestones");
    r.mutable_onboarding_template()->add_milestones()->set_offset_days(-3);
    ExpectRefused(&Stub::CreateOnboardingTemplate, r, kInvalid,
                  "onboarding_template.milestones[0].offset_days");
    ExpectRefused(&Stub::CreateOnboardingTemplate, r, kInvalid,
                  "onboarding_template.milestones[0].title");
    r.mutable_onboarding_template()->mutable_milestones(0)->set_title("ok");
    r.mutable_onboarding_template()->mutable_milestones(0)->set_offset_days(0);
    r.set_request_id("not ok!");
    ExpectRefused(&Stub::CreateOnboardingTemplate, r, kInvalid, "request_id");
  }
  {  // GetOnboardingTemplate
    v1::GetOnboardingTemplateRequest r;
    ExpectRefused(&Stub::GetOnboardingTemplate, r, kInvalid, "name");
    r.set_name("onboardingTemplates/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::GetOnboardingTemplate, r, kNotFound, "");
  }
  {  // ListOnboardingTemplates
    v1::ListOnboardingTemplatesRequest r;
    r.set_filter("milestones = 3");
    ExpectRefused(&Stub::ListOnboardingTemplates, r, kInvalid, "filter");
    r.clear_filter();
    r.set_page_token("garbage");
    ExpectRefused(&Stub::ListOnboardingTemplates, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListOnboardingTemplates, r, kInvalid, "page_size");
  }
  {  // UpdateOnboardingTemplate
    v1::UpdateOnboardingTemplateRequest r;
    r.mutable_onboarding_template()->set_name("onboardingTemplates/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::UpdateOnboardingTemplate, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("etag");
    ExpectRefused(&Stub::UpdateOnboardingTemplate, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("display_name");
    ExpectRefused(&Stub::UpdateOnboardingTemplate, r, kInvalid, "onboarding_template.display_name");
    r.mutable_onboarding_template()->set_name("nope");
    r.mutable_onboarding_template()->set_display_name("ok");
    ExpectRefused(&Stub::UpdateOnboardingTemplate, r, kInvalid, "onboarding_template.name");
  }
  {  // DeleteOnboardingTemplate
    v1::DeleteOnboardingTemplateRequest r;
    r.set_name("templates/1");
    ExpectRefused(&Stub::DeleteOnboardingTemplate, r, kInvalid, "name");
  }
  {  // StartOnboarding
    v1::StartOnboardingRequest r;
    ExpectRefused(&Stub::StartOnboarding, r, kInvalid, "parent");
    r.set_parent(kMissingAccount);
    ExpectRefused(&Stub::StartOnboarding, r, kNotFound, "");
    r.set_parent(NewAccount("acme"));
    const int64_t with_account = WrittenRows();
    r.set_template_("onboardingTemplates/nope");
    ExpectRefused(&Stub::StartOnboarding, r, kInvalid, "template");
    r.set_template_("onboardingTemplates/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::StartOnboarding, r, kInvalid, "template");
    r.clear_template_();
    *r.mutable_start_time() = ToProtoTime(absl::Now() + 3 * kDay);
    ExpectRefused(&Stub::StartOnboarding, r, kInvalid, "start_time");
    EXPECT_EQ(WrittenRows(), with_account);
  }
  const int64_t base = WrittenRows();  // the extra account above wrote its own rows
  {                                    // GetOnboardingPlan
    v1::GetOnboardingPlanRequest r;
    r.set_name(account);
    ExpectRefused(&Stub::GetOnboardingPlan, r, kInvalid, "name");
    r.set_name(absl::StrCat(account, "/onboardingPlans/01JABCDEFGHJKMNPQRSTVWXYZ0"));
    ExpectRefused(&Stub::GetOnboardingPlan, r, kNotFound, "");
  }
  {  // ListOnboardingPlans
    v1::ListOnboardingPlansRequest r;
    ExpectRefused(&Stub::ListOnboardingPlans, r, kInvalid, "parent");
    r.set_parent(account);
    r.set_filter("state = DONE");
    ExpectRefused(&Stub::ListOnboardingPlans, r, kInvalid, "filter");
    r.set_filter("overdue = maybe");
    ExpectRefused(&Stub::ListOnboardingPlans, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("title");
    ExpectRefused(&Stub::ListOnboardingPlans, r, kInvalid, "order_by");
  }
  {  // CancelOnboardingPlan
    v1::CancelOnboardingPlanRequest r;
    ExpectRefused(&Stub::CancelOnboardingPlan, r, kInvalid, "name");
    r.set_name(plan.name());
    r.set_etag("stale");
    ExpectRefused(&Stub::CancelOnboardingPlan, r, grpc::StatusCode::ABORTED, "");
  }
  {  // UpdateMilestone
    v1::UpdateMilestoneRequest r;
    r.mutable_milestone()->set_name(plan.milestones(0).name());
    ExpectRefused(&Stub::UpdateMilestone, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("first_value");
    ExpectRefused(&Stub::UpdateMilestone, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("state");
    ExpectRefused(&Stub::UpdateMilestone, r, kInvalid, "milestone.state");
    r.mutable_milestone()->set_state(v1::Milestone::DONE);
    r.mutable_update_mask()->add_paths("complete_time");
    *r.mutable_milestone()->mutable_complete_time() = ToProtoTime(absl::Now() - 5 * kDay);
    ExpectRefused(&Stub::UpdateMilestone, r, kInvalid, "milestone.complete_time");  // pre-start
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("title");
    r.mutable_milestone()->set_title(huge);
    ExpectRefused(&Stub::UpdateMilestone, r, kInvalid, "milestone.title");
    r.mutable_milestone()->set_title("ok");
    r.mutable_milestone()->set_name(plan.name());
    ExpectRefused(&Stub::UpdateMilestone, r, kInvalid, "milestone.name");
    r.mutable_milestone()->set_name(
        absl::StrCat(plan.name(), "/milestones/01JABCDEFGHJKMNPQRSTVWXYZ0"));
    ExpectRefused(&Stub::UpdateMilestone, r, kNotFound, "");
  }
  {  // CreateSuccessPlan
    v1::CreateSuccessPlanRequest r;
    r.set_parent(account);
    ExpectRefused(&Stub::CreateSuccessPlan, r, kInvalid, "success_plan");
    r.mutable_success_plan()->set_title("ok");
    r.set_parent("accounts/x");
    ExpectRefused(&Stub::CreateSuccessPlan, r, kInvalid, "parent");
    r.set_parent(account);
    v1::SuccessGoal* goal = r.mutable_success_plan()->add_goals();
    goal->set_title("g");
    ExpectRefused(&Stub::CreateSuccessPlan, r, kInvalid, "success_plan.goals[0].metric");
    goal->set_metric("m");
    goal->set_target(0);
    ExpectRefused(&Stub::CreateSuccessPlan, r, kInvalid, "success_plan.goals[0].target");
    goal->set_target(1);
    r.mutable_success_plan()->set_status(static_cast<v1::SuccessPlan::Status>(9));
    ExpectRefused(&Stub::CreateSuccessPlan, r, kInvalid, "success_plan.status");
    r.mutable_success_plan()->clear_status();
    r.set_parent(kMissingAccount);
    ExpectRefused(&Stub::CreateSuccessPlan, r, kNotFound, "");
  }
  {  // GetSuccessPlan
    v1::GetSuccessPlanRequest r;
    ExpectRefused(&Stub::GetSuccessPlan, r, kInvalid, "name");
    r.set_name(absl::StrCat(account, "/successPlans/01JABCDEFGHJKMNPQRSTVWXYZ0"));
    ExpectRefused(&Stub::GetSuccessPlan, r, kNotFound, "");
  }
  {  // ListSuccessPlans
    v1::ListSuccessPlansRequest r;
    r.set_parent("accounts/-");
    r.set_filter("status > ACTIVE");
    ExpectRefused(&Stub::ListSuccessPlans, r, kInvalid, "filter");
    r.set_parent("");
    r.clear_filter();
    ExpectRefused(&Stub::ListSuccessPlans, r, kInvalid, "parent");
  }
  {  // UpdateSuccessPlan
    v1::UpdateSuccessPlanRequest r;
    r.mutable_success_plan()->set_name(
        absl::StrCat(account, "/successPlans/01JABCDEFGHJKMNPQRSTVWXYZ0"));
    r.mutable_update_mask()->add_paths("progress");
    ExpectRefused(&Stub::UpdateSuccessPlan, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("status");
    ExpectRefused(&Stub::UpdateSuccessPlan, r, kInvalid, "success_plan.status");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("action_items");
    r.mutable_success_plan()->add_action_items();
    ExpectRefused(&Stub::UpdateSuccessPlan, r, kInvalid, "success_plan.action_items[0].title");
    r.mutable_success_plan()->mutable_action_items(0)->set_title("ok");
    ExpectRefused(&Stub::UpdateSuccessPlan, r, kNotFound, "");
  }
  {  // DeleteSuccessPlan
    v1::DeleteSuccessPlanRequest r;
    r.set_name("successPlans/1");
    ExpectRefused(&Stub::DeleteSuccessPlan, r, kInvalid, "name");
    r.set_name(absl::StrCat(account, "/successPlans/01JABCDEFGHJKMNPQRSTVWXYZ0"));
    ExpectRefused(&Stub::DeleteSuccessPlan, r, kNotFound, "");
  }
  {  // CreateRenewal
    v1::CreateRenewalRequest r;
    r.set_parent(account);
    ExpectRefused(&Stub::CreateRenewal, r, kInvalid, "renewal");
    r.mutable_renewal()->set_target_amount_minor(-5);
    ExpectRefused(&Stub::CreateRenewal, r, kInvalid, "renewal.due_time");
    ExpectRefused(&Stub::CreateRenewal, r, kInvalid, "renewal.target_amount_minor");
    r.mutable_renewal()->set_target_amount_minor(5);
    *r.mutable_renewal()->mutable_due_time() = ToProtoTime(absl::Now() + 30 * 365 * kDay);
    ExpectRefused(&Stub::CreateRenewal, r, kInvalid, "renewal.due_time");
    *r.mutable_renewal()->mutable_due_time() = ToProtoTime(absl::Now());
    r.mutable_renewal()->set_notes(huge);
    ExpectRefused(&Stub::CreateRenewal, r, kInvalid, "renewal.notes");
    r.mutable_renewal()->clear_notes();
    r.set_parent(kMissingAccount);
    ExpectRefused(&Stub::CreateRenewal, r, kNotFound, "");
  }
  {  // GetRenewal
    v1::GetRenewalRequest r;
    r.set_name("renewals/1");
    ExpectRefused(&Stub::GetRenewal, r, kInvalid, "name");
    r.set_name(absl::StrCat(account, "/renewals/01JABCDEFGHJKMNPQRSTVWXYZ0"));
    ExpectRefused(&Stub::GetRenewal, r, kNotFound, "");
  }
  {  // ListRenewals
    v1::ListRenewalsRequest r;
    r.set_parent("accounts/-");
    r.set_due_within_days(-1);
    ExpectRefused(&Stub::ListRenewals, r, kInvalid, "due_within_days");
    r.set_due_within_days(0);
    r.set_order_by("final_amount_minor");
    ExpectRefused(&Stub::ListRenewals, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_filter("due_time > tomorrow");
    ExpectRefused(&Stub::ListRenewals, r, kInvalid, "filter");
  }
  {  // UpdateRenewal
    v1::UpdateRenewalRequest r;
    r.mutable_renewal()->set_name(renewal.name());
    r.mutable_update_mask()->add_paths("outcome");
    ExpectRefused(&Stub::UpdateRenewal, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("due_time");
    ExpectRefused(&Stub::UpdateRenewal, r, kInvalid, "renewal.due_time");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("stage");
    ExpectRefused(&Stub::UpdateRenewal, r, kInvalid, "renewal.stage");
    r.mutable_renewal()->set_stage(v1::Renewal::COMMITTED);
    r.mutable_renewal()->set_etag("stale");
    ExpectRefused(&Stub::UpdateRenewal, r, grpc::StatusCode::ABORTED, "");
  }
  {  // CloseRenewal
    v1::CloseRenewalRequest r;
    r.set_name(renewal.name());
    ExpectRefused(&Stub::CloseRenewal, r, kInvalid, "outcome");
    r.set_outcome(v1::Renewal::RENEWED);
    ExpectRefused(&Stub::CloseRenewal, r, kInvalid, "final_amount_minor");
    r.set_final_amount_minor(100);
    *r.mutable_close_time() = ToProtoTime(absl::Now() + 5 * kDay);
    ExpectRefused(&Stub::CloseRenewal, r, kInvalid, "close_time");
    r.clear_close_time();
    r.set_name("renewals/x");
    ExpectRefused(&Stub::CloseRenewal, r, kInvalid, "name");
  }
  EXPECT_EQ(WrittenRows(), base);
  EXPECT_GT(base, before);
}

}  // namespace
}  // namespace tandem::success
