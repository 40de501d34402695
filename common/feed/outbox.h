// The transactional outbox behind every service's event feed.
//
// Domain code appends an event in the same transaction as the change it
// describes, so an event exists if and only if its change committed. Rows
// are written without a feed position; a sequencer then gives committed
// rows consecutive cursors in one serialised step (`outbox_sequence` row
// lock, `FOR UPDATE SKIP LOCKED` over rows not yet sequenced, walking the
// primary key). A row whose transaction commits late is sequenced later, so
// readers that page by cursor never skip it, and cursors have no gaps.
// Rows after a pending row that cannot be locked wait for it up to a short
// grace period (InnoDB may report a row locked just after its commit), so
// two events committed one after the other — a writer's, or one ticket's —
// always keep their order. Writers never contend with each other on a
// counter.
#ifndef TANDEM_COMMON_FEED_OUTBOX_H_
#define TANDEM_COMMON_FEED_OUTBOX_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "tandem/common/v1/event_feed.pb.h"

namespace tandem::feed {

// Reads and writes one service's outbox and sequences it in the background.
class Outbox {
 public:
  explicit Outbox(mysql::Pool* pool) : pool_(pool) {}
  ~Outbox();

  // Appends `payload` as an event about `subject` (a resource name) of
  // `tenant`, inside the caller's transaction. The event's type is the
  // payload's message name, its source the payload's proto package.
  absl::Status Append(mysql::Transaction& tx, absl::string_view tenant,
                      absl::string_view subject, const google::protobuf::Message& payload,
                      absl::Time occur_time);

  // Gives cursors to up to `limit` committed, unsequenced events; returns
  // how many it sequenced.
  absl::StatusOr<int> SequencePending(int limit = 500);

  // Returns up to `limit` events with cursor > `after_cursor` in cursor
  // order, only `tenant`'s unless it is empty, and no more than
  // kPageByteBudget of payload (but always at least one event).
  absl::StatusOr<std::vector<tandem::common::v1::Event>> Read(int64_t after_cursor, int limit,
                                                             absl::string_view tenant,
                                                             absl::Time deadline);

  // Returns the newest cursor given out: of every tenant when `tenant` is
  // empty, else of `tenant`'s events only (so a tenant learns nothing of
  // another's volume).
  absl::StatusOr<int64_t> Head(absl::string_view tenant, absl::Time deadline);

  // Starts the background sequencer, woken by every commit that appended
  // an event and otherwise every `poll_interval` (for other replicas' rows).
  void Start(absl::Duration poll_interval = absl::Milliseconds(250));

  // Ends every wait of WaitForNewEvents() for good, so long-lived streams
  // finish when a stop begins. The sequencer keeps running, so events
  // committed by calls still draining get their cursors.
  void EndWatches();

  // Stops the sequencer after one last pass, and ends watches. Idempotent.
  void Stop();

  // Waits until this process sequences an event past `cursor`, `timeout`
  // passes, or watches end. Returns false once watches have ended.
  bool WaitForNewEvents(int64_t cursor, absl::Duration timeout);

  // Returns how many times Read() ran (streams that wait instead of polling
  // keep this low).
  int64_t reads() const { return reads_; }

  // Returns true once watches have ended (EndWatches() or Stop()).
  bool watches_ended() const { return watches_ended_; }

 private:
  void SequencerLoop(absl::Duration poll_interval);
  void Wake();

  mysql::Pool* pool_;
  // Of the rows `locked` (pending, in id order) how many may be sequenced
  // now: those before the first row of `visible` that could not be locked,
  // unless that row has been so for longer than the grace period.
  size_t RowsBeforeHole(const std::vector<int64_t>& visible,
                        const std::vector<mysql::Row>& locked);

  std::mutex hole_mu_;
  std::optional<std::pair<int64_t, absl::Time>> first_hole_;  // guarded by hole_mu_
  std::mutex mu_;
  std::condition_variable wake_sequencer_;
  std::condition_variable new_events_;
  bool pending_ = false;
  int64_t head_seen_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> watches_ended_{false};
  std::atomic<int64_t> reads_{0};
  std::thread sequencer_;
};

}  // namespace tandem::feed

#endif  // TANDEM_COMMON_FEED_OUTBOX_H_
