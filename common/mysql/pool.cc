#include "common/mysql/pool.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace tandem::mysql {

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Release(std::move(connection_));
}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr && connection_ != nullptr) pool_->Release(std::move(connection_));
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
  }
  return *this;
}

Pool::Pool(Dsn dsn, PoolOptions options) : dsn_(std::move(dsn)), options_(options) {}

Pool::~Pool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
  probe_.reset();
}

absl::StatusOr<PooledConnection> Pool::Acquire(absl::Time deadline) {
  const absl::Time now = absl::Now();
  const absl::Time wait_until = std::min(deadline, now + options_.checkout_timeout);
  std::unique_ptr<Connection> connection;
  bool open_new = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
        break;
      }
      if (open_ < options_.max_connections) {
        ++open_;
        open_new = true;
        break;
      }
      const absl::Time t = absl::Now();
      if (t >= wait_until) {
        ++counters_.wait_timeouts_total;
        if (deadline <= t) {
          return absl::DeadlineExceededError(
              "the request deadline passed while waiting for a database connection");
        }
        absl::Status status = absl::UnavailableError(absl::StrCat(
            "all ", options_.max_connections, " database connections are busy; retry"));
        return status;
      }
      freed_.wait_for(lock, absl::ToChronoNanoseconds(wait_until - t));
    }
  }
  // A connection that idled a while may have been closed by the server.
  if (connection != nullptr && absl::Now() - connection->last_used() > options_.validate_after_idle &&
      !connection->Ping()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.discarded_total;
    }
    connection.reset();
    open_new = true;  // keeps the slot this connection held
  }
  if (open_new) {
    auto opened = Connection::Open(dsn_, options_.connect);
    if (!opened.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
      freed_.notify_one();
      // Unreachable stays UNAVAILABLE (retry); refused credentials stay
      // FAILED_PRECONDITION (fix the setting).
      return opened.status();
    }
    connection = std::move(*opened);
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.opened_total;
  }
  PooledConnection pooled(this, std::move(connection));
  if (absl::Status status = pooled->SetDeadline(deadline); !status.ok()) return status;
  return pooled;
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection->broken()) {
    --open_;
    ++counters_.discarded_total;
  } else {
    connection->set_last_used(absl::Now());
    idle_.push_back(std::move(connection));
  }
  freed_.notify_one();
}

bool Pool::Healthy() {
  std::lock_guard<std::mutex> lock(probe_mu_);
  if (probe_ == nullptr || probe_->broken()) {
    ConnectOptions options = options_.connect;
    options.io_timeout = options_.checkout_timeout;  // a hung server reads as unhealthy
    auto opened = Connection::Open(dsn_, options);
    if (!opened.ok()) {
      probe_.reset();
      return false;
    }
    probe_ = std::move(*opened);
  }
  return probe_->SetDeadline(absl::Now() + options_.checkout_timeout).ok() &&
         probe_->Query("SELECT 1").ok();
}

PoolStats Pool::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  PoolStats stats = counters_;
  stats.idle = static_cast<int>(idle_.size());
  stats.in_use = open_ - stats.idle;
  return stats;
}

}  // namespace tandem::mysql
