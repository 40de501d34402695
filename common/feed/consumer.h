// Consumes another service's event feed into this service's database.
//
// The consumer keeps its cursor in its own `consumer_cursors` table and
// applies each page of events in one transaction that also advances the
// cursor, so a crash or restart neither loses nor repeats an event. It
// checks that cursors arrive without gaps and refuses to move past one.
#ifndef TANDEM_COMMON_FEED_CONSUMER_H_
#define TANDEM_COMMON_FEED_CONSUMER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"

namespace tandem::feed {

// Applies events inside the consumer's transaction. It must write only
// through `tx`, so the change commits or rolls back with the cursor.
class EventApplier {
 public:
  virtual ~EventApplier() = default;
  virtual absl::Status Apply(mysql::Transaction& tx, const tandem::common::v1::Event& event) = 0;
  // Applies the new events of one page, in feed order. The consumer calls
  // this once per page; an applier that can batch its reads and writes
  // overrides it. By default, Apply() for each event.
  virtual absl::Status ApplyBatch(mysql::Transaction& tx,
                                  const std::vector<const tandem::common::v1::Event*>& events);
};

// What a consumer knows about its feed, as stored in consumer_cursors.
struct FeedPosition {
  std::string feed;
  int64_t cursor = 0;
  int64_t head_cursor = 0;
  absl::Time last_event_time = absl::InfinitePast();
  absl::Time last_poll_time = absl::InfinitePast();
  std::string last_error;
};

// Consumer settings.
struct ConsumerOptions {
  // Name the cursor is stored under, e.g. "support".
  std::string feed{};
  int page_size = 200;
  // Wait between polls when the consumer has caught up.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // Deadline of each ListEvents call.
  absl::Duration call_timeout = absl::Seconds(5);
};

// Polls one feed and applies what it reads.
class FeedConsumer {
 public:
  // `token` returns the bearer token for each call. It must be a service
  // token for every tenant (`*`): a tenant-scoped feed has holes in its
  // cursors, which the consumer would refuse as gaps.
  FeedConsumer(ConsumerOptions options,
               std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub,
               std::function<absl::StatusOr<std::string>()> token, mysql::Pool* pool,
               EventApplier* applier);
  ~FeedConsumer();

  // Reads one page after the stored cursor and applies it; returns the
  // number of events applied. Records the poll's outcome either way. Call
  // it from one thread at a time (Start() runs it on its own thread).
  absl::StatusOr<int> PollOnce();

  // Starts polling in the background until Stop().
  void Start();
  // Stops the background loop. Idempotent.
  void Stop();

  // Returns this feed's stored position.
  static absl::StatusOr<FeedPosition> Position(mysql::Pool& pool, const std::string& feed,
                                               absl::Time deadline);

 private:
  absl::Status Apply(const tandem::common::v1::ListEventsResponse& page);
  void RecordError(const absl::Status& status);
  void Loop();

  const ConsumerOptions options_;
  std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub_;
  std::function<absl::StatusOr<std::string>()> token_;
  mysql::Pool* pool_;
  EventApplier* applier_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  bool cursor_row_ready_ = false;  // the consumer_cursors row exists
  bool behind_ = false;            // the last page ended before the feed's head
  std::thread thread_;
};

}  // namespace tandem::feed

#endif  // TANDEM_COMMON_FEED_CONSUMER_H_
