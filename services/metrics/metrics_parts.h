// The interfaces Metrics' query side is built on, besides rollups and fact
// keepers: tenant settings, rebuilds and key features.
#ifndef TANDEM_SERVICES_METRICS_METRICS_PARTS_H_
#define TANDEM_SERVICES_METRICS_METRICS_PARTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "tandem/metrics/v1/metrics_service.pb.h"

namespace tandem::metrics {

// Per-tenant settings (table `metric_settings`).
class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  // The tenant's settings; defaults (UTC, 10000 bp, no etag/update time)
  // when never set.
  virtual absl::StatusOr<v1::MetricSettings> Get(const std::string& tenant,
                                                 absl::Time deadline) = 0;
  // Applies the masked fields of `settings` (already validated) if `etag`
  // is empty or current (else ABORTED), and returns the result. A changed
  // time zone starts a rebuild of the tenant's rollups.
  virtual absl::StatusOr<v1::MetricSettings> Update(const std::string& tenant,
                                                    const v1::MetricSettings& settings,
                                                    const google::protobuf::FieldMask& mask,
                                                    absl::Time deadline) = 0;
};

// Replays the feeds into fresh rollups for one tenant, in the background.
class RebuildRunner {
 public:
  virtual ~RebuildRunner() = default;
  // Starts a rebuild of `tenant` (FAILED_PRECONDITION if one is running).
  virtual absl::StatusOr<v1::RollupRebuild> Start(const std::string& tenant) = 0;
  // The tenant's latest rebuild, if any.
  virtual absl::StatusOr<std::optional<v1::RollupRebuild>> Latest(const std::string& tenant,
                                                                 absl::Time deadline) = 0;
};

// The tenant's key features, as Success last announced them.
class KeyFeatureSource {
 public:
  virtual ~KeyFeatureSource() = default;
  virtual absl::StatusOr<std::vector<std::string>> KeyFeatures(const std::string& tenant,
                                                               absl::Time deadline) = 0;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_PARTS_H_
