// What `tandemctl metrics ...` prints and parses, apart from the calls so it
// is tested without a server: KPI values in their units, durations as
// "1h 23m 05s", numerator / denominator, windows, segments and options, and
// the gross margin as a percentage.
#ifndef TANDEM_TOOLS_TANDEMCTL_METRICS_FORMAT_H_
#define TANDEM_TOOLS_TANDEMCTL_METRICS_FORMAT_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tandem/metrics/v1/metrics_service.pb.h"

namespace tandem::ctl {

// Returns whole seconds for people: "45s", "2m 05s", "1h 23m 05s", and
// from a day on "2d 03h 10m". Rounds to the nearest second.
std::string FormatSeconds(double seconds);

// Returns a number for people with thousands separators and at most
// `decimals` decimals, trailing zeros dropped: 1234 -> "1,234",
// 33.333 -> "33.33", -0.5 -> "-0.5".
std::string FormatNumber(double value, int decimals = 2);

// Returns a KPI's value in its unit: "33.3 %", "1h 23m 05s" (seconds),
// "12.5 days", "1,234" (count), "1.22" (ratio), "1,200.00" (minor units
// shown as major units with two decimals), "+20.0" (score), "55.0"
// (points); "undefined" when it is not defined.
std::string FormatKpiValue(const metrics::v1::MetricValue& value);

// Returns "numerator / denominator" ("1 / 3"; durations as total time /
// count); "-" for plain counts and amounts, whose denominator is 1.
std::string FormatKpiFraction(const metrics::v1::MetricValue& value);

// Returns what else a reader needs: for durations "mean ..., p90 ..."
// (with "±0.78 %" when approximate), for an undefined value its reason.
std::string FormatKpiNote(const metrics::v1::MetricValue& value);

// Returns the KPI id of `metricDefinitions/{id}` ("csat").
std::string KpiId(absl::string_view metric);

// Parses --window: a calendar period ("2026-10", "2026-W41", "2026-Q4",
// "2026", "2026-10-05") or "START..END" dates (end exclusive).
absl::StatusOr<metrics::v1::Window> ParseWindowFlag(absl::string_view text);

// Returns a window for people: "2026-10 (2026-10-01 .. 2026-11-01)".
std::string FormatWindow(const metrics::v1::Window& window);

// Parses "name=value" (a segment or an option); `what` names it in errors.
absl::StatusOr<std::pair<std::string, std::string>> ParseAssignment(absl::string_view text,
                                                                    absl::string_view what);

// Parses a gross margin given as a percentage ("80%", "80", "72.5 %") into
// basis points (8000); INVALID_ARGUMENT outside (0, 100] or with more than
// two decimals.
absl::StatusOr<int32_t> ParseGrossMargin(absl::string_view text);

// Returns basis points as a percentage: 8000 -> "80 %", 7250 -> "72.5 %".
std::string FormatGrossMargin(int32_t basis_points);

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_METRICS_FORMAT_H_
