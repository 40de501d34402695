// The KPIs Metrics computes (../../shared/KPIS.md): for each one, the
// version of its definition this code implements, what it can be cut by,
// its options, the measures it reads and its formula over them.
//
// The words of each definition (display name, description, formula, unit,
// direction, alternatives) are data in `metric_definitions`
// (migrations/0005_metric_definitions.sql); this file holds the one formula
// per KPI and the version it implements, and CheckStoredDefinitions() makes
// sure the two agree before any figure is served.
//
// Formulas are pure: given the measures' cells for a window and segment
// (MeasureReadings) and the window, tenant settings and options
// (KpiContext), they return a KpiFigure. The manager reads the cells.
#ifndef TANDEM_SERVICES_METRICS_KPI_CATALOG_H_
#define TANDEM_SERVICES_METRICS_KPI_CATALOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/metrics/calendar.h"
#include "services/metrics/duration_digest.h"
#include "services/metrics/rollup.h"
#include "tandem/metrics/v1/metrics_service.pb.h"

namespace tandem::metrics {

// How a formula reads a measure for a window (see measures.h for kinds).
enum class Reading {
  // FLOW: summed over the window.
  kFlow = 0,
  // BALANCE: the value at the start of the window's first day.
  kBalanceAtStart = 1,
  // BALANCE: the value at the window's end.
  kBalanceAtEnd = 2,
  // WINDOW: as counted for the window itself.
  kWindow = 3,
};

// One measure a formula reads, and how.
struct MeasureNeed {
  Reading reading = Reading::kFlow;
  std::string measure;

  friend bool operator<(const MeasureNeed& a, const MeasureNeed& b) {
    return std::tie(a.reading, a.measure) < std::tie(b.reading, b.measure);
  }
  friend bool operator==(const MeasureNeed& a, const MeasureNeed& b) {
    return a.reading == b.reading && a.measure == b.measure;
  }
};

// The cells of the measures for one window and segment. A measure that was
// not set reads as an empty cell (nothing happened).
class MeasureReadings {
 public:
  void Set(Reading reading, const std::string& measure, Cell cell);
  // Adds `cell` to what is there.
  void Add(Reading reading, const std::string& measure, const Cell& cell);
  const Cell& Get(Reading reading, absl::string_view measure) const;

 private:
  std::map<std::pair<Reading, std::string>, Cell, std::less<>> cells_;
};

// What a formula needs besides the measures.
struct KpiContext {
  // The window the figure is for.
  Period window;
  // The tenant's gross margin (LTV), 10000 = 100 %.
  int32_t gross_margin_basis_points = 10000;
  // The tenant's key features (product adoption).
  std::vector<std::string> key_features;
  // The option values in force, defaults included (ResolveKpiOptions).
  std::map<std::string, std::string> options;
};

// A computed KPI before it becomes a v1::MetricValue.
struct KpiFigure {
  double value = 0;
  bool defined = true;
  std::string undefined_reason;
  double numerator = 0;
  double denominator = 0;
  int64_t sample_size = 0;
  // For duration KPIs: the durations' digest (milliseconds), summarised
  // into DurationStats. Points into the MeasureReadings the figure was
  // computed from (a year's digest is large; it is not copied), so it is
  // valid while they are.
  const DurationDigest* durations = nullptr;
};

// A choice a request may make (mirrors v1::MetricOption).
struct KpiOption {
  std::string name;
  // Values a request may give; empty when they depend on the tenant (the
  // `feature` option takes one of the tenant's key features).
  std::vector<std::string> allowed_values;
  // Used when a request gives none; empty means "not set".
  std::string default_value;
};

// One KPI as this code computes it.
struct KpiDefinition {
  // The id in `metricDefinitions/{id}`.
  std::string id;
  // The definition version the formula implements.
  int32_t version = 1;
  // `support` or `success`.
  std::string area;
  // The unit of KpiFigure::value.
  std::string unit;
  // Segment dimensions it accepts, in the order they are documented.
  std::vector<std::string> segment_dimensions;
  std::vector<KpiOption> options;
  // Whether GetDashboard shows it (every KPI but cohort retention, which
  // GetCohortRetention computes).
  bool on_dashboard = true;
  // The measures the formula reads under `context`.
  std::vector<MeasureNeed> (*needs)(const KpiContext& context) = nullptr;
  // The formula.
  KpiFigure (*compute)(const MeasureReadings& readings, const KpiContext& context) = nullptr;
};

// Every KPI, in definition order: the support KPIs, then the success ones.
const std::vector<KpiDefinition>& KpiCatalog();

// The KPI with `id`, or null.
const KpiDefinition* FindKpi(absl::string_view id);

// The id of a `metricDefinitions/{id}` name, or nullopt if `name` is not of
// that form.
std::optional<std::string> KpiIdOf(absl::string_view name);

// The options of a request in force for `kpi`: the requested values checked
// against the allowed ones (`key_features` for `feature`), plus the defaults
// of the rest. Unknown names and values are INVALID_ARGUMENT on
// `field_prefix` + "options" or + "options.<name>", listing what is allowed.
absl::StatusOr<std::map<std::string, std::string>> ResolveKpiOptions(
    const KpiDefinition& kpi, const google::protobuf::Map<std::string, std::string>& requested,
    const std::vector<std::string>& key_features, absl::string_view field_prefix = "");

// Checks a segment against the dimensions `kpi` accepts: OK for the whole
// tenant (both empty) or an accepted dimension with a value; otherwise
// INVALID_ARGUMENT on `field_prefix` + "segment.dimension" or
// "segment.value".
absl::Status CheckKpiSegment(const KpiDefinition& kpi, const v1::Segment& segment,
                             absl::string_view field_prefix = "");

// Checks that every KPI of the catalog is among `stored` with the version,
// area, segment dimensions and options this code implements. A mismatch is
// FAILED_PRECONDITION naming the definition.
absl::Status CheckStoredDefinitions(const std::vector<v1::MetricDefinition>& stored);

// Writes `figure` into `out` (value, defined, reason, numerator,
// denominator, sample size, unit, version and, for durations, the stats).
void FillMetricValue(const KpiDefinition& kpi, const KpiFigure& figure, v1::MetricValue& out);

// The median, mean and p90 of a non-empty digest of milliseconds.
v1::DurationStats DurationStatsOf(const DurationDigest& digest);

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_KPI_CATALOG_H_
