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
  // time zone commits: its rollups must be rebuilt in the new zone. Until
  // that rebuild commits, the tenant's effective zone (see
  // EffectiveTimeZone) stays the old one, so the cells never mix zones.
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

  // The effective time zone of `tenant`: the one its rollup cells are in,
  // which the applier and the reads use. It differs from the requested
  // `time_zone` (what Get returns) from a change of zone until the rebuild
  // that re-derives the cells in the new zone commits; kDefaultMetricsTimeZone
  // when the tenant has no settings.
  absl::StatusOr<std::string> EffectiveTimeZone(const std::string& tenant, absl::Time deadline);

  // The effective time zone name of each of `tenants` that has settings,
  // read through `db` (the applier's transaction).
  static absl::StatusOr<absl::flat_hash_map<std::string, std::string>> TimeZones(
      mysql::Connection& db, const std::vector<std::string>& tenants);

  // The requested time zone of `tenant` (kDefaultMetricsTimeZone if it has
  // no settings), read through `db` (a rebuild's transaction).
  static absl::StatusOr<std::string> RequestedTimeZone(mysql::Connection& db,
                                                       const std::string& tenant);

  // Makes `zone` the effective time zone of `tenant`, through `db` (the
  // rebuild's transaction, which re-derived the cells in `zone`). A tenant
  // without settings is left as is (its effective zone is the default).
  static absl::Status SetEffectiveTimeZone(mysql::Connection& db, const std::string& tenant,
                                           const std::string& zone);

 private:
  mysql::Pool* pool_;
  const Clock* clock_;
  std::function<void(const std::string& tenant)> on_time_zone_change_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_MYSQL_SETTINGS_STORE_H_
