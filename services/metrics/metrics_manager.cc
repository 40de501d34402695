#include "services/metrics/metrics_manager.h"

#include "common/pagination.h"
#include "common/proto_time.h"
#include "common/status.h"

namespace tandem::metrics {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 500;
constexpr absl::string_view kDefinitionsQuery = "definitions";

}  // namespace

v1::FeedFreshness FreshnessOf(const feed::FeedPosition& position, absl::Time now) {
  v1::FeedFreshness freshness;
  freshness.set_feed(position.feed);
  freshness.set_cursor(position.cursor);
  freshness.set_head_cursor(position.head_cursor);
  freshness.set_lag_events(std::max<int64_t>(0, position.head_cursor - position.cursor));
  if (position.last_event_time != absl::InfinitePast()) {
    *freshness.mutable_last_event_time() = ToProtoTime(position.last_event_time);
  }
  if (position.last_poll_time != absl::InfinitePast()) {
    *freshness.mutable_last_poll_time() = ToProtoTime(position.last_poll_time);
    *freshness.mutable_since_last_poll() = ToProtoDuration(now - position.last_poll_time);
  }
  freshness.set_last_error(position.last_error);
  return freshness;
}

absl::StatusOr<v1::ListMetricDefinitionsResponse> MetricsManager::ListMetricDefinitions(
    const Principal& caller, const v1::ListMetricDefinitionsRequest& request,
    absl::Time deadline) {
  (void)caller;  // definitions are the same for every tenant
  ASSIGN_OR_RETURN(int page_size,
                   NormalizePageSize(request.page_size(), kDefaultPageSize, kMaxPageSize));
  const std::string fingerprint = QueryFingerprint({std::string(kDefinitionsQuery)});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   deps_.page_tokens->Decode(request.page_token(), fingerprint));
  if (keys.size() > 1) return InvalidField("page_token", "is not a token this service issued");
  ASSIGN_OR_RETURN(auto definitions,
                   deps_.store->ListDefinitions(keys.empty() ? "" : keys[0], page_size + 1, deadline));
  v1::ListMetricDefinitionsResponse response;
  const bool has_more = static_cast<int>(definitions.size()) > page_size;
  if (has_more) definitions.pop_back();
  for (auto& definition : definitions) *response.add_metric_definitions() = std::move(definition);
  if (has_more) {
    const std::string& last = response.metric_definitions().rbegin()->name();
    response.set_next_page_token(
        deps_.page_tokens->Encode(fingerprint, {last.substr(last.find('/') + 1)}));
  }
  return response;
}

absl::StatusOr<v1::Freshness> MetricsManager::GetFreshness(const Principal& caller,
                                                           absl::Time deadline) {
  (void)caller;  // feeds are consumed for every tenant at once
  ASSIGN_OR_RETURN(auto positions, deps_.store->FeedPositions(deps_.feeds, deadline));
  v1::Freshness freshness;
  const absl::Time now = deps_.clock->Now();
  for (const feed::FeedPosition& position : positions) {
    *freshness.add_feeds() = FreshnessOf(position, now);
  }
  return freshness;
}

}  // namespace tandem::metrics
