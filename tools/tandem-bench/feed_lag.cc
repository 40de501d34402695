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
}

FeedLagMeter::~FeedLagMeter() { StopSampling(); }

absl::StatusOr<std::vector<int64_t>> FeedLagMeter::MetricsCursors() {
  grpc::ClientContext context;
  PreparePeerCall(context, options_.token, clock_->Now() + options_.rpc_timeout);
  tandem::metrics::v1::Freshness freshness;
  grpc::Status status =
      metrics_->GetFreshness(&context, tandem::metrics::v1::GetFreshnessRequest(), &freshness);
  if (!status.ok()) return FromGrpcStatus(status);
  std::vector<int64_t> cursors;
  for (const FeedProbe& probe : probes_) {
    auto it = std::find_if(freshness.feeds().begin(), freshness.feeds().end(),
                           [&](const auto& feed) { return feed.feed() == probe.feed; });
    // A feed Metrics has never polled has no row yet: it stands at 0.
    cursors.push_back(it == freshness.feeds().end() ? 0 : it->cursor());
  }
  return cursors;
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

absl::Status FeedLagMeter::Start() {
  ASSIGN_OR_RETURN(std::vector<int64_t> cursors, MetricsCursors());
  for (size_t i = 0; i < probes_.size(); ++i) {
    absl::StatusOr<int64_t> head = Head(i);
    if (!head.ok()) {
      return absl::Status(head.status().code(), absl::StrCat("reading the head of the ",
                                                             probes_[i].feed, " feed: ",
                                                             head.status().message()));
    }
    feeds_[i].head_at_start = *head;
    feeds_[i].cursor_at_start = cursors[i];
    feeds_[i].max_lag = std::max<int64_t>(0, *head - cursors[i]);
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
    // Heads first: a cursor read after its head can only make the lag
    // look smaller than it was, never larger.
    std::vector<int64_t> heads;
    for (size_t i = 0; i < probes_.size(); ++i) {
      absl::StatusOr<int64_t> head = Head(i);
      heads.push_back(head.ok() ? *head : -1);
    }
    absl::StatusOr<std::vector<int64_t>> cursors = MetricsCursors();
    if (!cursors.ok()) continue;
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < probes_.size(); ++i) {
      if (heads[i] >= 0) feeds_[i].max_lag = std::max(feeds_[i].max_lag, heads[i] - (*cursors)[i]);
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
  for (size_t i = 0; i < probes_.size(); ++i) {
    absl::StatusOr<int64_t> head = Head(i);
    if (!head.ok()) {
      feeds_[i].error = absl::StrCat("reading the head: ", head.status().message());
      continue;
    }
    feeds_[i].head_at_end = *head;
  }
  bool first_poll = true;
  const absl::Time give_up = load_end + options_.timeout;
  std::vector<int64_t> last_cursors(probes_.size(), 0);
  while (true) {
    absl::StatusOr<std::vector<int64_t>> cursors = MetricsCursors();
    const absl::Time now = clock_->Now();
    bool waiting = false;
    if (cursors.ok()) {
      last_cursors = *cursors;
      for (size_t i = 0; i < probes_.size(); ++i) {
        FeedCatchUp& feed = feeds_[i];
        if (!feed.error.empty() || feed.caught_up) continue;
        if (first_poll) {
          feed.cursor_at_end = (*cursors)[i];
          feed.max_lag = std::max(feed.max_lag, feed.head_at_end - feed.cursor_at_end);
        }
        if ((*cursors)[i] >= feed.head_at_end) {
          feed.caught_up = true;
          feed.catch_up = now - load_end;
          const double seconds = absl::ToDoubleSeconds(now - start_time_);
          if (seconds > 0) {
            feed.consumed_per_second =
                static_cast<double>((*cursors)[i] - feed.cursor_at_start) / seconds;
          }
        } else {
          waiting = true;
        }
      }
      first_poll = false;
    } else {
      waiting = true;
    }
    if (!waiting) break;
    if (now >= give_up) {
      for (size_t i = 0; i < probes_.size(); ++i) {
        FeedCatchUp& feed = feeds_[i];
        if (!feed.error.empty() || feed.caught_up) continue;
        feed.catch_up = now - load_end;
        const double seconds = absl::ToDoubleSeconds(now - start_time_);
        feed.consumed_per_second =
            static_cast<double>(last_cursors[i] - feed.cursor_at_start) / seconds;
        feed.error = cursors.ok() ? absl::StrCat("Metrics did not catch up within ",
                                                 absl::FormatDuration(options_.timeout))
                                  : absl::StrCat("GetFreshness: ", cursors.status().message());
      }
      break;
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(options_.poll_interval));
  }
  return feeds_;
}

}  // namespace tandem::bench
