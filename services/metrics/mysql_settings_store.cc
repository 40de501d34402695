#include "services/metrics/mysql_settings_store.h"

#include "absl/strings/str_cat.h"
#include "common/mysql/sql_params.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::metrics {
namespace {

constexpr char kSelectSettings[] =
    "SELECT time_zone, gross_margin_bp, version, update_time FROM metric_settings "
    "WHERE tenant_id = ?";

v1::MetricSettings Defaults() {
  v1::MetricSettings settings;
  settings.set_time_zone(kDefaultMetricsTimeZone);
  settings.set_gross_margin_basis_points(kDefaultGrossMarginBasisPoints);
  return settings;
}

// The settings in `rows` (from kSelectSettings), or the defaults.
v1::MetricSettings SettingsFrom(const std::string& tenant, const std::vector<mysql::Row>& rows,
                                int64_t* version) {
  *version = 0;
  if (rows.empty()) return Defaults();
  v1::MetricSettings settings;
  settings.set_time_zone(rows[0].String(0));
  settings.set_gross_margin_basis_points(static_cast<int32_t>(rows[0].Int(1)));
  *version = rows[0].Int(2);
  settings.set_etag(EtagFor(tenant, *version));
  *settings.mutable_update_time() = ToProtoTime(rows[0].Time(3));
  return settings;
}

}  // namespace

absl::StatusOr<v1::MetricSettings> MysqlSettingsStore::Get(const std::string& tenant,
                                                           absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(kSelectSettings, {tenant}));
  int64_t version = 0;
  return SettingsFrom(tenant, rows, &version);
}

absl::StatusOr<v1::MetricSettings> MysqlSettingsStore::Update(
    const std::string& tenant, const v1::MetricSettings& settings,
    const google::protobuf::FieldMask& mask, absl::Time deadline) {
  v1::MetricSettings result;
  bool zone_changed = false;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows,
                         tx->Query(absl::StrCat(kSelectSettings, " FOR UPDATE"), {tenant}));
        int64_t version = 0;
        const v1::MetricSettings current = SettingsFrom(tenant, rows, &version);
        RETURN_IF_ERROR(CheckEtag(settings.etag(), current.etag()));
        result = current;
        for (const std::string& path : mask.paths()) {
          if (path == "time_zone") {
            result.set_time_zone(settings.time_zone());
          } else if (path == "gross_margin_basis_points") {
            result.set_gross_margin_basis_points(settings.gross_margin_basis_points());
          } else {
            return absl::InvalidArgumentError(
                absl::StrCat("update_mask: unknown settings field ", path));
          }
        }
        zone_changed = result.time_zone() != current.time_zone();
        // Stored to the microsecond: the time returned is the time read back.
        const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
        const std::vector<mysql::Value> params = {result.time_zone(),
                                                  int64_t{result.gross_margin_basis_points()},
                                                  version + 1, now, tenant};
        if (rows.empty()) {
          // A concurrent first update inserts too: one of the two fails with
          // a duplicate key, which the caller retries like a stale etag.
          // The cells are in the default zone until a rebuild commits.
          std::vector<mysql::Value> insert = params;
          insert.emplace_back(std::string(kDefaultMetricsTimeZone));
          absl::Status inserted =
              tx->Execute(
                    "INSERT INTO metric_settings (time_zone, gross_margin_bp, version, "
                    "update_time, tenant_id, effective_time_zone) VALUES (?, ?, ?, ?, ?, ?)",
                    insert)
                  .status();
          if (absl::IsAlreadyExists(inserted)) {
            return absl::AbortedError(
                "the settings changed concurrently; read them again and retry");
          }
          RETURN_IF_ERROR(inserted);
        } else {
          RETURN_IF_ERROR(tx->Execute("UPDATE metric_settings SET time_zone = ?, "
                                      "gross_margin_bp = ?, version = ?, update_time = ? "
                                      "WHERE tenant_id = ?",
                                      params)
                              .status());
        }
        result.set_etag(EtagFor(tenant, version + 1));
        *result.mutable_update_time() = ToProtoTime(now);
        return absl::OkStatus();
      }));
  if (zone_changed && on_time_zone_change_) on_time_zone_change_(tenant);
  return result;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> MysqlSettingsStore::TimeZones(
    mysql::Connection& db, const std::vector<std::string>& tenants) {
  absl::flat_hash_map<std::string, std::string> zones;
  if (tenants.empty()) return zones;
  const std::vector<mysql::Value> params(tenants.begin(), tenants.end());
  ASSIGN_OR_RETURN(auto rows,
                   db.Query(absl::StrCat("SELECT tenant_id, effective_time_zone "
                                         "FROM metric_settings "
                                         "WHERE tenant_id IN (",
                                         mysql::ParameterList(tenants.size()), ")"),
                            params));
  for (const mysql::Row& row : rows) zones[row.String(0)] = row.String(1);
  return zones;
}

absl::StatusOr<std::string> MysqlSettingsStore::EffectiveTimeZone(const std::string& tenant,
                                                                  absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query("SELECT effective_time_zone FROM metric_settings "
                                        "WHERE tenant_id = ?",
                                        {tenant}));
  if (rows.empty()) return std::string(kDefaultMetricsTimeZone);
  return rows[0].String(0);
}

absl::StatusOr<std::string> MysqlSettingsStore::RequestedTimeZone(mysql::Connection& db,
                                                                  const std::string& tenant) {
  ASSIGN_OR_RETURN(auto rows,
                   db.Query("SELECT time_zone FROM metric_settings WHERE tenant_id = ?", {tenant}));
  if (rows.empty()) return std::string(kDefaultMetricsTimeZone);
  return rows[0].String(0);
}

absl::Status MysqlSettingsStore::SetEffectiveTimeZone(mysql::Connection& db,
                                                      const std::string& tenant,
                                                      const std::string& zone) {
  return db
      .Execute("UPDATE metric_settings SET effective_time_zone = ? WHERE tenant_id = ?",
               {zone, tenant})
      .status();
}

}  // namespace tandem::metrics
