// The revenue part of Metrics: one ledger timeline per account, kept from
// Success's MrrMovementRecorded, TierChanged and AccountUpdated events, and
// the pure function that turns a timeline into the Revenue measures of
// measures.h (MRR flows, the MRR and customer balance, cohorts, and the
// "customers active at the start" window measures).
//
// Why timelines and not running totals: Success lets a movement be dated in
// the past (history loaded from a billing system), and a segment change
// happens "now"; so an event may land in the middle of an account's history
// and change who was a start customer of an earlier period. Contributions
// are recomputed from the whole (short) timeline of each touched account,
// before and after, and only the difference reaches the rollups.
//
// AccountDeleted is not consumed: Success refuses to delete an account that
// has ever had revenue (it must be churned instead), so a deleted account's
// timeline holds no movement and contributes nothing; and were one ever
// deleted with revenue, rewriting closed periods' figures would be worse
// than keeping the ledger's history, which is what this part does.
#ifndef TANDEM_SERVICES_METRICS_REVENUE_FACTS_H_
#define TANDEM_SERVICES_METRICS_REVENUE_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/metrics/calendar.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/rollup.h"
#include "tandem/common/v1/event_feed.pb.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::metrics {

// One entry of an account's ledger timeline: an MRR movement, or a change
// of the account's segment (tier, plan or owner) that moves no MRR.
struct RevenueEntry {
  // The movement's id, or the id of the event that changed the segment:
  // what makes a repeated event a no-op.
  std::string key;
  // The movement's effective time, or the segment change's occur time
  // (microsecond precision, as stored).
  absl::Time time = absl::UnixEpoch();
  // The event's position in the Success feed: orders entries of equal time.
  int64_t feed_cursor = 0;
  // The movement's type; TYPE_UNSPECIFIED for a segment change.
  success::v1::MrrMovement::Type type = success::v1::MrrMovement::TYPE_UNSPECIFIED;
  // The movement's MRR change as the ledger stored it (minus the MRR before
  // for CHURN), and the MRR after it; both 0 for a segment change.
  int64_t mrr_delta_minor = 0;
  int64_t mrr_after_minor = 0;
  // The account's segment from this entry on: touch tier value name
  // ("HIGH_TOUCH"; empty when unspecified), plan and owner.
  std::string tier;
  std::string plan;
  std::string owner;

  bool is_movement() const { return type != success::v1::MrrMovement::TYPE_UNSPECIFIED; }
};

// An account's ledger timeline, kept in time order (ties in feed order).
class AccountTimeline {
 public:
  // Adds `entry` unless an entry with the same key is there (the same event
  // delivered again); returns whether it was added.
  bool Add(RevenueEntry entry);

  // The entries, oldest first; entries of equal time in feed order.
  const std::vector<RevenueEntry>& entries() const { return entries_; }

 private:
  std::vector<RevenueEntry> entries_;
};

// A timeline entry read from a consumed event, with whose timeline it is.
struct RevenueEvent {
  std::string tenant;
  std::string account_id;
  RevenueEntry entry;
};

// The timeline entry `event` adds, or nullopt when it adds none: an event
// of another type, an AccountUpdated that changed neither tier, plan nor
// owner, or a payload that does not parse (logged and skipped, so one bad
// event cannot stall the feed).
std::optional<RevenueEvent> RevenueEventOf(const tandem::common::v1::Event& event);

// Adds `sign` × the contributions of one account's timeline under `scheme`:
// - FLOW mrr_new / mrr_expansion (with CROSS_SELL) / mrr_contraction /
//   mrr_churn / mrr_reactivation (count 1, total the positive amount) in
//   the segment of the movement; mrr_new also under `cohort`.
// - BALANCE mrr (total MRR, count 1 while the MRR is above 0): each entry
//   takes the account's MRR and logo out of the segment it was in and puts
//   them in the segment it is in now; also under `cohort` (the tenant-local
//   month of the account's NEW, "2026-03").
// - WINDOW start_* and new_churned for every period of
//   `scheme.WindowPeriods` of each movement. A start customer of period P
//   was active (MRR > 0) before P's first day and has not churned since; its
//   measures go to its segment as of its latest entry before P. Distinct
//   customer counts are at most 1 per account and period. new_churned
//   counts an account whose spell began (NEW or REACTIVATION) inside P and
//   which churned inside P, in its segment at that (first such) churn.
// Days are the tenant's (`scheme.DayOf`), so an entry belongs to exactly
// the periods its rollup cells do.
void AddRevenueContributions(const AccountTimeline& timeline, const std::string& tenant,
                             const PeriodScheme& scheme, int sign, Contributions& out);

// Adds the contributions of `after` minus those of `before`, where `after`
// is `before` with entries added: what AddRevenueContributions(before, -1)
// and (after, +1) add, without recomputing what the added entries cannot
// change (the entries before the earliest added one, unless the cohort
// moved, and the periods that end before its day). Applying an event costs
// a few periods, not the account's whole history.
void AddRevenueContributionChange(const AccountTimeline& before, const AccountTimeline& after,
                                  const std::string& tenant, const PeriodScheme& scheme,
                                  Contributions& out);

// The revenue fact keeper (table `revenue_entries`).
class RevenueFacts final : public FactKeeper {
 public:
  RevenueFacts() = default;

  absl::string_view name() const override { return "revenue"; }
  bool Handles(const tandem::common::v1::Event& event) const override;

  // One locking read of the touched accounts' timelines (per tenant of the
  // page, by primary key), one multi-row insert of the entries that are
  // new, and the contribution change of each account whose timeline grew.
  // Expects one applier per tenant at a time (the feed consumer applies
  // pages in order; a rebuild holds the cursors): under READ COMMITTED the
  // read locks existing entries, not the gap a first entry goes into. A
  // concurrent insert of the same entry fails the page with ALREADY_EXISTS
  // rather than counting it twice.
  absl::Status ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                         const std::vector<const tandem::common::v1::Event*>& events,
                         Contributions& delta) override;
  // Loads the timelines of the accounts with a movement in the window (by
  // the entry-time index), in batches, and adds their window measures.
  absl::Status AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                 const PeriodScheme& scheme, absl::Time deadline,
                                 Contributions& out) override;
  absl::Status AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                   const PeriodScheme& scheme, absl::Time deadline,
                                   Contributions& out) override;
  absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant) override;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_REVENUE_FACTS_H_
