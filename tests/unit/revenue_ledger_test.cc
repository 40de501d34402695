// The revenue ledger's rules: which movement each account state allows
// and what it does to MRR and stage.
#include "services/success/revenue_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Type = v1::MrrMovement;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

v1::MrrMovement Movement(v1::MrrMovement::Type type, int64_t delta,
                         absl::Time effective = kNow - absl::Hours(1)) {
  v1::MrrMovement movement;
  movement.set_type(type);
  movement.set_mrr_delta_minor(delta);
  *movement.mutable_effective_time() = ToProtoTime(effective);
  return movement;
}

LedgerState Fresh() { return LedgerState{}; }

LedgerState Active(int64_t mrr) {
  LedgerState state;
  state.mrr_minor = mrr;
  state.stage = v1::Account::ADOPTION;
  state.has_movements = true;
  state.latest_effective_time = kNow - absl::Hours(48);
  return state;
}

LedgerState Churned() {
  LedgerState state = Active(0);
  state.stage = v1::Account::CHURNED;
  return state;
}

std::vector<std::string> FieldsOf(const v1::MrrMovement& movement) {
  FieldViolations violations;
  CheckMovementFields(movement, kNow, "mrr_movement", violations);
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(violations.ToStatus()))
    fields.push_back(v.field);
  return fields;
}

// NEW on an account that never had revenue sets its MRR and keeps its stage.
TEST(RevenueLedgerTest, NewOnFreshAccountSetsMrr) {
  ASSERT_OK_AND_ASSIGN(MovementOutcome outcome, ApplyMovement(Fresh(), Movement(Type::NEW, 100)));
  EXPECT_EQ(outcome.mrr_before_minor, 0);
  EXPECT_EQ(outcome.mrr_after_minor, 100);
  EXPECT_EQ(outcome.stage_after, v1::Account::ONBOARDING);
  EXPECT_FALSE(outcome.churned);
}

// NEW is refused once the account has any movement, even after churn.
TEST(RevenueLedgerTest, NewRefusedOnAccountWithHistory) {
  EXPECT_THAT(ApplyMovement(Active(100), Movement(Type::NEW, 50)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ApplyMovement(Churned(), Movement(Type::NEW, 50)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// EXPANSION and CROSS_SELL add to an active account's MRR.
TEST(RevenueLedgerTest, ExpansionAndCrossSellAddToActiveAccount) {
  ASSERT_OK_AND_ASSIGN(auto expansion, ApplyMovement(Active(100), Movement(Type::EXPANSION, 50)));
  EXPECT_EQ(expansion.mrr_after_minor, 150);
  ASSERT_OK_AND_ASSIGN(auto cross, ApplyMovement(Active(100), Movement(Type::CROSS_SELL, 30)));
  EXPECT_EQ(cross.mrr_after_minor, 130);
  EXPECT_EQ(cross.stage_after, v1::Account::ADOPTION);
}

// Expansion needs revenue to expand: refused before NEW and after churn.
TEST(RevenueLedgerTest, ExpansionRefusedWithoutRevenueOrAfterChurn) {
  auto fresh = ApplyMovement(Fresh(), Movement(Type::EXPANSION, 50));
  EXPECT_THAT(fresh, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(fresh.status().message(), HasSubstr("NEW"));
  auto churned = ApplyMovement(Churned(), Movement(Type::CROSS_SELL, 50));
  EXPECT_THAT(churned, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(churned.status().message(), HasSubstr("REACTIVATION"));
}

// CONTRACTION lowers the MRR but may not reach zero: that is churn.
TEST(RevenueLedgerTest, ContractionMustLeaveMrrAboveZero) {
  ASSERT_OK_AND_ASSIGN(auto partial, ApplyMovement(Active(100), Movement(Type::CONTRACTION, -40)));
  EXPECT_EQ(partial.mrr_after_minor, 60);
  auto to_zero = ApplyMovement(Active(100), Movement(Type::CONTRACTION, -100));
  EXPECT_THAT(to_zero, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(to_zero.status().message(), HasSubstr("CHURN"));
  EXPECT_THAT(ApplyMovement(Active(100), Movement(Type::CONTRACTION, -150)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ApplyMovement(Churned(), Movement(Type::CONTRACTION, -1)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// CHURN with delta 0 takes the whole MRR and marks the account CHURNED.
TEST(RevenueLedgerTest, ChurnTakesWholeMrrAndSetsChurned) {
  ASSERT_OK_AND_ASSIGN(auto outcome, ApplyMovement(Active(300), Movement(Type::CHURN, 0)));
  EXPECT_EQ(outcome.delta_minor, -300);
  EXPECT_EQ(outcome.mrr_after_minor, 0);
  EXPECT_EQ(outcome.stage_after, v1::Account::CHURNED);
  EXPECT_TRUE(outcome.churned);
  ASSERT_OK_AND_ASSIGN(auto exact, ApplyMovement(Active(300), Movement(Type::CHURN, -300)));
  EXPECT_EQ(exact.mrr_after_minor, 0);
}

// A CHURN delta that is not the whole MRR is refused (that is contraction).
TEST(RevenueLedgerTest, ChurnOfPartOfMrrRefused) {
  EXPECT_THAT(ApplyMovement(Active(300), Movement(Type::CHURN, -100)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A churned account cannot churn again, and one without revenue cannot churn.
TEST(RevenueLedgerTest, ChurnOfChurnedOrEmptyAccountRefused) {
  auto twice = ApplyMovement(Churned(), Movement(Type::CHURN, 0));
  EXPECT_THAT(twice, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(twice.status().message(), HasSubstr("already churned"));
  EXPECT_THAT(ApplyMovement(Fresh(), Movement(Type::CHURN, 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// REACTIVATION brings a churned account back to ADOPTION; only churned ones.
TEST(RevenueLedgerTest, ReactivationOnlyForChurnedAccount) {
  ASSERT_OK_AND_ASSIGN(auto outcome, ApplyMovement(Churned(), Movement(Type::REACTIVATION, 80)));
  EXPECT_EQ(outcome.mrr_after_minor, 80);
  EXPECT_EQ(outcome.stage_after, v1::Account::ADOPTION);
  EXPECT_TRUE(outcome.reactivated);
  EXPECT_THAT(ApplyMovement(Active(100), Movement(Type::REACTIVATION, 80)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ApplyMovement(Fresh(), Movement(Type::REACTIVATION, 80)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Movements are recorded oldest first: one dated before the latest is
// refused with both times named; the same time is fine.
TEST(RevenueLedgerTest, MovementBeforeLatestRefused) {
  LedgerState state = Active(100);
  auto earlier = ApplyMovement(
      state, Movement(Type::EXPANSION, 10, *state.latest_effective_time - absl::Seconds(1)));
  EXPECT_THAT(earlier, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(earlier.status().message(), HasSubstr("oldest first"));
  EXPECT_OK(ApplyMovement(state, Movement(Type::EXPANSION, 10, *state.latest_effective_time)));
}

// The sign of the delta must fit the type, before any state is looked at.
TEST(RevenueLedgerTest, DeltaSignMustFitType) {
  EXPECT_THAT(FieldsOf(Movement(Type::NEW, 0)),
              UnorderedElementsAre("mrr_movement.mrr_delta_minor"));
  EXPECT_THAT(FieldsOf(Movement(Type::EXPANSION, -5)),
              UnorderedElementsAre("mrr_movement.mrr_delta_minor"));
  EXPECT_THAT(FieldsOf(Movement(Type::REACTIVATION, 0)),
              UnorderedElementsAre("mrr_movement.mrr_delta_minor"));
  EXPECT_THAT(FieldsOf(Movement(Type::CONTRACTION, 5)),
              UnorderedElementsAre("mrr_movement.mrr_delta_minor"));
  EXPECT_THAT(FieldsOf(Movement(Type::CHURN, 5)),
              UnorderedElementsAre("mrr_movement.mrr_delta_minor"));
  EXPECT_THAT(FieldsOf(Movement(Type::CHURN, 0)), ::testing::IsEmpty());
  EXPECT_THAT(FieldsOf(Movement(Type::NEW, kMaxMrrMinor + 1)),
              UnorderedElementsAre("mrr_movement.mrr_delta_minor"));
}

// Type and effective time are required; history may be old but not before
// 2000, and at most a day ahead.
TEST(RevenueLedgerTest, EffectiveTimeBounded) {
  v1::MrrMovement movement = Movement(Type::TYPE_UNSPECIFIED, 10);
  movement.clear_effective_time();
  EXPECT_THAT(FieldsOf(movement),
              UnorderedElementsAre("mrr_movement.type", "mrr_movement.effective_time"));
  EXPECT_THAT(FieldsOf(Movement(Type::NEW, 10, kNow + absl::Hours(25))),
              UnorderedElementsAre("mrr_movement.effective_time"));
  EXPECT_THAT(FieldsOf(Movement(Type::NEW, 10, kNow + absl::Hours(23))), ::testing::IsEmpty());
  EXPECT_THAT(FieldsOf(Movement(Type::NEW, 10, absl::FromUnixSeconds(0))),
              UnorderedElementsAre("mrr_movement.effective_time"));
  EXPECT_THAT(FieldsOf(Movement(Type::NEW, 10, absl::FromUnixSeconds(1'000'000'000))),
              ::testing::IsEmpty());  // 2001: history is welcome
  v1::MrrMovement long_reason = Movement(Type::NEW, 10);
  long_reason.set_reason(std::string(501, 'x'));
  EXPECT_THAT(FieldsOf(long_reason), UnorderedElementsAre("mrr_movement.reason"));
}

// KPIS.md's worked example replays through the rules: A expands, B
// contracts, C churns, D starts, E starts and churns.
TEST(RevenueLedgerTest, WorkedExampleReplays) {
  auto apply = [](LedgerState& state, v1::MrrMovement::Type type, int64_t delta) {
    auto outcome = ApplyMovement(state, Movement(type, delta));
    EXPECT_OK(outcome);
    if (!outcome.ok()) return;
    state.mrr_minor = outcome->mrr_after_minor;
    state.stage = outcome->stage_after;
    state.has_movements = true;
  };
  LedgerState a = Fresh(), b = Fresh(), c = Fresh(), d = Fresh(), e = Fresh();
  apply(a, Type::NEW, 100);
  apply(b, Type::NEW, 200);
  apply(c, Type::NEW, 300);
  apply(a, Type::EXPANSION, 50);
  apply(b, Type::CONTRACTION, -50);
  apply(c, Type::CHURN, 0);
  apply(d, Type::NEW, 400);
  apply(e, Type::NEW, 100);
  apply(e, Type::CHURN, 0);
  EXPECT_EQ(a.mrr_minor + b.mrr_minor + c.mrr_minor + d.mrr_minor + e.mrr_minor, 150 + 150 + 400);
  EXPECT_EQ(c.stage, v1::Account::CHURNED);
  EXPECT_EQ(e.stage, v1::Account::CHURNED);
}

}  // namespace
}  // namespace tandem::success
