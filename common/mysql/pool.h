// A bounded pool of database connections.
//
// Acquire() hands out an idle connection (pinging it first if it sat idle
// for a while) or opens a new one while under the limit, else waits until
// one is returned or the checkout timeout (or the request deadline) passes.
// A connection that lost the server is discarded on return, so the pool
// heals by itself once the database is back.
#ifndef TANDEM_COMMON_MYSQL_POOL_H_
#define TANDEM_COMMON_MYSQL_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mysql/connection.h"
#include "common/mysql/dsn.h"

namespace tandem::mysql {

// Pool limits and timeouts.
struct PoolOptions {
  int max_connections = 8;
  // Longest wait for a free connection before UNAVAILABLE.
  absl::Duration checkout_timeout = absl::Seconds(2);
  // An idle connection older than this is pinged before reuse.
  absl::Duration validate_after_idle = absl::Seconds(2);
  ConnectOptions connect;
};

// Counters for the /metrics gauges.
struct PoolStats {
  int in_use = 0;
  int idle = 0;
  int64_t opened_total = 0;
  int64_t discarded_total = 0;
  int64_t wait_timeouts_total = 0;
};

class Pool;

// A connection checked out of a pool; returned when destroyed.
class PooledConnection {
 public:
  PooledConnection(Pool* pool, std::unique_ptr<Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&& other) noexcept
      : pool_(other.pool_), connection_(std::move(other.connection_)) {}
  // Returns the connection held so far to its pool, then takes `other`'s.
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  ~PooledConnection();

  Connection* operator->() const { return connection_.get(); }
  Connection& operator*() const { return *connection_; }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> connection_;
};

// Thread-safe pool of connections to one database.
class Pool {
 public:
  Pool(Dsn dsn, PoolOptions options);
  ~Pool();

  // Returns a connection whose statements honour `deadline`. Fails with
  // UNAVAILABLE when the database cannot be reached or no connection frees
  // up in time, DEADLINE_EXCEEDED when the deadline passes first.
  absl::StatusOr<PooledConnection> Acquire(absl::Time deadline = absl::InfiniteFuture());

  // Returns true if the database answers `SELECT 1` within the checkout
  // timeout. Uses a connection of its own, outside the pool's limit, so a
  // busy pool never reads as a dead database.
  bool Healthy();

  // Returns a snapshot of the counters.
  PoolStats Stats() const;

  // The database this pool connects to.
  const Dsn& dsn() const { return dsn_; }

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<Connection> connection);

  const Dsn dsn_;
  const PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::deque<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections in use or idle
  PoolStats counters_;
  std::mutex probe_mu_;
  std::unique_ptr<Connection> probe_;
};

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_POOL_H_
