// The "other success" facts of Metrics — NPS answers, renewals, completed
// onboardings, account health timelines, daily product usage and the
// tenant's key features — kept from Success's event feed, and their
// contributions to the measures of measures.h's "Other success" section.
//
// Definitions (what the KPI formulas and README rely on):
// - NPS: per respondent (the answer's contact; an answer without a contact
//   is its own respondent) and calendar period, the latest answer in the
//   period (by response time, then name) counts once, in the segment of
//   that answer's account snapshot. Promoters score 9-10, detractors 0-6.
// - Renewals count at their due time (tenant day and month), in the
//   segment of the latest renewal event's account snapshot: every renewal
//   due (total = target), those closed (won or churned; total = target),
//   their final amounts, and those won (RENEWED or RENEWED_WITH_CHANGES).
//   An open renewal due in a window counts as due, not won.
// - Time to value: each onboarding plan that ended COMPLETED, from the
//   plan's start (Success's "contract start": `start_time`, which may be
//   back-dated) to its completion (`end_time`), counted at the completion.
//   Cancelled plans do not count. (Success's own `time_to_value` stops at
//   the first-value milestone; KPIS.md's KPI runs to completion.)
// - Health: an account is in the distribution while it has a score, is not
//   CHURNED (a StageChanged to CHURNED takes it out at the change time; one
//   from CHURNED puts it back with its last score) and is not deleted
//   (AccountDeleted takes it out for good). Its band, score and segment are
//   the latest HealthChanged's, the segment moved on by later StageChanged,
//   TierChanged and AccountUpdated (owner/plan/tier) snapshots.
// - Usage: Success reports each account's usage per UTC day D; the day
//   counts in the tenant periods containing the calendar date D (the same
//   date in the tenant's zone, not the tenant day holding D 00:00 UTC, which
//   for a zone behind UTC is the day before). Per account and
//   period: "active" (usage_accounts) when it has any usage day, each
//   feature used on any day (feature_accounts:F), and the seat ratio =
//   the period's peak daily active users ÷ the seats licensed on its latest
//   usage day (accounts whose latest seats are 0, i.e. unknown, are left
//   out of the ratio); segment from the latest usage day's snapshot.
// - Key features: the list Success last announced (KeyFeaturesUpdated).
#ifndef TANDEM_SERVICES_METRICS_SUCCESS_FACTS_H_
#define TANDEM_SERVICES_METRICS_SUCCESS_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/mysql/pool.h"
#include "services/metrics/calendar.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/metrics_parts.h"
#include "services/metrics/rollup.h"
#include "tandem/common/v1/event_feed.pb.h"

namespace tandem::metrics {

// The facts and their pure contribution rules, apart from storage so they
// are unit-tested on hand-made facts.
namespace success_facts {

// An account's segment as an event saw it: the TouchTier value name (empty
// when unspecified), plan and owner.
struct AccountSegment {
  std::string tier;
  std::string plan;
  std::string owner;

  Segments ToSegments() const;
  friend bool operator==(const AccountSegment& a, const AccountSegment& b) {
    return a.tier == b.tier && a.plan == b.plan && a.owner == b.owner;
  }
  friend bool operator!=(const AccountSegment& a, const AccountSegment& b) { return !(a == b); }
};

// One NPS answer (answers never change once recorded).
struct NpsAnswer {
  std::string name;        // accounts/{a}/npsResponses/{r}
  std::string respondent;  // the contact's name, or `name` without one
  int score = 0;
  absl::Time time;  // when the customer answered
  AccountSegment segment;
};

// Adds `sign` × the NPS contributions of one respondent's answers.
void AddRespondentNps(const std::string& tenant, const PeriodScheme& scheme,
                      const std::vector<NpsAnswer>& answers, int sign, Contributions& out);

// A renewal as its latest event described it.
struct RenewalFact {
  std::string name;    // accounts/{a}/renewals/{r}
  int64_t cursor = 0;  // feed cursor of the event it was last taken from
  absl::Time due_time;
  int64_t target_minor = 0;
  int64_t final_minor = 0;
  int outcome = 0;  // tandem.success.v1.Renewal.Outcome; 0 while open
  AccountSegment segment;
};

// Adds `sign` × one renewal's contributions.
void AddRenewal(const std::string& tenant, const PeriodScheme& scheme, const RenewalFact& renewal,
                int sign, Contributions& out);

// An onboarding plan that ended COMPLETED.
struct OnboardingFact {
  std::string name;  // accounts/{a}/onboardingPlans/{p}
  int64_t cursor = 0;
  absl::Time start_time;
  absl::Time complete_time;
  AccountSegment segment;
};

// Adds `sign` × one completed onboarding's time to value.
void AddOnboarding(const std::string& tenant, const PeriodScheme& scheme,
                   const OnboardingFact& onboarding, int sign, Contributions& out);

// What one event did to an account's place in the health distribution.
enum class HealthEntryKind : int {
  kScored = 1,    // HealthChanged: new score and band
  kSegment = 2,   // TierChanged / AccountUpdated / other stage moves
  kChurned = 3,   // StageChanged to CHURNED
  kReturned = 4,  // StageChanged from CHURNED
  kDeleted = 5,   // AccountDeleted
};

// One entry of an account's health timeline. Every entry carries the
// account's segment at its time.
struct HealthEntry {
  int64_t cursor = 0;
  absl::Time time;
  HealthEntryKind kind = HealthEntryKind::kSegment;
  int score = 0;  // kScored only
  int band = 0;   // kScored only: tandem.success.v1.HealthBand
  AccountSegment segment;
};

// Timeline order: by time, then feed order.
bool HealthEntryBefore(const HealthEntry& a, const HealthEntry& b);

// An account's health state after a prefix of its timeline.
struct HealthState {
  bool scored = false;
  int score = 0;
  int band = 0;
  bool churned = false;
  bool deleted = false;
  AccountSegment segment;

  // Whether the account is in the distribution.
  bool counted() const { return scored && !churned && !deleted; }
  // The state after `entry`.
  HealthState After(const HealthEntry& entry) const;
  friend bool operator==(const HealthState& a, const HealthState& b) {
    return a.scored == b.scored && a.score == b.score && a.band == b.band &&
           a.churned == b.churned && a.deleted == b.deleted && a.segment == b.segment;
  }
};

// Adds `sign` × the balance deltas of `entries` (in timeline order) applied
// one after another from `start`, and returns the final state. From a
// default state over a whole timeline this is the account's contribution.
HealthState AddHealthTimeline(const std::string& tenant, const PeriodScheme& scheme,
                              const HealthState& start, const std::vector<HealthEntry>& entries,
                              int sign, Contributions& out);

// An account's usage on one UTC day, as the day's latest UsageRolledUp
// described it.
struct UsageDay {
  absl::CivilDay day;  // UTC
  int64_t cursor = 0;
  int active_users = 0;
  int seats = 0;                      // licensed; 0 when unknown
  std::vector<std::string> features;  // distinct, sorted
  AccountSegment segment;
};

// Adds `sign` × the WINDOW contributions of one account's usage days.
// Every period that contains one of `days` gets the contribution of the
// days given: to change one day, pass every day of the periods holding it.
void AddAccountUsage(const std::string& tenant, const PeriodScheme& scheme,
                     const std::vector<UsageDay>& days, int sign, Contributions& out);

// Adds the change of one account's usage contributions when its days
// `before` become `after` by changing (or adding) `changed` days: the same
// cells as AddAccountUsage(after) minus AddAccountUsage(before), computed
// only for the periods holding a changed day, and only where the account's
// figures in a period moved.
void AddAccountUsageChange(const std::string& tenant, const PeriodScheme& scheme,
                           const std::vector<UsageDay>& before, const std::vector<UsageDay>& after,
                           const std::vector<absl::CivilDay>& changed, Contributions& out);

// An account's usage in one period over the days a change leaves alone:
// its peak daily active users, its latest such day's seats and segment, and
// every feature used on any of them.
struct UsageSummary {
  absl::CivilDay latest_day;
  int peak_active_users = 0;
  int latest_seats = 0;
  std::vector<std::string> features;
  AccountSegment segment;
};

// Adds the change of one account's contribution in the calendar or window
// period `period` when its days `before` become `after` (the changed days,
// as they were and as they are; those outside `period` are ignored), with
// `rest` the summary of its other days in `period` (nullopt when none).
// Equals AddAccountUsageChange restricted to `period`, without reading the
// period's other days one by one.
void AddAccountUsagePeriodChange(const std::string& tenant, const Period& period,
                                 const std::optional<UsageSummary>& rest,
                                 const std::vector<UsageDay>& before,
                                 const std::vector<UsageDay>& after, Contributions& out);

// Reads an event's facts. Each returns nullopt for an event of another type
// (or, for OnboardingEnded, a plan that was not completed).
std::optional<NpsAnswer> NpsAnswerOf(const tandem::common::v1::Event& event);
std::optional<RenewalFact> RenewalOf(const tandem::common::v1::Event& event);
std::optional<OnboardingFact> OnboardingOf(const tandem::common::v1::Event& event);
// The account (`accounts/{a}`) and health entry of a health-relevant event;
// nullopt for an AccountUpdated that did not touch tier, plan or owner.
std::optional<std::pair<std::string, HealthEntry>> HealthEntryOf(
    const tandem::common::v1::Event& event);
// The account and usage day of a UsageRolledUp.
std::optional<std::pair<std::string, UsageDay>> UsageDayOf(const tandem::common::v1::Event& event);
// The features of a KeyFeaturesUpdated.
std::optional<std::vector<std::string>> KeyFeaturesOf(const tandem::common::v1::Event& event);

}  // namespace success_facts

// Keeps the facts above in the tables of migrations/0030_success_facts.sql.
// Each page reads the touched facts of each kind with one locking SELECT
// (an account's health head rather than its history, unless an entry is
// back-dated or repeated; for usage, the page's days, plus per touched
// week, month, quarter and year a GROUP BY summary of the accounts' other
// days) and writes them back with one multi-row upsert.
// A fact taken from a snapshot event keeps the feed cursor of that event,
// so an older or repeated event never overwrites a newer one.
class SuccessFacts final : public FactKeeper, public KeyFeatureSource {
 public:
  // `pool` serves KeyFeatures() reads, outside any page.
  explicit SuccessFacts(mysql::Pool* pool) : pool_(pool) {}

  absl::string_view name() const override { return "success"; }
  bool Handles(const tandem::common::v1::Event& event) const override;
  absl::Status ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                         const std::vector<const tandem::common::v1::Event*>& events,
                         Contributions& delta) override;
  absl::Status AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                 const PeriodScheme& scheme, absl::Time deadline,
                                 Contributions& out) override;
  absl::Status AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                   const PeriodScheme& scheme, absl::Time deadline,
                                   Contributions& out) override;
  absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant) override;

  // The tenant's key features as Success last announced them (sorted;
  // empty until announced).
  absl::StatusOr<std::vector<std::string>> KeyFeatures(const std::string& tenant,
                                                       absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_SUCCESS_FACTS_H_
