#include "services/metrics/mysql_metrics_store.h"

#include "absl/time/clock.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/status.h"

namespace tandem::metrics {

absl::StatusOr<std::vector<v1::MetricDefinition>> MysqlMetricsStore::ListDefinitions(
    const std::string& after_name, int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT name, display_name, description, version, formula, unit, "
                             "good_direction FROM metric_definitions WHERE name > ? "
                             "ORDER BY name LIMIT ?",
                             {after_name, int64_t{limit}}));
  std::vector<v1::MetricDefinition> definitions;
  for (const mysql::Row& row : rows) {
    v1::MetricDefinition& definition = definitions.emplace_back();
    definition.set_name("metricDefinitions/" + row.String(0));
    definition.set_display_name(row.String(1));
    definition.set_description(row.String(2));
    definition.set_version(static_cast<int32_t>(row.Int(3)));
    definition.set_formula(row.String(4));
    definition.set_unit(row.String(5));
    definition.set_good_direction(static_cast<v1::MetricDefinition::Direction>(row.Int(6)));
  }
  return definitions;
}

absl::StatusOr<std::vector<feed::FeedPosition>> MysqlMetricsStore::FeedPositions(
    const std::vector<std::string>& feeds, absl::Time deadline) {
  std::vector<feed::FeedPosition> positions;
  for (const std::string& name : feeds) {
    ASSIGN_OR_RETURN(feed::FeedPosition position,
                     feed::FeedConsumer::Position(*pool_, name, deadline));
    positions.push_back(std::move(position));
  }
  return positions;
}

absl::Status EventCountRollup::Apply(mysql::Transaction& tx,
                                     const tandem::common::v1::Event& event) {
  const std::string day =
      absl::FormatTime("%Y-%m-%d", FromProtoTime(event.occur_time()), absl::UTCTimeZone());
  return tx
      ->Execute(
          "INSERT INTO event_counts (tenant_id, source, event_type, day, events) "
          "VALUES (?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE events = events + 1",
          {event.tenant(), event.source(), event.type(), day})
      .status();
}

}  // namespace tandem::metrics
