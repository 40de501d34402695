#include "common/mysql/transaction.h"

#include "common/status.h"

namespace tandem::mysql {

absl::StatusOr<Transaction> Transaction::Begin(Pool& pool, absl::Time deadline) {
  ASSIGN_OR_RETURN(PooledConnection connection, pool.Acquire(deadline));
  RETURN_IF_ERROR(connection->ExecuteDirect("START TRANSACTION"));
  return Transaction(std::move(connection));
}

Transaction::~Transaction() {
  if (open_) Rollback();
}

absl::Status Transaction::Commit() {
  open_ = false;
  if (absl::Status status = connection_->ExecuteDirect("COMMIT"); !status.ok()) {
    connection_->Rollback();
    return status;
  }
  for (auto& callback : after_commit_) callback();
  after_commit_.clear();
  return absl::OkStatus();
}

void Transaction::Rollback() {
  open_ = false;
  after_commit_.clear();
  connection_->Rollback();
}

absl::Status RunInTransaction(Pool& pool, absl::Time deadline,
                              const std::function<absl::Status(Transaction&)>& work) {
  constexpr int kAttempts = 3;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto tx = Transaction::Begin(pool, deadline);
    if (!tx.ok()) return tx.status();
    status = work(*tx);
    if (status.ok()) status = tx->Commit();
    if (status.code() != absl::StatusCode::kAborted) return status;
  }
  return status;
}

}  // namespace tandem::mysql
