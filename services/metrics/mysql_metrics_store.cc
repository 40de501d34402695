#include "services/metrics/mysql_metrics_store.h"

#include <map>
#include <tuple>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/mysql/insert_rows.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/status.h"

namespace tandem::metrics {

absl::StatusOr<std::vector<v1::MetricDefinition>> MysqlMetricsStore::ListDefinitions(
    const std::string& after_name, int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT name, display_name, description, version, formula, unit, "
                             "good_direction, area, segment_dimensions, options, alternatives "
                             "FROM metric_definitions WHERE name > ? ORDER BY name LIMIT ?",
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
    definition.set_area(row.String(7));
    for (absl::string_view dimension : absl::StrSplit(row.String(8), ',', absl::SkipEmpty())) {
      definition.add_segment_dimensions(std::string(dimension));
    }
    // `options` holds MetricOption objects as JSON; parse them as the
    // definition's repeated field.
    v1::MetricDefinition options;
    if (!google::protobuf::util::JsonStringToMessage(
             absl::StrCat("{\"options\": ", row.String(9), "}"), &options)
             .ok()) {
      return absl::InternalError(
          absl::StrCat("metric_definitions.options of ", row.String(0), " is not valid"));
    }
    *definition.mutable_options() = std::move(*options.mutable_options());
    definition.set_alternatives(row.String(10));
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
  return ApplyBatch(tx, {&event});
}

absl::Status EventCountRollup::ApplyBatch(
    mysql::Transaction& tx, const std::vector<const tandem::common::v1::Event*>& events) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int64_t> counts;
  for (const tandem::common::v1::Event* event : events) {
    const std::string day = absl::FormatTime("%Y-%m-%d", FromProtoTime(event->occur_time()),
                                             absl::UTCTimeZone());
    ++counts[{event->tenant(), event->source(), event->type(), day}];
  }
  std::vector<mysql::Value> params;
  for (const auto& [key, events_that_day] : counts) {
    const auto& [tenant, source, type, day] = key;
    params.insert(params.end(), {tenant, source, type, day, events_that_day});
  }
  return mysql::InsertRows(tx.connection(),
                           "INSERT INTO event_counts (tenant_id, source, event_type, day, events)",
                           5, params, " ON DUPLICATE KEY UPDATE events = events + VALUES(events)");
}

absl::Status EventCountRollup::DeleteTenant(mysql::Transaction& tx, const std::string& tenant) {
  return tx->Execute("DELETE FROM event_counts WHERE tenant_id = ?", {tenant}).status();
}

}  // namespace tandem::metrics
