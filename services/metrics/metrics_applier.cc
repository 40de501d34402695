#include "services/metrics/metrics_applier.h"

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/status.h"
#include "services/metrics/mysql_settings_store.h"

namespace tandem::metrics {
namespace {

using tandem::common::v1::Event;

// A page that takes longer is logged at info level with where its time
// went (every page is, at debug level).
constexpr absl::Duration kSlowPage = absl::Seconds(2);

// The schemes of a page's tenants.
class PageSchemes final : public TenantSchemes {
 public:
  explicit PageSchemes(const PeriodScheme* fallback) : fallback_(fallback) {}
  void Set(const std::string& tenant, const PeriodScheme* scheme) { schemes_[tenant] = scheme; }
  const PeriodScheme& For(const std::string& tenant) const override {
    auto it = schemes_.find(tenant);
    return it == schemes_.end() ? *fallback_ : *it->second;
  }

 private:
  const PeriodScheme* fallback_;
  absl::flat_hash_map<std::string, const PeriodScheme*> schemes_;
};

}  // namespace

absl::Status MetricsApplier::Apply(mysql::Transaction& tx, const Event& event) {
  return ApplyBatch(tx, {&event});
}

const PeriodScheme& MetricsApplier::SchemeFor(const std::string& zone_name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& scheme = schemes_[zone_name];
  if (scheme == nullptr) {
    absl::TimeZone zone;
    // Zones are validated when set; one the system no longer knows reads as
    // UTC rather than stopping the feed (the reads do the same).
    if (!absl::LoadTimeZone(zone_name, &zone)) {
      logging::Warn("a tenant's stored metrics time zone cannot be loaded; applying in UTC",
                    {{"time_zone", zone_name}});
      zone = absl::UTCTimeZone();
    }
    scheme = std::make_unique<PeriodScheme>(PeriodScheme::Calendar(zone));
  }
  return *scheme;
}

absl::Status MetricsApplier::ApplyBatch(mysql::Transaction& tx,
                                        const std::vector<const Event*>& events) {
  return ApplyWithZones(tx, events, {});
}

absl::Status MetricsApplier::ApplyBatchInZone(mysql::Transaction& tx,
                                              const std::vector<const Event*>& events,
                                              const std::string& tenant,
                                              const std::string& zone_name) {
  return ApplyWithZones(tx, events, {{tenant, zone_name}});
}

absl::Status MetricsApplier::ApplyWithZones(
    mysql::Transaction& tx, const std::vector<const Event*>& events,
    const absl::flat_hash_map<std::string, std::string>& overrides) {
  if (events.empty()) return absl::OkStatus();
  absl::btree_set<std::string> tenant_set;
  for (const Event* event : events) {
    if (!overrides.contains(event->tenant())) tenant_set.insert(event->tenant());
  }
  const std::vector<std::string> tenants(tenant_set.begin(), tenant_set.end());
  ASSIGN_OR_RETURN(auto zones, MysqlSettingsStore::TimeZones(tx.connection(), tenants));
  for (const auto& [tenant, zone] : overrides) zones[tenant] = zone;
  PageSchemes schemes(&SchemeFor(kDefaultMetricsTimeZone));
  for (const auto& [tenant, zone] : zones) schemes.Set(tenant, &SchemeFor(zone));

  Contributions delta;
  std::vector<const Event*> handled;
  // Where a page's time goes, for the log line of a slow page.
  nlohmann::json timings = nlohmann::json::object();
  absl::Time mark = absl::Now();
  const absl::Time page_start = mark;
  const auto lap = [&](absl::string_view part) {
    const absl::Time now = absl::Now();
    timings[std::string(part)] = absl::ToInt64Milliseconds(now - mark);
    mark = now;
  };
  for (FactKeeper* keeper : keepers_) {
    handled.clear();
    for (const Event* event : events) {
      if (keeper->Handles(*event)) handled.push_back(event);
    }
    if (handled.empty()) continue;
    absl::Status status = keeper->ApplyPage(tx, schemes, handled, delta);
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat(keeper->name(), " facts: ", status.message()));
    }
    lap(keeper->name());
  }
  delta.Prune();
  const size_t cells = delta.cells().size();
  RETURN_IF_ERROR(rollups_->Apply(tx, delta));
  lap("rollups");
  RETURN_IF_ERROR(counts_.ApplyBatch(tx, events));
  lap("event_counts");
  const bool slow = absl::Now() - page_start >= kSlowPage;
  logging::Log(slow ? logging::Level::kInfo : logging::Level::kDebug, "metrics page applied",
               {{"events", events.size()}, {"cells", cells}, {"ms", timings}});
  return absl::OkStatus();
}

}  // namespace tandem::metrics
