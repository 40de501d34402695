// An independent, naive calculator of the revenue KPIs of KPIS.md, for
// tests to check Metrics against: it keeps the raw ledger (movements and
// segment changes, in feed order) and answers every question by replaying
// each account's MRR from the movement deltas. It shares no code with
// services/metrics (no rollups, no periods, no timelines): only the words
// of KPIS.md and measures.h.
#ifndef TANDEM_TESTS_TESTING_METRICS_REVENUE_ORACLE_H_
#define TANDEM_TESTS_TESTING_METRICS_REVENUE_ORACLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::testing {

// An account's segment as an event reports it.
struct OracleSegment {
  std::string tier;  // "HIGH_TOUCH"…, or empty
  std::string plan;
  std::string owner;
};

// One KPI as KPIS.md defines it, with what it is computed from.
struct OracleKpi {
  bool defined = false;
  double value = 0;
  double numerator = 0;
  double denominator = 0;
  int64_t sample_size = 0;
};

// One month of a cohort: its customers still active, and their MRR, at the
// month's end.
struct OracleCohortPoint {
  absl::CivilMonth month;
  int64_t active_customers = 0;
  int64_t mrr_minor = 0;
};

// The customers whose NEW movement fell in one month.
struct OracleCohort {
  absl::CivilMonth month;
  int64_t customers = 0;
  int64_t starting_mrr_minor = 0;
  std::vector<OracleCohortPoint> points;  // from `month` through the asked month
};

// Options that change a KPI.
struct OracleOptions {
  // Logo churn also counts customers who started and churned in the window.
  bool include_same_window_churn = false;
  // LTV's gross margin, 10000 = 100 %.
  int32_t gross_margin_basis_points = 10000;
};

class RevenueOracle {
 public:
  // Windows and cohort months are whole days of `zone`.
  explicit RevenueOracle(absl::TimeZone zone) : zone_(zone) {}

  // Records a movement of `account` effective at `time` (in feed order).
  // `delta_minor` is the requested change; a CHURN takes whatever MRR the
  // account has. `segment` is the account's segment after the movement.
  void AddMovement(const std::string& account, success::v1::MrrMovement::Type type,
                   int64_t delta_minor, absl::Time time, OracleSegment segment);
  // Records that `account`'s segment became `segment` at `time`.
  void AddSegmentChange(const std::string& account, absl::Time time, OracleSegment segment);

  // Every revenue KPI for the window of days `[start, end)`, for the
  // customers in segment `dimension` = `value` ("tier", "plan", "owner"; an
  // empty dimension for all), keyed by the catalog's ids
  // (logo_churn_rate, customer_retention_rate, gross_mrr_churn_rate,
  // net_mrr_churn_rate, grr, nrr, mrr, active_customers, arpa, ltv,
  // quick_ratio, expansion_rate_logo, expansion_rate_mrr).
  std::map<std::string, OracleKpi> Kpis(absl::CivilDay start, absl::CivilDay end,
                                        const std::string& dimension, const std::string& value,
                                        const OracleOptions& options = {}) const;

  // Cohorts of months `first`…`last`, each followed through `through`.
  std::vector<OracleCohort> Cohorts(absl::CivilMonth first, absl::CivilMonth last,
                                    absl::CivilMonth through) const;

 private:
  struct Record {
    absl::Time time;
    int64_t order = 0;  // feed order
    bool movement = false;
    success::v1::MrrMovement::Type type = success::v1::MrrMovement::TYPE_UNSPECIFIED;
    int64_t delta_minor = 0;
    OracleSegment segment;
  };
  // One account's records by time, ties in feed order, each movement with
  // the MRR before and after it as replayed.
  struct Replayed {
    const Record* record;
    int64_t mrr_before = 0;
    int64_t mrr_after = 0;
  };
  std::vector<Replayed> Replay(const std::vector<Record>& records) const;
  // The MRR of a replayed account just before `time`, and its segment then
  // (from its latest record before `time`; null if none).
  static int64_t MrrBefore(const std::vector<Replayed>& replayed, absl::Time time);
  static const OracleSegment* SegmentBefore(const std::vector<Replayed>& replayed, absl::Time time);
  static bool InSegment(const OracleSegment* segment, const std::string& dimension,
                        const std::string& value);

  absl::TimeZone zone_;
  int64_t next_order_ = 0;
  std::map<std::string, std::vector<Record>> accounts_;
};

// One event of a generated revenue history, as Success would publish it.
struct RevenueHistoryEvent {
  std::string subject;  // the account's or the movement's resource name
  std::shared_ptr<const google::protobuf::Message> payload;  // MrrMovementRecorded, TierChanged
                                                             // or AccountUpdated
  absl::Time occur_time;
};

// Knobs of a generated history.
struct RevenueHistoryOptions {
  int accounts = 30;
  // Days `[first_day, end_day)` of `zone` that movements fall in.
  absl::CivilDay first_day = absl::CivilDay(2025, 11, 1);
  absl::CivilDay end_day = absl::CivilDay(2027, 1, 1);
  absl::TimeZone zone = absl::UTCTimeZone();
};

// A random but valid revenue history, in the order Success would publish
// it: per account NEW first, then expansions, cross-sells, contractions
// (never to 0), churns (to 0) and reactivations (after a churn) in
// effective-time order, some at equal times and some at local midnight;
// tier changes caused by a movement (same time, right after it); and tier,
// plan and owner changes at times of their own, published between the
// movements regardless of their time (as when history is loaded later).
// Accounts interleave at random. Every event is also recorded in `oracle`,
// in the same order.
std::vector<RevenueHistoryEvent> RandomRevenueHistory(uint32_t seed,
                                                      const RevenueHistoryOptions& options,
                                                      RevenueOracle& oracle);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_METRICS_REVENUE_ORACLE_H_
