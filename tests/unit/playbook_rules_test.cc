#include "services/success/playbook_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"

namespace tandem::success {
namespace {

using Trigger = v1::Playbook::Trigger;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);
constexpr absl::Duration kDay = absl::Hours(24);

// A playbook with an action for every tier.
v1::Playbook PlaybookOf(Trigger::Type type, int32_t threshold = 0, int32_t within_days = 0) {
  v1::Playbook playbook;
  playbook.set_name("playbooks/01JABCDEFGHJKMNPQRSTVWXYZ0");
  playbook.set_display_name("Test playbook");
  playbook.mutable_trigger()->set_type(type);
  playbook.mutable_trigger()->set_threshold_percent(threshold);
  playbook.mutable_trigger()->set_within_days(within_days);
  playbook.mutable_high_touch()->set_type(v1::Cta::RISK);
  playbook.mutable_high_touch()->set_priority(v1::Cta::HIGH);
  playbook.mutable_high_touch()->set_due_in_days(3);
  playbook.mutable_low_touch()->set_program("Office hours");
  playbook.mutable_tech_touch()->set_template_id("check-in");
  return playbook;
}

// A healthy high-touch account with nothing going on, reviewed at kNow.
AccountSignals Quiet(v1::TouchTier tier = v1::HIGH_TOUCH) {
  AccountSignals signals;
  signals.as_of = kNow;
  signals.account.tenant = "acme";
  signals.account.account_id = "01JACCOUNT0000000000000000";
  signals.account.display_name = "Acme Corp";
  signals.account.owner = "csm-1";
  signals.account.plan = "pro";
  signals.account.tier = tier;
  signals.account.stage = v1::Account::ADOPTION;
  signals.account.seats_licensed = 10;
  return signals;
}

HealthChange Steady(v1::HealthBand band = v1::GREEN) {
  HealthChange health;
  health.previous_band = band;
  health.previous_score = 80;
  health.band = band;
  health.score = 80;
  return health;
}

std::vector<PlaybookFiring> Evaluate(const v1::Playbook& playbook, const AccountSignals& signals,
                                     const HealthChange& health = Steady()) {
  return EvaluatePlaybooks({playbook}, signals, health);
}

std::vector<std::string> Keys(const std::vector<PlaybookFiring>& firings) {
  std::vector<std::string> keys;
  for (const PlaybookFiring& firing : firings) keys.push_back(firing.occurrence_key);
  return keys;
}

std::vector<std::string> ViolatedFields(const FieldViolations& violations) {
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(violations.ToStatus())) fields.push_back(v.field);
  return fields;
}

// ---- HEALTH_BAND_DROPPED ----------------------------------------------------------

TEST(PlaybookRulesTest, HealthBandDroppedFiresWhenTheBandFalls) {
  HealthChange health = Steady();
  health.band = v1::YELLOW;
  health.score = 55;
  const auto firings = Evaluate(PlaybookOf(Trigger::HEALTH_BAND_DROPPED), Quiet(), health);
  ASSERT_THAT(firings, SizeIs(1));
  EXPECT_EQ(firings[0].reason, "Health fell from GREEN to YELLOW (score 80 to 55)");
  ASSERT_TRUE(firings[0].cta.has_value());
  EXPECT_EQ(firings[0].cta->type(), v1::Cta::RISK);
}

TEST(PlaybookRulesTest, HealthBandDroppedDoesNotFireWhenSteadyRisingOrFirstScored) {
  const v1::Playbook playbook = PlaybookOf(Trigger::HEALTH_BAND_DROPPED);
  EXPECT_THAT(Evaluate(playbook, Quiet(), Steady(v1::RED)), IsEmpty());
  HealthChange rising = Steady(v1::RED);
  rising.band = v1::GREEN;
  EXPECT_THAT(Evaluate(playbook, Quiet(), rising), IsEmpty());
  HealthChange first;
  first.band = v1::RED;
  EXPECT_THAT(Evaluate(playbook, Quiet(), first), IsEmpty());
}

TEST(PlaybookRulesTest, HealthBandDroppedIsOneOccurrencePerTransitionAndDay) {
  HealthChange health = Steady();
  health.band = v1::RED;
  const auto morning = Evaluate(PlaybookOf(Trigger::HEALTH_BAND_DROPPED), Quiet(), health);
  AccountSignals later = Quiet();
  later.as_of = kNow + absl::Minutes(5);
  const auto again = Evaluate(PlaybookOf(Trigger::HEALTH_BAND_DROPPED), later, health);
  EXPECT_EQ(Keys(morning), Keys(again));
  later.as_of = kNow + 3 * kDay;
  EXPECT_NE(Keys(morning), Keys(Evaluate(PlaybookOf(Trigger::HEALTH_BAND_DROPPED), later, health)));
}

// ---- USAGE_DROPPED ------------------------------------------------------------------

TEST(PlaybookRulesTest, UsageDroppedFiresAtTheThreshold) {
  AccountSignals signals = Quiet(v1::TECH_TOUCH);
  signals.usage.usage_prior_30d = 1000;
  signals.usage.usage_last_30d = 700;
  const auto firings = Evaluate(PlaybookOf(Trigger::USAGE_DROPPED, 30), signals);
  ASSERT_THAT(firings, SizeIs(1));
  EXPECT_EQ(firings[0].template_id, "check-in");
  EXPECT_EQ(firings[0].variables.at("usage_drop_percent"), "30");
  EXPECT_EQ(firings[0].variables.at("account_name"), "Acme Corp");
}

TEST(PlaybookRulesTest, UsageDroppedDoesNotFireBelowTheThresholdOrWithoutHistory) {
  AccountSignals signals = Quiet();
  signals.usage.usage_prior_30d = 1000;
  signals.usage.usage_last_30d = 701;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::USAGE_DROPPED, 30), signals), IsEmpty());
  signals.usage.usage_prior_30d = 0;
  signals.usage.usage_last_30d = 0;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::USAGE_DROPPED, 30), signals), IsEmpty());
}

TEST(PlaybookRulesTest, UsageDroppedFiresOncePerThirtyDayPeriod) {
  AccountSignals signals = Quiet();
  signals.usage.usage_prior_30d = 1000;
  signals.usage.usage_last_30d = 100;
  const auto first = Evaluate(PlaybookOf(Trigger::USAGE_DROPPED, 30), signals);
  signals.as_of = kNow + absl::Hours(1);
  EXPECT_EQ(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::USAGE_DROPPED, 30), signals)));
  signals.as_of = kNow + 31 * kDay;
  EXPECT_NE(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::USAGE_DROPPED, 30), signals)));
}

// ---- RENEWAL_DUE --------------------------------------------------------------------

TEST(PlaybookRulesTest, RenewalDueFiresWithinTheWindow) {
  AccountSignals signals = Quiet();
  signals.lifecycle.next_renewal_time = kNow + 90 * kDay;
  signals.lifecycle.next_renewal = "renewals/01JRENEWAL00000000000000000";
  const auto firings = Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 120), signals);
  ASSERT_THAT(firings, SizeIs(1));
  EXPECT_EQ(firings[0].occurrence_key, "renewal:renewals/01JRENEWAL00000000000000000:120d");
  EXPECT_EQ(firings[0].variables.at("days_to_renewal"), "90");
}

TEST(PlaybookRulesTest, RenewalDueUsesTheContractRenewalWithoutARenewalRecord) {
  AccountSignals signals = Quiet();
  signals.account.renewal_time = kNow + 60 * kDay;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 90), signals), SizeIs(1));
}

TEST(PlaybookRulesTest, RenewalDueDoesNotFireOutsideTheWindowOrForAPastRenewal) {
  AccountSignals signals = Quiet();
  signals.account.renewal_time = kNow + 200 * kDay;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 120), signals), IsEmpty());
  signals.account.renewal_time = kNow - kDay;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 120), signals), IsEmpty());
}

TEST(PlaybookRulesTest, RenewalDueFiresOncePerRenewal) {
  AccountSignals signals = Quiet();
  signals.account.renewal_time = kNow + 90 * kDay;
  const auto first = Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 120), signals);
  signals.as_of = kNow + 10 * kDay;  // the daily pass, ten days later
  EXPECT_EQ(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 120), signals)));
  signals.account.renewal_time = kNow + 455 * kDay;  // renewed: next year's
  signals.as_of = kNow + 365 * kDay;
  EXPECT_NE(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::RENEWAL_DUE, 0, 120), signals)));
}

// ---- NPS_DETRACTOR ------------------------------------------------------------------

TEST(PlaybookRulesTest, NpsDetractorFiresForARecentScoreOfSixOrLess) {
  AccountSignals signals = Quiet(v1::LOW_TOUCH);
  signals.engagement.latest_nps = 6;
  signals.engagement.latest_nps_time = kNow - kDay;
  signals.engagement.latest_nps_response = "npsResponses/01JNPS000000000000000000000";
  const auto firings = Evaluate(PlaybookOf(Trigger::NPS_DETRACTOR), signals);
  ASSERT_THAT(firings, SizeIs(1));
  EXPECT_EQ(firings[0].program, "Office hours");
  EXPECT_EQ(firings[0].occurrence_key, "nps:npsResponses/01JNPS000000000000000000000");
}

TEST(PlaybookRulesTest, NpsDetractorDoesNotFireForPassivesOrOldResponses) {
  AccountSignals signals = Quiet();
  signals.engagement.latest_nps = 7;
  signals.engagement.latest_nps_time = kNow - kDay;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::NPS_DETRACTOR), signals), IsEmpty());
  signals.engagement.latest_nps = 2;
  signals.engagement.latest_nps_time = kNow - 60 * kDay;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::NPS_DETRACTOR), signals), IsEmpty());
}

TEST(PlaybookRulesTest, NpsDetractorFiresOncePerResponse) {
  AccountSignals signals = Quiet();
  signals.engagement.latest_nps = 3;
  signals.engagement.latest_nps_time = kNow - kDay;
  signals.engagement.latest_nps_response = "npsResponses/A";
  const auto first = Evaluate(PlaybookOf(Trigger::NPS_DETRACTOR), signals);
  signals.as_of = kNow + kDay;
  EXPECT_EQ(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::NPS_DETRACTOR), signals)));
  signals.engagement.latest_nps_response = "npsResponses/B";
  EXPECT_NE(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::NPS_DETRACTOR), signals)));
}

// ---- COMPLAINT_OR_ESCALATION ----------------------------------------------------------

TEST(PlaybookRulesTest, ComplaintOrEscalationFiresOncePerTicket) {
  AccountSignals signals = Quiet();
  signals.support.last_complaint_time = kNow - absl::Hours(1);
  signals.support.last_complaint_ticket = "tickets/T1";
  signals.support.last_escalation_time = kNow - absl::Hours(2);
  signals.support.last_escalation_ticket = "tickets/T1";  // the same ticket
  const auto firings = Evaluate(PlaybookOf(Trigger::COMPLAINT_OR_ESCALATION), signals);
  EXPECT_THAT(Keys(firings), ElementsAre("support:tickets/T1"));
  signals.support.last_escalation_ticket = "tickets/T2";
  EXPECT_THAT(Keys(Evaluate(PlaybookOf(Trigger::COMPLAINT_OR_ESCALATION), signals)),
              ElementsAre("support:tickets/T1", "support:tickets/T2"));
}

TEST(PlaybookRulesTest, ComplaintOrEscalationDoesNotFireWithoutRecentOnes) {
  AccountSignals signals = Quiet();
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::COMPLAINT_OR_ESCALATION), signals), IsEmpty());
  signals.support.last_complaint_time = kNow - 45 * kDay;
  signals.support.last_complaint_ticket = "tickets/T1";
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::COMPLAINT_OR_ESCALATION), signals), IsEmpty());
}

// ---- SLA_BREACH_HIGH_TOUCH ------------------------------------------------------------

TEST(PlaybookRulesTest, SlaBreachFiresOnlyOnHighTouchAccountsOncePerTicket) {
  AccountSignals signals = Quiet(v1::HIGH_TOUCH);
  signals.support.last_sla_breach_time = kNow - absl::Hours(1);
  signals.support.last_sla_breach_ticket = "tickets/T9";
  const auto firings = Evaluate(PlaybookOf(Trigger::SLA_BREACH_HIGH_TOUCH), signals);
  EXPECT_THAT(Keys(firings), ElementsAre("sla_breach:tickets/T9"));
  signals.as_of = kNow + absl::Hours(5);
  EXPECT_EQ(Keys(firings), Keys(Evaluate(PlaybookOf(Trigger::SLA_BREACH_HIGH_TOUCH), signals)));
  signals.account.tier = v1::LOW_TOUCH;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::SLA_BREACH_HIGH_TOUCH), signals), IsEmpty());
}

// ---- SEAT_UTILIZATION_ABOVE -------------------------------------------------------------

TEST(PlaybookRulesTest, SeatUtilizationFiresOnGreenAccountsAtTheThreshold) {
  AccountSignals signals = Quiet();
  signals.usage.active_seat_ratio = 0.9;
  const auto firings = Evaluate(PlaybookOf(Trigger::SEAT_UTILIZATION_ABOVE, 90), signals);
  ASSERT_THAT(firings, SizeIs(1));
  EXPECT_EQ(firings[0].variables.at("seat_utilization_percent"), "90");
}

TEST(PlaybookRulesTest, SeatUtilizationDoesNotFireBelowTheThresholdOrOffGreen) {
  AccountSignals signals = Quiet();
  signals.usage.active_seat_ratio = 0.85;
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::SEAT_UTILIZATION_ABOVE, 90), signals), IsEmpty());
  signals.usage.active_seat_ratio = 1.0;
  EXPECT_THAT(
      Evaluate(PlaybookOf(Trigger::SEAT_UTILIZATION_ABOVE, 90), signals, Steady(v1::YELLOW)),
      IsEmpty());
}

TEST(PlaybookRulesTest, SeatUtilizationFallsBackToActiveUsersOverSeatsAndFiresOncePerQuarter) {
  AccountSignals signals = Quiet();
  signals.usage.active_users_30d = 10;  // of 10 seats
  const auto first = Evaluate(PlaybookOf(Trigger::SEAT_UTILIZATION_ABOVE, 90), signals);
  ASSERT_THAT(first, SizeIs(1));
  signals.as_of = kNow + kDay;
  EXPECT_EQ(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::SEAT_UTILIZATION_ABOVE, 90), signals)));
  signals.as_of = kNow + 91 * kDay;
  EXPECT_NE(Keys(first), Keys(Evaluate(PlaybookOf(Trigger::SEAT_UTILIZATION_ABOVE, 90), signals)));
}

// ---- MILESTONE_OVERDUE --------------------------------------------------------------------

TEST(PlaybookRulesTest, MilestoneOverdueFiresOncePerMilestone) {
  AccountSignals signals = Quiet();
  EXPECT_THAT(Evaluate(PlaybookOf(Trigger::MILESTONE_OVERDUE), signals), IsEmpty());
  signals.lifecycle.overdue_milestones = 2;
  signals.lifecycle.first_overdue_milestone = "onboardingPlans/P/milestones/M1";
  EXPECT_THAT(Keys(Evaluate(PlaybookOf(Trigger::MILESTONE_OVERDUE), signals)),
              ElementsAre("milestone:onboardingPlans/P/milestones/M1"));
  signals.lifecycle.first_overdue_milestone = "onboardingPlans/P/milestones/M2";
  EXPECT_THAT(Keys(Evaluate(PlaybookOf(Trigger::MILESTONE_OVERDUE), signals)),
              ElementsAre("milestone:onboardingPlans/P/milestones/M2"));
}

// ---- Tiers, churn, defaults ------------------------------------------------------------

TEST(PlaybookRulesTest, EachTierGetsItsOwnAction) {
  AccountSignals signals = Quiet();
  signals.lifecycle.overdue_milestones = 1;
  v1::Playbook playbook = PlaybookOf(Trigger::MILESTONE_OVERDUE);
  auto high = Evaluate(playbook, signals);
  ASSERT_THAT(high, SizeIs(1));
  EXPECT_TRUE(high[0].cta.has_value());
  signals.account.tier = v1::LOW_TOUCH;
  auto low = Evaluate(playbook, signals);
  ASSERT_THAT(low, SizeIs(1));
  EXPECT_FALSE(low[0].cta.has_value());
  EXPECT_EQ(low[0].program, "Office hours");
  signals.account.tier = v1::TECH_TOUCH;
  auto tech = Evaluate(playbook, signals);
  ASSERT_THAT(tech, SizeIs(1));
  EXPECT_EQ(tech[0].template_id, "check-in");
  playbook.clear_tech_touch();
  EXPECT_THAT(Evaluate(playbook, signals), IsEmpty());
}

TEST(PlaybookRulesTest, NothingFiresForChurnedAccountsOrDisabledPlaybooks) {
  AccountSignals signals = Quiet();
  signals.lifecycle.overdue_milestones = 1;
  v1::Playbook playbook = PlaybookOf(Trigger::MILESTONE_OVERDUE);
  playbook.set_disabled(true);
  EXPECT_THAT(Evaluate(playbook, signals), IsEmpty());
  playbook.set_disabled(false);
  signals.account.stage = v1::Account::CHURNED;
  EXPECT_THAT(Evaluate(playbook, signals), IsEmpty());
}

TEST(PlaybookRulesTest, DefaultPlaybooksAreValidAndCoverEveryTrigger) {
  std::set<int> triggers;
  for (const v1::Playbook& playbook : DefaultPlaybooks()) {
    FieldViolations violations;
    CheckPlaybookFields(
        playbook, [](absl::string_view) { return true; }, violations);
    EXPECT_TRUE(violations.empty())
        << playbook.display_name() << ": " << violations.ToStatus().message();
    EXPECT_TRUE(playbook.built_in());
    triggers.insert(playbook.trigger().type());
  }
  EXPECT_EQ(triggers.size(), 8u);
}

TEST(PlaybookRulesTest, ComplaintAndBandDropOnAHighTouchAccountAskForTheSameCtaType) {
  AccountSignals signals = Quiet();
  signals.support.last_complaint_time = kNow - absl::Hours(1);
  signals.support.last_complaint_ticket = "tickets/T1";
  signals.support.last_sla_breach_time = kNow - absl::Hours(1);
  signals.support.last_sla_breach_ticket = "tickets/T1";
  HealthChange health = Steady();
  health.band = v1::YELLOW;
  const auto firings = EvaluatePlaybooks(DefaultPlaybooks(), signals, health);
  ASSERT_THAT(firings, SizeIs(3));
  for (const PlaybookFiring& firing : firings) {
    ASSERT_TRUE(firing.cta.has_value());
    EXPECT_EQ(firing.cta->type(), v1::Cta::RISK) << firing.reason;
  }
}

// ---- Validation ----------------------------------------------------------------------

TEST(PlaybookRulesTest, CheckPlaybookFieldsNamesEachBadField) {
  auto all = [](absl::string_view) { return true; };
  v1::Playbook playbook;
  FieldViolations none;
  CheckPlaybookFields(playbook, all, none);
  EXPECT_THAT(ViolatedFields(none),
              ElementsAre("playbook.display_name", "playbook.trigger", "playbook.high_touch"));

  playbook = PlaybookOf(Trigger::USAGE_DROPPED, 0);
  FieldViolations threshold;
  CheckPlaybookFields(playbook, all, threshold);
  EXPECT_THAT(ViolatedFields(threshold), ElementsAre("playbook.trigger.threshold_percent"));

  playbook = PlaybookOf(Trigger::RENEWAL_DUE, 0, 0);
  FieldViolations days;
  CheckPlaybookFields(playbook, all, days);
  EXPECT_THAT(ViolatedFields(days), ElementsAre("playbook.trigger.within_days"));

  playbook = PlaybookOf(Trigger::SLA_BREACH_HIGH_TOUCH);
  FieldViolations tiers;
  CheckPlaybookFields(playbook, all, tiers);
  EXPECT_THAT(ViolatedFields(tiers), ElementsAre("playbook.low_touch", "playbook.tech_touch"));

  playbook = PlaybookOf(Trigger::NPS_DETRACTOR);
  playbook.mutable_tech_touch()->set_template_id("has spaces");
  playbook.mutable_high_touch()->set_type(v1::Cta::TYPE_UNSPECIFIED);
  playbook.mutable_high_touch()->set_due_in_days(400);
  FieldViolations actions;
  CheckPlaybookFields(playbook, all, actions);
  EXPECT_THAT(ViolatedFields(actions),
              ElementsAre("playbook.high_touch.type", "playbook.high_touch.due_in_days",
                          "playbook.tech_touch.template_id"));
}

// ---- CTAs and recipients ------------------------------------------------------------------

TEST(PlaybookRulesTest, SnoozedCtaReadsOpenOnceTheSnoozePasses) {
  v1::Cta cta;
  cta.set_status(v1::Cta::SNOOZED);
  *cta.mutable_snooze_until() = ToProtoTime(kNow + kDay);
  EXPECT_EQ(WithSnoozeExpired(cta, kNow).status(), v1::Cta::SNOOZED);
  const v1::Cta woken = WithSnoozeExpired(cta, kNow + 2 * kDay);
  EXPECT_EQ(woken.status(), v1::Cta::OPEN);
  EXPECT_FALSE(woken.has_snooze_until());
  EXPECT_TRUE(IsOpenCta(v1::Cta::SNOOZED));
  EXPECT_FALSE(IsOpenCta(v1::Cta::COMPLETED));
}

TEST(PlaybookRulesTest, MergeFiringAddsTheReasonAndOnlyRaisesUrgency) {
  v1::Cta cta;
  cta.set_priority(v1::Cta::HIGH);
  *cta.mutable_due_time() = ToProtoTime(kNow + kDay);
  v1::CtaReason reason;
  reason.set_text("complaint");
  EXPECT_THAT(MergeFiring(cta, reason, v1::Cta::MEDIUM, kNow + 5 * kDay), ElementsAre("reasons"));
  EXPECT_EQ(cta.priority(), v1::Cta::HIGH);
  EXPECT_THAT(MergeFiring(cta, reason, v1::Cta::URGENT, kNow + absl::Hours(1)),
              ElementsAre("reasons", "priority", "due_time"));
  EXPECT_EQ(cta.reasons_size(), 2);
  EXPECT_EQ(FromProtoTime(cta.due_time()), kNow + absl::Hours(1));
}

// A new reason wakes a snoozed CTA, so a fresh SLA breach is not hidden
// behind the owner's snooze of last week's complaint.
TEST(PlaybookRulesTest, MergeFiringWakesASnoozedCta) {
  v1::Cta cta;
  cta.set_status(v1::Cta::SNOOZED);
  cta.set_priority(v1::Cta::HIGH);
  *cta.mutable_snooze_until() = ToProtoTime(kNow + 7 * kDay);
  v1::CtaReason reason;
  reason.set_text("SLA breach");
  EXPECT_THAT(MergeFiring(cta, reason, v1::Cta::HIGH, std::nullopt),
              ElementsAre("reasons", "status", "snooze_until"));
  EXPECT_EQ(cta.status(), v1::Cta::OPEN);
  EXPECT_FALSE(cta.has_snooze_until());
}

TEST(PlaybookRulesTest, RecipientsPutChampionsFirstAndSkipContactsWithoutEmail) {
  const std::vector<OutreachContact> contacts = {
      {"C1", "User", "user@acme.test", "USER"},
      {"C2", "No mail", "", "CHAMPION"},
      {"C3", "Sponsor", "exec@acme.test", "EXECUTIVE_SPONSOR"},
      {"C4", "Champ", "champ@acme.test", "CHAMPION,USER"},
  };
  const auto recipients = ChooseRecipients("accounts/A", contacts);
  ASSERT_THAT(recipients, SizeIs(3));
  EXPECT_EQ(recipients[0].email(), "champ@acme.test");
  EXPECT_EQ(recipients[0].contact(), "accounts/A/contacts/C4");
  EXPECT_THAT(recipients[0].roles(), ElementsAre("CHAMPION", "USER"));
  EXPECT_EQ(recipients[1].email(), "exec@acme.test");
  EXPECT_EQ(recipients[2].email(), "user@acme.test");
  EXPECT_THAT(ChooseRecipients("accounts/A", contacts, 1), SizeIs(1));
}

}  // namespace
}  // namespace tandem::success
