#include "tools/tandem-bench/feed_lag.h"

#include <algorithm>
#include <limits>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/peer.h"
#include "common/status.h"

namespace tandem::bench {

FeedLagMeter::FeedLagMeter(tandem::metrics::v1::MetricsService::StubInterface* metrics,
                           std::vector<FeedProbe> probes, FeedLagOptions options,
                           const Clock* clock)
    : metrics_(metrics), probes_(std::move(probes)), options_(std::move(options)), clock_(clock) {
  for (const FeedProbe& probe : probes_) {
    FeedCatchUp feed;
    feed.feed = probe.feed;
    feeds_.push_back(std::move(feed));
  }
  head_at_start_.assign(probes_.size(), 0);
  cursor_at_start_.assign(probes_.size(), 0);
  committed_at_start_.assign(probes_.size(), 0);
}

FeedLagMeter::~FeedLagMeter() { StopSampling(); }

absl::StatusOr<std::vector<FeedLagMeter::MetricsPosition>> FeedLagMeter::MetricsPositions() {
  grpc::ClientContext context;
  PreparePeerCall(context, options_.token, clock_->Now() + options_.rpc_timeout);
  tandem::metrics::v1::Freshness freshness;
  grpc::Status status =
      metrics_->GetFreshness(&context, tandem::metrics::v1::GetFreshnessRequest(), &freshness);
  if (!status.ok()) return FromGrpcStatus(status);
  std::vector<MetricsPosition> positions;
  for (const FeedProbe& probe : probes_) {
    auto it = std::find_if(freshness.feeds().begin(), freshness.feeds().end(),
                           [&](const auto& feed) { return feed.feed() == probe.feed; });
    // A feed Metrics has never polled has no entry yet: it stands at 0.
    MetricsPosition position;
    if (it != freshness.feeds().end()) {
      position.cursor = it->cursor();
      position.lag_events = it->lag_events();
    }
    positions.push_back(position);
  }
  return positions;
}

absl::StatusOr<int64_t> FeedLagMeter::Head(size_t index) {
  grpc::ClientContext context;
  PreparePeerCall(context, options_.token, clock_->Now() + options_.rpc_timeout);
  tandem::common::v1::ListEventsRequest request;
  // Past every event: the answer carries the head and no events.
  request.set_after_cursor(std::numeric_limits<int64_t>::max());
  request.set_page_size(1);
  tandem::common::v1::ListEventsResponse response;
  grpc::Status status = probes_[index].stub->ListEvents(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.head_cursor();
}

int64_t FeedLagMeter::Target(size_t index) const {
  return head_at_start_[index] + probes_[index].committed() - committed_at_start_[index];
}

absl::Status FeedLagMeter::Start() {
  ASSIGN_OR_RETURN(std::vector<MetricsPosition> positions, MetricsPositions());
  for (size_t i = 0; i < probes_.size(); ++i) {
    absl::StatusOr<int64_t> head = Head(i);
    if (!head.ok()) {
      return absl::Status(head.status().code(), absl::StrCat("reading the head of the ",
                                                             probes_[i].feed, " feed: ",
                                                             head.status().message()));
    }
    head_at_start_[i] = *head;
    cursor_at_start_[i] = positions[i].cursor;
    committed_at_start_[i] = probes_[i].committed();
  }
  start_time_ = clock_->Now();
  stopping_ = false;
  sampler_ = std::thread([this] { SampleUntilStopped(); });
  return absl::OkStatus();
}

void FeedLagMeter::SampleUntilStopped() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.sample_interval),
                            [this] { return stopping_; })) {
        return;
      }
    }
    // Targets first, then heads, then cursors: each later reading can only
    // have moved on, so the lags can look smaller than they were, never
    // larger.
    std::vector<int64_t> targets;
    std::vector<std::optional<int64_t>> heads;
    for (size_t i = 0; i < probes_.size(); ++i) targets.push_back(Target(i));
    for (size_t i = 0; i < probes_.size(); ++i) {
      absl::StatusOr<int64_t> head = Head(i);
      heads.push_back(head.ok() ? std::optional<int64_t>(*head) : std::nullopt);
    }
    absl::StatusOr<std::vector<MetricsPosition>> positions = MetricsPositions();
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < probes_.size(); ++i) {
      FeedCatchUp& feed = feeds_[i];
      if (heads[i].has_value()) {
        feed.max_unsequenced = std::max(feed.max_unsequenced, targets[i] - *heads[i]);
      }
      if (positions.ok()) {
        feed.max_behind = std::max(feed.max_behind, targets[i] - (*positions)[i].cursor);
      }
    }
  }
}

void FeedLagMeter::StopSampling() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (sampler_.joinable()) sampler_.join();
}

std::vector<FeedCatchUp> FeedLagMeter::Finish() {
  const absl::Time load_end = clock_->Now();
  StopSampling();
  std::vector<int64_t> targets;
  for (size_t i = 0; i < probes_.size(); ++i) {
    targets.push_back(Target(i));
    feeds_[i].events = targets[i] - head_at_start_[i];
  }
  const absl::Time give_up = load_end + options_.timeout;
  std::vector<int64_t> last_cursors = cursor_at_start_;
  bool first_poll = true;
  while (true) {
    std::vector<absl::StatusOr<int64_t>> heads;
    for (size_t i = 0; i < probes_.size(); ++i) heads.push_back(Head(i));
    absl::StatusOr<std::vector<MetricsPosition>> positions = MetricsPositions();
    const absl::Time now = clock_->Now();
    bool waiting = false;
    for (size_t i = 0; i < probes_.size(); ++i) {
      FeedCatchUp& feed = feeds_[i];
      if (heads[i].ok()) {
        if (first_poll) {
          feed.unsequenced_at_end = targets[i] - *heads[i];
          feed.max_unsequenced = std::max(feed.max_unsequenced, feed.unsequenced_at_end);
        }
        if (!feed.sequenced_after.has_value() && *heads[i] >= targets[i]) {
          feed.sequenced_after = now - load_end;
        }
      }
      if (positions.ok()) {
        const MetricsPosition& position = (*positions)[i];
        last_cursors[i] = position.cursor;
        if (first_poll) {
          feed.behind_at_end = targets[i] - position.cursor;
          feed.max_behind = std::max(feed.max_behind, feed.behind_at_end);
        }
        if (!feed.reported_zero_after.has_value() && position.lag_events == 0) {
          feed.reported_zero_after = now - load_end;
        }
        if (!feed.caught_up_after.has_value() && position.cursor >= targets[i]) {
          feed.caught_up_after = now - load_end;
          const double seconds = absl::ToDoubleSeconds(now - start_time_);
          if (seconds > 0 && feed.events > 0) {
            feed.consumed_per_second =
                static_cast<double>(position.cursor - cursor_at_start_[i]) / seconds;
          }
        }
      }
      if (!feed.sequenced_after.has_value() || !feed.caught_up_after.has_value() ||
          !feed.reported_zero_after.has_value()) {
        waiting = true;
      }
    }
    first_poll = false;
    if (!waiting) break;
    if (now >= give_up) {
      for (size_t i = 0; i < probes_.size(); ++i) {
        FeedCatchUp& feed = feeds_[i];
        if (feed.caught_up_after.has_value()) continue;
        const double seconds = absl::ToDoubleSeconds(now - start_time_);
        feed.consumed_per_second =
            static_cast<double>(last_cursors[i] - cursor_at_start_[i]) / seconds;
        if (!heads[i].ok()) {
          feed.error = absl::StrCat("ListEvents: ", heads[i].status().message());
        } else if (!positions.ok()) {
          feed.error = absl::StrCat("GetFreshness: ", positions.status().message());
        } else {
          feed.error = absl::StrCat("not caught up within ", absl::FormatDuration(options_.timeout));
        }
      }
      break;
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(options_.poll_interval));
  }
  return feeds_;
}

}  // namespace tandem::bench
