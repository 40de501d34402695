// Transactions: an RAII guard that rolls back unless committed, and a
// runner that retries the whole unit of work when the database reports a
// deadlock.
#ifndef TANDEM_COMMON_MYSQL_TRANSACTION_H_
#define TANDEM_COMMON_MYSQL_TRANSACTION_H_

#include <functional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mysql/pool.h"

namespace tandem::mysql {

// An open transaction on a pooled connection.
//   ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(pool, deadline));
//   RETURN_IF_ERROR(tx->Execute(...).status());
//   RETURN_IF_ERROR(tx.Commit());
class Transaction {
 public:
  // Checks out a connection and starts a transaction.
  static absl::StatusOr<Transaction> Begin(Pool& pool, absl::Time deadline);

  // A moved-from transaction no longer owns the connection or the
  // transaction, so its destructor does nothing.
  Transaction(Transaction&& other) noexcept
      : connection_(std::move(other.connection_)),
        open_(std::exchange(other.open_, false)),
        after_commit_(std::move(other.after_commit_)) {}
  Transaction& operator=(Transaction&&) = delete;
  // Rolls back if neither Commit() nor Rollback() ran.
  ~Transaction();

  Connection* operator->() const { return &*connection_; }
  Connection& connection() const { return *connection_; }

  // Commits, then runs the after-commit callbacks.
  absl::Status Commit();
  // Rolls back explicitly.
  void Rollback();

  // Registers `callback` to run only if and after the transaction commits
  // (e.g. to wake a background worker about rows it can now see).
  void AfterCommit(std::function<void()> callback) {
    after_commit_.push_back(std::move(callback));
  }

 private:
  explicit Transaction(PooledConnection connection) : connection_(std::move(connection)) {}

  PooledConnection connection_;
  bool open_ = true;
  std::vector<std::function<void()>> after_commit_;
};

// Runs `work` in a transaction and commits it; retries up to 3 times when
// the database aborts it for a deadlock or lock-wait timeout.
absl::Status RunInTransaction(Pool& pool, absl::Time deadline,
                              const std::function<absl::Status(Transaction&)>& work);

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_TRANSACTION_H_
