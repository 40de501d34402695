// Per-tenant Metrics settings in MySQL (table `metric_settings`).
#ifndef TANDEM_SERVICES_METRICS_MYSQL_SETTINGS_STORE_H_
#define TANDEM_SERVICES_METRICS_MYSQL_SETTINGS_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"
#include "common/mysql/connection.h"
#include "common/mysql/pool.h"
#include "services/metrics/metrics_parts.h"

namespace tandem::metrics {

// The zone tenants' periods follow when they never set one.
inline constexpr char kDefaultMetricsTimeZone[] = "UTC";
// The gross margin LTV uses when a tenant never set one (100 %).
inline constexpr int32_t kDefaultGrossMarginBasisPoints = 10000;

class MysqlSettingsStore final : public SettingsStore {
 public:
  // `on_time_zone_change` is called with the tenant after a change of its
  // time zone commits: its rollups must be rebuilt in the new zone.
  MysqlSettingsStore(mysql::Pool* pool, const Clock* clock,
                     std::function<void(const std::string& tenant)> on_time_zone_change)
      : pool_(pool), clock_(clock), on_time_zone_change_(std::move(on_time_zone_change)) {}

  absl::StatusOr<v1::MetricSettings> Get(const std::string& tenant, absl::Time deadline) override;
  // The etag is the tenant's settings version; the row is locked while the
  // change is decided, so two concurrent updates with one etag cannot both
  // succeed.
  absl::StatusOr<v1::MetricSettings> Update(const std::string& tenant,
                                            const v1::MetricSettings& settings,
                                            const google::protobuf::FieldMask& mask,
                                            absl::Time deadline) override;

  // The stored time zone name of each of `tenants` that set one, read
  // through `db` (the applier's transaction).
  static absl::StatusOr<absl::flat_hash_map<std::string, std::string>> TimeZones(
      mysql::Connection& db, const std::vector<std::string>& tenants);

 private:
  mysql::Pool* pool_;
  const Clock* clock_;
  std::function<void(const std::string& tenant)> on_time_zone_change_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_MYSQL_SETTINGS_STORE_H_
