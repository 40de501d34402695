// The pure rules of onboarding plans, success plans and renewals.
#include "services/success/lifecycle_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);
const absl::Duration kDay = absl::Hours(24);

std::vector<std::string> ViolatedFields(const FieldViolations& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(violations.ToStatus()))
    fields.push_back(v.field);
  return fields;
}

bool All(absl::string_view) { return true; }

// A plan started `started_ago` before kNow from the default template.
v1::OnboardingPlan DefaultPlan(absl::Duration started_ago) {
  v1::OnboardingPlan plan;
  plan.set_name("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0/onboardingPlans/01JABCDEFGHJKMNPQRSTVWXYZ1");
  plan.set_state(v1::OnboardingPlan::ACTIVE);
  *plan.mutable_start_time() = ToProtoTime(kNow - started_ago);
  for (v1::Milestone& m :
       MilestonesFromTemplate(DefaultOnboardingTemplate(), plan.name(), kNow - started_ago, kNow)) {
    *plan.add_milestones() = m;
  }
  return plan;
}

TEST(LifecycleRulesTest, DefaultTemplateCoversKickoffSetupTrainingAndGoals) {
  const v1::OnboardingTemplate& tmpl = DefaultOnboardingTemplate();
  ASSERT_EQ(tmpl.milestones_size(), 4);
  EXPECT_EQ(tmpl.milestones(0).title(), "Kickoff");
  EXPECT_EQ(tmpl.milestones(1).title(), "Initial setup");
  EXPECT_TRUE(tmpl.milestones(1).first_value());
  EXPECT_EQ(tmpl.milestones(2).title(), "Training");
  EXPECT_EQ(tmpl.milestones(3).title(), "Goals and action plan");
  FieldViolations violations;
  CheckOnboardingTemplate(tmpl, All, violations);
  EXPECT_TRUE(violations.empty());
}

TEST(LifecycleRulesTest, MilestonesAreDueAtStartPlusTheirOffset) {
  const absl::Time start = kNow - 3 * kDay;
  const auto milestones = MilestonesFromTemplate(DefaultOnboardingTemplate(), "p", start, kNow);
  ASSERT_EQ(milestones.size(), 4u);
  EXPECT_EQ(FromProtoTime(milestones[0].due_time()), start);
  EXPECT_EQ(FromProtoTime(milestones[1].due_time()), start + 7 * kDay);
  EXPECT_EQ(FromProtoTime(milestones[3].due_time()), start + 30 * kDay);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(milestones[i].position(), i);
    EXPECT_EQ(milestones[i].state(), v1::Milestone::PENDING);
    EXPECT_THAT(milestones[i].name(), ::testing::StartsWith("p/milestones/"));
  }
}

TEST(LifecycleRulesTest, TemplateCheckNamesEveryBadStep) {
  v1::OnboardingTemplate tmpl;
  tmpl.set_display_name(" ");
  v1::MilestoneTemplate* a = tmpl.add_milestones();
  a->set_title("A");
  a->set_offset_days(-1);
  a->set_first_value(true);
  v1::MilestoneTemplate* b = tmpl.add_milestones();
  b->set_offset_days(4000);
  b->set_first_value(true);
  FieldViolations violations;
  CheckOnboardingTemplate(tmpl, All, violations);
  EXPECT_THAT(ViolatedFields(violations),
              ElementsAre("onboarding_template.display_name",
                          "onboarding_template.milestones[0].offset_days",
                          "onboarding_template.milestones[1].title",
                          "onboarding_template.milestones[1].offset_days",
                          "onboarding_template.milestones[1].first_value"));
}

TEST(LifecycleRulesTest, TemplateNeedsAtLeastOneMilestone) {
  v1::OnboardingTemplate tmpl;
  tmpl.set_display_name("Empty");
  FieldViolations violations;
  CheckOnboardingTemplate(tmpl, All, violations);
  EXPECT_THAT(ViolatedFields(violations), ElementsAre("onboarding_template.milestones"));
}

TEST(LifecycleRulesTest, ProgressCountsDoneOverMilestonesNotSkipped) {
  v1::OnboardingPlan plan = DefaultPlan(kDay);
  plan.mutable_milestones(0)->set_state(v1::Milestone::DONE);
  plan.mutable_milestones(2)->set_state(v1::Milestone::SKIPPED);
  FillPlanProgress(plan, kNow);
  EXPECT_DOUBLE_EQ(plan.progress(), 1.0 / 3);
}

TEST(LifecycleRulesTest, TimeToValueRunsFromStartToTheFirstValueMilestone) {
  v1::OnboardingPlan plan = DefaultPlan(10 * kDay);
  FillPlanProgress(plan, kNow);
  EXPECT_FALSE(plan.has_first_value_time());
  v1::Milestone* setup = plan.mutable_milestones(1);
  setup->set_state(v1::Milestone::DONE);
  *setup->mutable_complete_time() = ToProtoTime(kNow - 4 * kDay);
  FillPlanProgress(plan, kNow);
  EXPECT_EQ(FromProtoTime(plan.first_value_time()), kNow - 4 * kDay);
  EXPECT_EQ(plan.time_to_value().seconds(), absl::ToInt64Seconds(6 * kDay));
}

TEST(LifecycleRulesTest, OpenMilestonesPastTheirDueTimeAreOverdue) {
  v1::OnboardingPlan plan = DefaultPlan(10 * kDay);  // kickoff and setup are past due
  plan.mutable_milestones(0)->set_state(v1::Milestone::DONE);
  FillPlanProgress(plan, kNow);
  EXPECT_FALSE(plan.milestones(0).overdue());
  EXPECT_TRUE(plan.milestones(1).overdue());
  EXPECT_FALSE(plan.milestones(2).overdue());
  EXPECT_EQ(plan.overdue_milestone_count(), 1);
}

TEST(LifecycleRulesTest, AnEndedPlanHasNothingOverdue) {
  v1::OnboardingPlan plan = DefaultPlan(100 * kDay);
  plan.set_state(v1::OnboardingPlan::CANCELLED);
  FillPlanProgress(plan, kNow);
  EXPECT_EQ(plan.overdue_milestone_count(), 0);
}

TEST(LifecycleRulesTest, MarkingDoneStampsNowOrKeepsAPastCompletion) {
  const v1::OnboardingPlan plan = DefaultPlan(10 * kDay);
  v1::Milestone requested;
  requested.set_state(v1::Milestone::DONE);
  absl::StatusOr<v1::Milestone> now_done = ApplyMilestoneUpdate(
      plan.milestones(0), requested, {"state"}, FromProtoTime(plan.start_time()), kNow);
  ASSERT_OK(now_done);
  EXPECT_EQ(FromProtoTime(now_done->complete_time()), kNow);

  *requested.mutable_complete_time() = ToProtoTime(kNow - 9 * kDay);
  absl::StatusOr<v1::Milestone> past =
      ApplyMilestoneUpdate(plan.milestones(0), requested, {"state", "complete_time"},
                           FromProtoTime(plan.start_time()), kNow);
  ASSERT_OK(past);
  EXPECT_EQ(FromProtoTime(past->complete_time()), kNow - 9 * kDay);
}

TEST(LifecycleRulesTest, CompletionBeforeThePlanStartedIsRefused) {
  const v1::OnboardingPlan plan = DefaultPlan(kDay);
  v1::Milestone requested;
  requested.set_state(v1::Milestone::DONE);
  *requested.mutable_complete_time() = ToProtoTime(kNow - 2 * kDay);
  EXPECT_THAT(ApplyMilestoneUpdate(plan.milestones(0), requested, {"state", "complete_time"},
                                   FromProtoTime(plan.start_time()), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LifecycleRulesTest, LeavingDoneClearsTheCompleteTime) {
  const v1::OnboardingPlan plan = DefaultPlan(kDay);
  v1::Milestone done = plan.milestones(0);
  done.set_state(v1::Milestone::DONE);
  *done.mutable_complete_time() = ToProtoTime(kNow);
  v1::Milestone requested;
  requested.set_state(v1::Milestone::IN_PROGRESS);
  absl::StatusOr<v1::Milestone> reopened =
      ApplyMilestoneUpdate(done, requested, {"state"}, FromProtoTime(plan.start_time()), kNow);
  ASSERT_OK(reopened);
  EXPECT_FALSE(reopened->has_complete_time());
}

TEST(LifecycleRulesTest, CompleteTimeWithoutDoneIsRefused) {
  const v1::OnboardingPlan plan = DefaultPlan(kDay);
  v1::Milestone requested;
  *requested.mutable_complete_time() = ToProtoTime(kNow);
  EXPECT_THAT(ApplyMilestoneUpdate(plan.milestones(0), requested, {"complete_time"},
                                   FromProtoTime(plan.start_time()), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LifecycleRulesTest, GoalProgressWorksForRisingAndFallingMetricsAndClamps) {
  v1::SuccessGoal rising;
  rising.set_baseline(10);
  rising.set_target(20);
  rising.set_current_value(15);
  EXPECT_DOUBLE_EQ(GoalProgress(rising), 0.5);
  rising.set_current_value(25);
  EXPECT_DOUBLE_EQ(GoalProgress(rising), 1.0);
  rising.set_current_value(5);
  EXPECT_DOUBLE_EQ(GoalProgress(rising), 0.0);

  v1::SuccessGoal falling;  // e.g. minutes to first response
  falling.set_baseline(60);
  falling.set_target(20);
  falling.set_current_value(50);
  EXPECT_DOUBLE_EQ(GoalProgress(falling), 0.25);
}

TEST(LifecycleRulesTest, PlanProgressIsTheMeanOfItsGoals) {
  v1::SuccessPlan plan;
  v1::SuccessGoal* a = plan.add_goals();
  a->set_baseline(0);
  a->set_target(10);
  a->set_current_value(10);
  v1::SuccessGoal* b = plan.add_goals();
  b->set_baseline(0);
  b->set_target(10);
  b->set_current_value(0);
  plan.add_action_items()->set_done(true);
  plan.add_action_items();
  FillSuccessPlanProgress(plan);
  EXPECT_DOUBLE_EQ(plan.progress(), 0.5);
  EXPECT_TRUE(plan.goals(0).achieved());
  EXPECT_FALSE(plan.goals(1).achieved());
  EXPECT_EQ(plan.done_action_items(), 1);
}

TEST(LifecycleRulesTest, GoalsNeedATargetOtherThanTheBaseline) {
  v1::SuccessPlan plan;
  plan.set_title("Adoption");
  v1::SuccessGoal* goal = plan.add_goals();
  goal->set_title("More users");
  goal->set_metric("weekly active users");
  goal->set_baseline(5);
  goal->set_target(5);
  plan.add_action_items();
  FieldViolations violations;
  CheckSuccessPlan(plan, All, kNow, violations);
  EXPECT_THAT(ViolatedFields(violations),
              ElementsAre("success_plan.goals[0].target", "success_plan.action_items[0].title"));
}

TEST(LifecycleRulesTest, DoneActionItemsKeepTheirTimeOrGetNow) {
  v1::SuccessPlan plan;
  v1::ActionItem* kept = plan.add_action_items();
  kept->set_done(true);
  *kept->mutable_done_time() = ToProtoTime(kNow - kDay);
  plan.add_action_items()->set_done(true);
  v1::ActionItem* open = plan.add_action_items();
  *open->mutable_done_time() = ToProtoTime(kNow);
  StampActionItems(plan, kNow);
  EXPECT_EQ(FromProtoTime(plan.action_items(0).done_time()), kNow - kDay);
  EXPECT_EQ(FromProtoTime(plan.action_items(1).done_time()), kNow);
  EXPECT_FALSE(plan.action_items(2).has_done_time());
}

TEST(LifecycleRulesTest, RenewalNeedsADueTimeAndAmountsOfZeroOrMore) {
  v1::Renewal renewal;
  renewal.set_target_amount_minor(-1);
  renewal.set_forecast_amount_minor(-1);
  renewal.set_stage(static_cast<v1::Renewal::Stage>(99));
  FieldViolations violations;
  CheckRenewal(renewal, All, kNow, violations);
  EXPECT_THAT(ViolatedFields(violations),
              ElementsAre("renewal.due_time", "renewal.target_amount_minor",
                          "renewal.forecast_amount_minor", "renewal.stage"));
}

TEST(LifecycleRulesTest, RenewalDueInThePastIsHistoryButNotCenturiesAhead) {
  v1::Renewal renewal;
  *renewal.mutable_due_time() = ToProtoTime(kNow - 400 * kDay);
  FieldViolations violations;
  CheckRenewal(renewal, All, kNow, violations);
  EXPECT_TRUE(violations.empty());
  *renewal.mutable_due_time() = ToProtoTime(kNow + 20 * 365 * kDay);
  CheckRenewal(renewal, All, kNow, violations);
  EXPECT_THAT(ViolatedFields(violations), ElementsAre("renewal.due_time"));
}

TEST(LifecycleRulesTest, CloseAmountsMustFitTheOutcome) {
  v1::CloseRenewalRequest request;
  FieldViolations missing;
  CheckCloseRenewal(request, kNow, missing);
  EXPECT_THAT(ViolatedFields(missing), ElementsAre("outcome"));

  request.set_outcome(v1::Renewal::CHURNED);
  request.set_final_amount_minor(100);
  FieldViolations churned;
  CheckCloseRenewal(request, kNow, churned);
  EXPECT_THAT(ViolatedFields(churned), ElementsAre("final_amount_minor"));

  request.set_outcome(v1::Renewal::RENEWED);
  request.set_final_amount_minor(0);
  *request.mutable_close_time() = ToProtoTime(kNow + 2 * kDay);
  FieldViolations renewed;
  CheckCloseRenewal(request, kNow, renewed);
  EXPECT_THAT(ViolatedFields(renewed), ElementsAre("final_amount_minor", "close_time"));
}

TEST(LifecycleRulesTest, ClosingRecordsOutcomeAmountTimeAndNote) {
  v1::Renewal open;
  open.set_name("accounts/a/renewals/r");
  open.set_notes("Asked for a discount.");
  v1::CloseRenewalRequest request;
  request.set_outcome(v1::Renewal::RENEWED_WITH_CHANGES);
  request.set_final_amount_minor(90'000);
  *request.mutable_close_time() = ToProtoTime(kNow - kDay);
  request.set_note("Renewed at 10% less.");
  absl::StatusOr<v1::Renewal> closed = CloseRenewal(open, request, kNow);
  ASSERT_OK(closed);
  EXPECT_EQ(closed->outcome(), v1::Renewal::RENEWED_WITH_CHANGES);
  EXPECT_EQ(closed->final_amount_minor(), 90'000);
  EXPECT_EQ(FromProtoTime(closed->close_time()), kNow - kDay);
  EXPECT_EQ(closed->notes(), "Asked for a discount.\nRenewed at 10% less.");
}

TEST(LifecycleRulesTest, AClosedRenewalCannotBeClosedAgain) {
  v1::Renewal closed;
  closed.set_outcome(v1::Renewal::RENEWED);
  v1::CloseRenewalRequest request;
  request.set_outcome(v1::Renewal::CHURNED);
  EXPECT_THAT(CloseRenewal(closed, request, kNow), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(LifecycleRulesTest, RecordedTimesMayBePastButAtMostADayAhead) {
  FieldViolations violations;
  CheckRecordedTime("t", ToProtoTime(kNow - 5 * 365 * kDay), kNow, violations);
  CheckRecordedTime("t", ToProtoTime(kNow + absl::Hours(23)), kNow, violations);
  EXPECT_TRUE(violations.empty());
  CheckRecordedTime("ahead", ToProtoTime(kNow + absl::Hours(25)), kNow, violations);
  CheckRecordedTime("ancient", ToProtoTime(kNow - 11 * 366 * kDay), kNow, violations);
  EXPECT_THAT(ViolatedFields(violations), ElementsAre("ahead", "ancient"));
}

TEST(LifecycleRulesTest, NestedNamesAndListParentsAreParsed) {
  const std::string a = "01JABCDEFGHJKMNPQRSTVWXYZ0";
  const std::string r = "01JABCDEFGHJKMNPQRSTVWXYZ1";
  absl::StatusOr<std::vector<std::string>> ids =
      ParseNestedName("name", "accounts/" + a + "/renewals/" + r, {"accounts", "renewals"});
  ASSERT_OK(ids);
  EXPECT_THAT(*ids, ElementsAre(a, r));
  EXPECT_THAT(ParseNestedName("name", "accounts/" + a + "/plans/" + r, {"accounts", "renewals"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNestedName("name", "accounts/" + a, {"accounts", "renewals"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseListParent("accounts/-"), ::tandem::testing::IsOkAndHolds(std::string()));
  EXPECT_THAT(ParseListParent("accounts/" + a), ::tandem::testing::IsOkAndHolds(a));
  EXPECT_THAT(ParseListParent("tickets/-"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tandem::success
