#include "services/metrics/rollup_rebuilder.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/mysql/sql_params.h"
#include "common/mysql/transaction.h"
#include "common/peer.h"
#include "common/proto_time.h"
#include "common/status.h"
#include "services/metrics/mysql_metrics_store.h"
#include "services/metrics/mysql_settings_store.h"

namespace tandem::metrics {
namespace {

using tandem::common::v1::Event;

// How often a running rebuild writes its progress.
constexpr absl::Duration kProgressInterval = absl::Seconds(1);

absl::Time NowMicros(const Clock& clock) {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock.Now()));
}

}  // namespace

RollupRebuilder::~RollupRebuilder() {
  WaitIdle();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

absl::Status RollupRebuilder::RecoverInterrupted(absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, deps_.pool->Acquire(deadline));
  ASSIGN_OR_RETURN(int64_t interrupted,
                   db->Execute("UPDATE rollup_rebuilds SET state = ?, end_time = ?, error = ? "
                               "WHERE state = ?",
                               {int64_t{v1::RollupRebuild::FAILED}, NowMicros(*deps_.clock),
                                std::string("interrupted: the process stopped before the "
                                            "rebuild committed; the previous rollups are in use"),
                                int64_t{v1::RollupRebuild::RUNNING}}));
  if (interrupted > 0) {
    logging::Warn("rollup rebuilds interrupted by a restart", {{"rebuilds", interrupted}});
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RollupRebuild> RollupRebuilder::Start(const std::string& tenant) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_.contains(tenant)) {
      return absl::FailedPreconditionError(
          "a rebuild of this tenant's rollups is running; wait for it to end");
    }
  }
  const absl::Time start = NowMicros(*deps_.clock);
  RETURN_IF_ERROR(mysql::RunInTransaction(
      *deps_.pool, absl::Now() + absl::Seconds(10), [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT state FROM rollup_rebuilds "
                                              "WHERE tenant_id = ? FOR UPDATE",
                                              {tenant}));
        if (!rows.empty() && rows[0].Int(0) == v1::RollupRebuild::RUNNING) {
          return absl::FailedPreconditionError(
              "a rebuild of this tenant's rollups is running; wait for it to end");
        }
        absl::Status written =
            tx->Execute(
                  "INSERT INTO rollup_rebuilds (tenant_id, state, start_time, end_time, "
                  "events_replayed, error) VALUES (?, ?, ?, NULL, 0, '') "
                  "ON DUPLICATE KEY UPDATE state = VALUES(state), "
                  "start_time = VALUES(start_time), end_time = NULL, "
                  "events_replayed = 0, error = ''",
                  {tenant, int64_t{v1::RollupRebuild::RUNNING}, start})
                .status();
        return written;
      }));
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.insert(tenant);
    threads_.emplace_back([this, tenant, start] { Run(tenant, start); });
  }
  v1::RollupRebuild rebuild;
  rebuild.set_state(v1::RollupRebuild::RUNNING);
  *rebuild.mutable_start_time() = ToProtoTime(start);
  return rebuild;
}

void RollupRebuilder::StartOrQueue(const std::string& tenant) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_.contains(tenant)) {
      queued_.insert(tenant);
      return;
    }
  }
  absl::StatusOr<v1::RollupRebuild> started = Start(tenant);
  if (!started.ok()) {
    logging::Warn("rollup rebuild not started",
                  {{"tenant", tenant}, {"error", std::string(started.status().message())}});
  }
}

void RollupRebuilder::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return running_.empty() && queued_.empty(); });
}

absl::StatusOr<std::optional<v1::RollupRebuild>> RollupRebuilder::Latest(const std::string& tenant,
                                                                         absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, deps_.pool->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query("SELECT state, start_time, end_time, events_replayed, "
                                        "error FROM rollup_rebuilds WHERE tenant_id = ?",
                                        {tenant}));
  if (rows.empty()) return std::nullopt;
  v1::RollupRebuild rebuild;
  rebuild.set_state(static_cast<v1::RollupRebuild::State>(rows[0].Int(0)));
  *rebuild.mutable_start_time() = ToProtoTime(rows[0].Time(1));
  if (!rows[0].IsNull(2)) *rebuild.mutable_end_time() = ToProtoTime(rows[0].Time(2));
  rebuild.set_events_replayed(rows[0].Int(3));
  rebuild.set_error(rows[0].String(4));
  return rebuild;
}

void RollupRebuilder::Run(std::string tenant, absl::Time start) {
  while (true) {
    int64_t events = 0;
    absl::StatusOr<int64_t> replayed = Replay(tenant, start);
    if (replayed.ok()) events = *replayed;
    absl::Status recorded = RecordEnd(tenant, start, replayed.status(), events);
    if (!recorded.ok()) {
      logging::Error("rollup rebuild outcome not recorded",
                     {{"tenant", tenant}, {"error", std::string(recorded.message())}});
    }
    if (replayed.ok()) {
      logging::Info("rollup rebuild done", {{"tenant", tenant}, {"events", events}});
    } else {
      logging::Warn("rollup rebuild failed",
                    {{"tenant", tenant}, {"error", std::string(replayed.status().message())}});
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!queued_.erase(tenant)) {
        running_.erase(tenant);
        idle_.notify_all();
        return;
      }
    }
    // A settings change arrived while this ran: run again, in this thread.
    start = NowMicros(*deps_.clock);
    absl::Status restarted = mysql::RunInTransaction(
        *deps_.pool, absl::Now() + absl::Seconds(10), [&](mysql::Transaction& tx) {
          return tx
              ->Execute(
                  "UPDATE rollup_rebuilds SET state = ?, start_time = ?, end_time = NULL, "
                  "events_replayed = 0, error = '' WHERE tenant_id = ?",
                  {int64_t{v1::RollupRebuild::RUNNING}, start, tenant})
              .status();
        });
    if (!restarted.ok()) {
      logging::Warn("queued rollup rebuild not started",
                    {{"tenant", tenant}, {"error", std::string(restarted.message())}});
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(tenant);
      idle_.notify_all();
      return;
    }
  }
}

absl::StatusOr<int64_t> RollupRebuilder::Replay(const std::string& tenant, absl::Time start) {
  // No deadline: a large tenant replays for minutes, in one transaction.
  ASSIGN_OR_RETURN(mysql::Transaction tx,
                   mysql::Transaction::Begin(*deps_.pool, absl::InfiniteFuture()));
  // Holding every cursor row stops the consumers before they apply another
  // page, so no event is applied twice or missed across the swap.
  std::vector<mysql::Value> names;
  for (const RebuildFeed& feed : deps_.feeds) {
    RETURN_IF_ERROR(tx->Execute("INSERT IGNORE INTO consumer_cursors (feed, cursor_pos, "
                                "head_cursor) VALUES (?, 0, 0)",
                                {feed.name})
                        .status());
    names.emplace_back(feed.name);
  }
  absl::flat_hash_map<std::string, int64_t> cursors;
  if (!names.empty()) {
    ASSIGN_OR_RETURN(auto rows,
                     tx->Query(absl::StrCat("SELECT feed, cursor_pos FROM consumer_cursors "
                                            "WHERE feed IN (",
                                            mysql::ParameterList(names.size()), ") FOR UPDATE"),
                               names));
    for (const mysql::Row& row : rows) cursors[row.String(0)] = row.Int(1);
  }
  // The cells are re-derived in the zone the tenant asked for; it becomes
  // the effective zone (the applier's and the reads') only when this
  // transaction commits, so no page is ever applied in a zone other than
  // that of the cells it adds to. A later change queues another rebuild.
  ASSIGN_OR_RETURN(const std::string zone,
                   MysqlSettingsStore::RequestedTimeZone(tx.connection(), tenant));
  RETURN_IF_ERROR(deps_.rollups->DeleteTenant(tx, tenant));
  for (FactKeeper* keeper : deps_.keepers) RETURN_IF_ERROR(keeper->DeleteTenant(tx, tenant));
  RETURN_IF_ERROR(EventCountRollup::DeleteTenant(tx, tenant));

  int64_t replayed = 0;
  absl::Time last_progress = absl::Now();
  for (const RebuildFeed& feed : deps_.feeds) {
    const int64_t until = cursors[feed.name];
    int64_t after = 0;
    while (after < until) {
      ASSIGN_OR_RETURN(std::string token, deps_.token(tenant));
      grpc::ClientContext context;
      PreparePeerCall(context, token, absl::Now() + deps_.call_timeout);
      tandem::common::v1::ListEventsRequest request;
      request.set_after_cursor(after);
      request.set_page_size(deps_.page_size);
      tandem::common::v1::ListEventsResponse page;
      grpc::Status rpc = feed.stub->ListEvents(&context, request, &page);
      if (!rpc.ok()) {
        absl::Status status = FromGrpcStatus(rpc);
        return absl::Status(status.code(),
                            absl::StrCat("reading the ", feed.name, " feed: ", status.message()));
      }
      if (page.events().empty()) break;
      std::vector<const Event*> batch;
      for (const Event& event : page.events()) {
        if (event.cursor() > until) break;
        after = event.cursor();
        // A tenant's token reads only its events; the check keeps a feed
        // that ignores the scope from mixing tenants.
        if (event.tenant() == tenant) batch.push_back(&event);
      }
      if (page.events(page.events_size() - 1).cursor() > until) after = until;
      RETURN_IF_ERROR(deps_.applier->ApplyBatchInZone(tx, batch, tenant, zone));
      replayed += static_cast<int64_t>(batch.size());
      if (absl::Now() - last_progress >= kProgressInterval) {
        last_progress = absl::Now();
        absl::Status progress = RecordProgress(tenant, start, replayed);
        if (!progress.ok()) {
          logging::Warn("rollup rebuild progress not recorded",
                        {{"tenant", tenant}, {"error", std::string(progress.message())}});
        }
      }
    }
  }
  RETURN_IF_ERROR(MysqlSettingsStore::SetEffectiveTimeZone(tx.connection(), tenant, zone));
  RETURN_IF_ERROR(tx.Commit());
  return replayed;
}

absl::Status RollupRebuilder::RecordProgress(const std::string& tenant, absl::Time start,
                                             int64_t events) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, deps_.pool->Acquire(absl::Now() + absl::Seconds(5)));
  return db
      ->Execute(
          "UPDATE rollup_rebuilds SET events_replayed = ? WHERE tenant_id = ? AND "
          "start_time = ? AND state = ?",
          {events, tenant, start, int64_t{v1::RollupRebuild::RUNNING}})
      .status();
}

absl::Status RollupRebuilder::RecordEnd(const std::string& tenant, absl::Time start,
                                        const absl::Status& outcome, int64_t events) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db,
                   deps_.pool->Acquire(absl::Now() + absl::Seconds(10)));
  const int64_t state = outcome.ok() ? v1::RollupRebuild::SUCCEEDED : v1::RollupRebuild::FAILED;
  return db
      ->Execute(
          "UPDATE rollup_rebuilds SET state = ?, end_time = ?, events_replayed = ?, "
          "error = ? WHERE tenant_id = ? AND start_time = ?",
          {state, NowMicros(*deps_.clock), events, std::string(outcome.message()).substr(0, 2000),
           tenant, start})
      .status();
}

}  // namespace tandem::metrics
