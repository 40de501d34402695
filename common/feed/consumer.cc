#include "common/feed/consumer.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/peer.h"
#include "common/status.h"

namespace tandem::feed {
namespace {

absl::Status EnsureRow(mysql::Connection& db, const std::string& feed) {
  return db.Execute("INSERT IGNORE INTO consumer_cursors (feed, cursor_pos, head_cursor) "
                    "VALUES (?, 0, 0)",
                    {feed})
      .status();
}

absl::Time EventTime(const tandem::common::v1::Event& event) {
  return absl::FromUnixSeconds(event.occur_time().seconds()) +
         absl::Nanoseconds(event.occur_time().nanos());
}

}  // namespace

absl::Status EventApplier::ApplyBatch(
    mysql::Transaction& tx, const std::vector<const tandem::common::v1::Event*>& events) {
  for (const tandem::common::v1::Event* event : events) RETURN_IF_ERROR(Apply(tx, *event));
  return absl::OkStatus();
}

FeedConsumer::FeedConsumer(ConsumerOptions options,
                           std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub,
                           std::function<absl::StatusOr<std::string>()> token,
                           mysql::Pool* pool, EventApplier* applier)
    : options_(std::move(options)),
      stub_(std::move(stub)),
      token_(std::move(token)),
      pool_(pool),
      applier_(applier) {}

FeedConsumer::~FeedConsumer() { Stop(); }

absl::StatusOr<FeedPosition> FeedConsumer::Position(mysql::Pool& pool, const std::string& feed,
                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool.Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT cursor_pos, head_cursor, last_event_time, last_poll_time, "
                             "last_error FROM consumer_cursors WHERE feed = ?",
                             {feed}));
  FeedPosition position;
  position.feed = feed;
  if (rows.empty()) return position;
  position.cursor = rows[0].Int(0);
  position.head_cursor = rows[0].Int(1);
  position.last_event_time = rows[0].Time(2);
  position.last_poll_time = rows[0].Time(3);
  position.last_error = rows[0].String(4);
  return position;
}

absl::StatusOr<int> FeedConsumer::PollOnce() {
  int64_t cursor = 0;
  {
    auto db = pool_->Acquire(absl::Now() + options_.call_timeout);
    if (!db.ok()) return db.status();
    if (!cursor_row_ready_) {
      RETURN_IF_ERROR(EnsureRow(**db, options_.feed));
      cursor_row_ready_ = true;
    }
    ASSIGN_OR_RETURN(auto rows, (*db)->Query("SELECT cursor_pos FROM consumer_cursors "
                                             "WHERE feed = ?",
                                             {options_.feed}));
    cursor = rows.empty() ? 0 : rows[0].Int(0);
  }
  auto token = token_();
  if (!token.ok()) return token.status();
  grpc::ClientContext context;
  PreparePeerCall(context, *token, absl::Now() + options_.call_timeout);
  tandem::common::v1::ListEventsRequest request;
  request.set_after_cursor(cursor);
  request.set_page_size(options_.page_size);
  tandem::common::v1::ListEventsResponse page;
  grpc::Status rpc = stub_->ListEvents(&context, request, &page);
  if (!rpc.ok()) {
    absl::Status status = FromGrpcStatus(rpc);
    RecordError(status);
    return status;
  }
  absl::Status applied = Apply(page);
  if (absl::IsAborted(applied)) {
    // The cursor row stayed locked (another replica, or a rebuild holding
    // every cursor while it replays): nothing is wrong, and recording the
    // error would wait on the same lock. Loop() backs off and retries.
    logging::Info("event feed page waits for the cursor lock",
                  {{"feed", options_.feed}, {"reason", std::string(applied.message())}});
    return applied;
  }
  if (!applied.ok()) {
    RecordError(applied);
    return applied;
  }
  return page.events_size();
}

absl::Status FeedConsumer::Apply(const tandem::common::v1::ListEventsResponse& page) {
  return mysql::RunInTransaction(
      *pool_, absl::Now() + absl::Seconds(30), [&](mysql::Transaction& tx) -> absl::Status {
        // Locking the cursor row makes a second replica of this consumer wait
        // and then skip what this one applied.
        ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT cursor_pos, last_event_time FROM "
                                              "consumer_cursors WHERE feed = ? FOR UPDATE",
                                              {options_.feed}));
        if (rows.empty()) return absl::InternalError("consumer cursor row vanished");
        int64_t cursor = rows[0].Int(0);
        absl::Time last_event_time = rows[0].Time(1);
        std::vector<const tandem::common::v1::Event*> fresh;
        for (const auto& event : page.events()) {
          if (event.cursor() <= cursor) continue;
          if (event.cursor() != cursor + 1) {
            return absl::DataLossError(absl::StrCat("feed ", options_.feed, " skipped from cursor ",
                                                    cursor, " to ", event.cursor(),
                                                    "; refusing to move past the gap"));
          }
          fresh.push_back(&event);
          cursor = event.cursor();
          last_event_time = EventTime(event);
        }
        if (!fresh.empty()) RETURN_IF_ERROR(applier_->ApplyBatch(tx, fresh));
        behind_ = page.head_cursor() > cursor;
        std::vector<mysql::Value> params = {cursor, std::max(page.head_cursor(), cursor)};
        if (last_event_time == absl::InfinitePast()) {
          params.emplace_back(nullptr);
        } else {
          params.emplace_back(last_event_time);
        }
        params.emplace_back(options_.feed);
        return tx->Execute("UPDATE consumer_cursors SET cursor_pos = ?, head_cursor = ?, "
                           "last_event_time = ?, last_poll_time = UTC_TIMESTAMP(6), "
                           "last_error = '' WHERE feed = ?",
                           params)
            .status();
      });
}

void FeedConsumer::RecordError(const absl::Status& status) {
  logging::Warn("event feed poll failed",
                {{"feed", options_.feed}, {"error", std::string(status.message())}});
  auto db = pool_->Acquire(absl::Now() + absl::Seconds(2));
  if (!db.ok()) return;
  (void)EnsureRow(**db, options_.feed);
  (void)(*db)->Execute("UPDATE consumer_cursors SET last_error = ? WHERE feed = ?",
                       {std::string(status.message()).substr(0, 1000), options_.feed});
}

void FeedConsumer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void FeedConsumer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_.exchange(true)) return;
    stop_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void FeedConsumer::Loop() {
  absl::Duration wait = absl::ZeroDuration();
  while (!stopping_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(wait), [this] { return stopping_.load(); });
    }
    if (stopping_) break;
    absl::StatusOr<int> applied = PollOnce();
    if (!applied.ok()) {
      wait = std::min(std::max(wait * 2, options_.poll_interval), absl::Seconds(10));
    } else if (*applied >= options_.page_size || behind_) {
      wait = absl::ZeroDuration();  // more is waiting (a page may also end at its byte budget)
    } else {
      wait = options_.poll_interval;
    }
  }
}

}  // namespace tandem::feed
