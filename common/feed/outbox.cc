#include "common/feed/outbox.h"

#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/logging.h"
#include "common/status.h"

namespace tandem::feed {
namespace {

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

// Outbox rows numbered by one statement.
constexpr size_t kSequenceChunk = 64;

// How far below the lowest pending id the sequencer's scan starts: more
// than the inserts that can be between taking an id and writing the row.
constexpr int64_t kInFlightMargin = 1000;

// How long the rows after a pending row that cannot be locked wait for it.
constexpr absl::Duration kHoleGrace = absl::Milliseconds(300);

// UPDATE outbox SET cursor_pos = ? + FIELD(id, ?...) WHERE id IN (?...)
const std::string& SequenceChunkSql() {
  static const auto* const kSql = [] {
    std::string marks;
    for (size_t i = 0; i < kSequenceChunk; ++i) absl::StrAppend(&marks, i == 0 ? "?" : ", ?");
    return new std::string(absl::StrCat("UPDATE outbox SET cursor_pos = ? + FIELD(id, ", marks,
                                        ") WHERE id IN (", marks, ")"));
  }();
  return *kSql;
}

}  // namespace

Outbox::~Outbox() { Stop(); }

absl::Status Outbox::Append(mysql::Transaction& tx, absl::string_view tenant,
                            absl::string_view subject, const google::protobuf::Message& payload,
                            absl::Time occur_time) {
  const auto* descriptor = payload.GetDescriptor();
  RETURN_IF_ERROR(
      tx->Execute("INSERT INTO outbox (event_id, tenant_id, event_type, subject, source, "
                  "occur_time, payload_type, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  {NewId(), std::string(tenant), descriptor->name(), std::string(subject),
                   descriptor->file()->package(), occur_time,
                   absl::StrCat(kTypeUrlPrefix, descriptor->full_name()),
                   payload.SerializeAsString()})
          .status());
  tx.AfterCommit([this] { Wake(); });
  return absl::OkStatus();
}

void Outbox::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_ = true;
  wake_sequencer_.notify_one();
}

size_t Outbox::RowsBeforeHole(const std::vector<int64_t>& visible,
                              const std::vector<mysql::Row>& locked) {
  std::set<int64_t> lockable;
  for (const mysql::Row& row : locked) lockable.insert(row.Int(0));
  const int64_t last = *lockable.rbegin();
  std::optional<int64_t> hole;
  for (int64_t id : visible) {
    if (id > last) break;
    if (!lockable.contains(id)) {
      hole = id;
      break;
    }
  }
  std::lock_guard<std::mutex> lock(hole_mu_);
  if (!hole.has_value()) {
    first_hole_.reset();
    return locked.size();
  }
  const absl::Time now = absl::Now();
  if (!first_hole_.has_value() || first_hole_->first != *hole) first_hole_ = {*hole, now};
  if (now - first_hole_->second >= kHoleGrace) return locked.size();  // a long transaction
  size_t before = 0;
  while (before < locked.size() && locked[before].Int(0) < *hole) ++before;
  return before;
}

absl::StatusOr<int> Outbox::SequencePending(int limit) {
  // The rows not yet given a cursor, uncommitted ones included (READ
  // UNCOMMITTED sees them), read before the locking scan below.
  std::vector<int64_t> visible;
  {
    ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(absl::Now() + absl::Seconds(30)));
    RETURN_IF_ERROR(db->Execute("SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED").status());
    ASSIGN_OR_RETURN(auto rows, db->Query("SELECT id FROM outbox WHERE cursor_pos IS NULL "
                                          "ORDER BY id LIMIT ?",
                                          {int64_t{limit}}));
    if (rows.empty()) return 0;  // nothing pending or in flight
    for (const mysql::Row& row : rows) visible.push_back(row.Int(0));
  }
  // Where the locking scan starts: below every pending row, less a margin
  // for ids already taken by inserts not yet written.
  const int64_t floor = std::max<int64_t>(0, visible.front() - kInFlightMargin);
  int sequenced = 0;
  int64_t head = 0;
  RETURN_IF_ERROR(mysql::RunInTransaction(
      *pool_, absl::Now() + absl::Seconds(30), [&](mysql::Transaction& tx) -> absl::Status {
        sequenced = 0;
        // Serialises sequencers (one per replica) on the counter row.
        ASSIGN_OR_RETURN(auto counter,
                         tx->Query("SELECT last_cursor FROM outbox_sequence WHERE id = 1 "
                                   "FOR UPDATE"));
        if (counter.empty()) {
          return absl::FailedPreconditionError("outbox_sequence has no row; migrations missing");
        }
        head = counter[0].Int(0);
        // Rows still locked belong to transactions that have not committed:
        // skip them now, sequence them once they commit. The scan walks the
        // primary key: through the cursor_pos index, SKIP LOCKED also
        // skipped committed rows whose index entries a concurrent insert
        // had locked, so a writer's later event could get the earlier cursor.
        ASSIGN_OR_RETURN(auto pending,
                         tx->Query("SELECT id FROM outbox FORCE INDEX (PRIMARY) "
                                   "WHERE id >= ? AND cursor_pos IS NULL "
                                   "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
                                   {floor, int64_t{limit}}));
        if (pending.empty()) return absl::OkStatus();
        // A row seen pending a moment ago that cannot be locked now is being
        // written still (or was rolled back) -- or, just after its commit,
        // reported locked by InnoDB all the same. Rows after it wait for it
        // for up to kHoleGrace, so that a writer's later event never gets
        // the earlier cursor; a transaction open longer than that no longer
        // holds the others back.
        const size_t take = RowsBeforeHole(visible, pending);
        if (take == 0) return absl::OkStatus();
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(take), pending.end());
        // One statement per chunk: FIELD(id, a, b, ...) is each id's 1-based
        // position, so the chunk's rows get head+1, head+2, ... in id order.
        // Short chunks repeat their last id, keeping one prepared statement.
        for (size_t start = 0; start < pending.size(); start += kSequenceChunk) {
          const size_t count = std::min(kSequenceChunk, pending.size() - start);
          std::vector<mysql::Value> params = {head};
          for (int list = 0; list < 2; ++list) {
            for (size_t i = 0; i < kSequenceChunk; ++i) {
              params.emplace_back(pending[start + std::min(i, count - 1)].Int(0));
            }
          }
          RETURN_IF_ERROR(tx->Execute(SequenceChunkSql(), params).status());
          head += static_cast<int64_t>(count);
        }
        RETURN_IF_ERROR(
            tx->Execute("UPDATE outbox_sequence SET last_cursor = ? WHERE id = 1", {head})
                .status());
        sequenced = static_cast<int>(pending.size());
        return absl::OkStatus();
      }));
  if (sequenced > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    head_seen_ = std::max(head_seen_, head);
    new_events_.notify_all();
  }
  return sequenced;
}

absl::StatusOr<std::vector<tandem::common::v1::Event>> Outbox::Read(int64_t after_cursor,
                                                                   int limit,
                                                                   absl::string_view tenant,
                                                                   absl::Time deadline) {
  ++reads_;
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  constexpr absl::string_view kColumns =
      "SELECT cursor_pos, event_id, tenant_id, event_type, subject, occur_time, payload_type, "
      "payload, source FROM outbox ";
  absl::StatusOr<std::vector<mysql::Row>> rows =
      tenant.empty()
          ? db->Query(absl::StrCat(kColumns, "WHERE cursor_pos > ? ORDER BY cursor_pos LIMIT ?"),
                      {after_cursor, int64_t{limit}})
          : db->Query(absl::StrCat(kColumns,
                                   "WHERE tenant_id = ? AND cursor_pos > ? "
                                   "ORDER BY cursor_pos LIMIT ?"),
                      {std::string(tenant), after_cursor, int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<tandem::common::v1::Event> events;
  events.reserve(rows->size());
  for (const mysql::Row& row : *rows) {
    tandem::common::v1::Event& event = events.emplace_back();
    event.set_cursor(row.Int(0));
    event.set_event_id(row.String(1));
    event.set_tenant(row.String(2));
    event.set_type(row.String(3));
    event.set_subject(row.String(4));
    const int64_t micros = absl::ToUnixMicros(row.Time(5));
    event.mutable_occur_time()->set_seconds(micros / 1000000);
    event.mutable_occur_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
    event.mutable_payload()->set_type_url(row.String(6));
    event.mutable_payload()->set_value(row.String(7));
    event.set_source(row.String(8));
  }
  FitToByteBudget(events);
  return events;
}

absl::StatusOr<int64_t> Outbox::Head(absl::string_view tenant, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  absl::StatusOr<std::vector<mysql::Row>> rows =
      tenant.empty()
          ? db->Query("SELECT last_cursor FROM outbox_sequence WHERE id = 1")
          : db->Query("SELECT COALESCE(MAX(cursor_pos), 0) FROM outbox WHERE tenant_id = ?",
                      {std::string(tenant)});
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : (*rows)[0].Int(0);
}

void Outbox::Start(absl::Duration poll_interval) {
  sequencer_ = std::thread([this, poll_interval] { SequencerLoop(poll_interval); });
}

void Outbox::EndWatches() {
  std::lock_guard<std::mutex> lock(mu_);
  watches_ended_ = true;
  new_events_.notify_all();
}

void Outbox::Stop() {
  EndWatches();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_.exchange(true)) return;
    wake_sequencer_.notify_all();
  }
  if (!sequencer_.joinable()) return;
  sequencer_.join();
  // Events committed while calls drained get their cursors now rather than
  // at the next start.
  absl::StatusOr<int> last = SequencePending();
  while (last.ok() && *last > 0) last = SequencePending();
}

void Outbox::SequencerLoop(absl::Duration poll_interval) {
  absl::Duration backoff = poll_interval;
  while (!stopping_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_sequencer_.wait_for(lock, absl::ToChronoNanoseconds(backoff),
                               [this] { return pending_ || stopping_.load(); });
      pending_ = false;
    }
    if (stopping_) break;
    absl::StatusOr<int> sequenced;
    do {
      sequenced = SequencePending();
    } while (sequenced.ok() && *sequenced > 0 && !stopping_);
    if (sequenced.ok()) {
      backoff = poll_interval;
    } else {
      logging::Warn("outbox sequencing failed", {{"error", sequenced.status().ToString()}});
      backoff = std::min(backoff * 2, absl::Seconds(5));
    }
  }
}

bool Outbox::WaitForNewEvents(int64_t cursor, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  new_events_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                       [&] { return head_seen_ > cursor || watches_ended_.load(); });
  return !watches_ended_;
}

}  // namespace tandem::feed
