// An independent, naive calculator of the support KPIs of KPIS.md (as the
// stored definitions word them), for tests to check Metrics against. It
// keeps every raw Support event in feed order and answers each question by
// walking each ticket's own events: no facts, no rollups, no periods, and
// no code shared with services/metrics.
#ifndef TANDEM_TESTS_TESTING_METRICS_SUPPORT_ORACLE_H_
#define TANDEM_TESTS_TESTING_METRICS_SUPPORT_ORACLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tandem/common/v1/event_feed.pb.h"

namespace tandem::testing {

// One support KPI as KPIS.md defines it, with what it is computed from.
// Durations are in seconds, like the KPIs' unit.
struct OracleSupportKpi {
  bool defined = false;
  double value = 0;
  double numerator = 0;
  double denominator = 0;
  int64_t sample_size = 0;
  // For the duration KPIs: every duration in milliseconds, ascending, and
  // the exact median, mean and p90 (type 7) in milliseconds.
  std::vector<int64_t> durations_ms;
  double median_ms = 0;
  double mean_ms = 0;
  double p90_ms = 0;
};

class SupportOracle {
 public:
  // Windows are whole days of `zone`.
  explicit SupportOracle(absl::TimeZone zone) : zone_(zone) {}

  // Records one Support feed event (ticket events and ArticleViewed), in
  // feed order. Each event must be given once.
  void Add(const tandem::common::v1::Event& event);

  // Every support KPI for the days `[start, end)`, for the tickets whose
  // current `dimension` ("channel", "priority", "type", "group") is `value`
  // (all tickets when `dimension` is empty), keyed by the catalog's ids:
  // first_response_time, first_response_time_business, resolution_time,
  // resolution_time_business, first_resolution_time, csat, fcr,
  // ticket_volume, backlog, sla_attainment_first_response,
  // sla_attainment_next_response, sla_attainment_resolution,
  // escalation_rate, reopen_rate, self_service_ratio.
  std::map<std::string, OracleSupportKpi> Compute(absl::CivilDay start, absl::CivilDay end,
                                                  const std::string& dimension = "",
                                                  const std::string& value = "") const;

  // The exact type-7 quantile of ascending `values`.
  static double Quantile(const std::vector<int64_t>& values, double q);

 private:
  absl::TimeZone zone_;
  std::vector<tandem::common::v1::Event> events_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_METRICS_SUPPORT_ORACLE_H_
