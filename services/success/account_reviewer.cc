#include "services/success/account_reviewer.h"

#include <utility>
#include <vector>

#include "common/logging.h"
#include "common/mysql/transaction.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/mysql_account_store.h"
#include "services/success/mysql_engagement_store.h"
#include "services/success/mysql_health_store.h"
#include "services/success/mysql_lifecycle_store.h"
#include "services/success/mysql_playbook_store.h"

namespace tandem::success {
namespace {

// The stage of an account that is no longer reviewed by the daily pass.
constexpr int kChurnedStage = v1::Account::CHURNED;

// How long a failed review waits before it is tried again.
constexpr absl::Duration kRetryDelay = absl::Minutes(1);

}  // namespace

absl::StatusOr<int> AccountReviewer::ReviewDue(int limit, absl::Time deadline) {
  std::vector<std::pair<std::string, std::string>> due;
  {
    ASSIGN_OR_RETURN(mysql::PooledConnection connection, pool_->Acquire(deadline));
    ASSIGN_OR_RETURN(auto rows,
                     connection->Query("SELECT tenant_id, account_id FROM account_reviews "
                                       "WHERE due_time <= ? ORDER BY due_time LIMIT ?",
                                       {clock_->Now(), int64_t{limit}}));
    for (const mysql::Row& row : rows) due.emplace_back(row.String(0), row.String(1));
  }
  int reviewed = 0;
  for (const auto& [tenant, account_id] : due) {
    absl::StatusOr<bool> done = ReviewOne(tenant, account_id, deadline);
    if (!done.ok()) {
      logging::Warn("account review failed", {{"tenant", tenant},
                                              {"account", account_id},
                                              {"error", std::string(done.status().message())}});
      // Later rows get their turn; this one is tried again in a minute.
      absl::StatusOr<mysql::PooledConnection> connection = pool_->Acquire(deadline);
      if (connection.ok()) {
        (void)(*connection)
            ->Execute(
                "UPDATE account_reviews SET due_time = ? "
                "WHERE tenant_id = ? AND account_id = ?",
                {clock_->Now() + kRetryDelay, tenant, account_id});
      }
      continue;
    }
    if (*done) ++reviewed;
  }
  return reviewed;
}

absl::StatusOr<bool> AccountReviewer::ReviewOne(const std::string& tenant,
                                                const std::string& account_id,
                                                absl::Time deadline) {
  bool reviewed = false;
  RETURN_IF_ERROR(mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) {
    reviewed = false;
    const absl::Time now = clock_->Now();
    // The account row first, as every writer of it does, then the queue
    // row. Either one held by another transaction (a writer, or a replica
    // reviewing it) means: leave it queued for the next round.
    ASSIGN_OR_RETURN(auto account_rows,
                     tx->Query("SELECT id FROM accounts WHERE tenant_id = ? AND id = ? "
                               "FOR UPDATE SKIP LOCKED",
                               {tenant, account_id}));
    if (account_rows.empty()) {
      ASSIGN_OR_RETURN(
          auto exists,
          tx->Query("SELECT 1 FROM accounts WHERE tenant_id = ? AND id = ?", {tenant, account_id}));
      if (!exists.empty()) return absl::OkStatus();  // held: next round
    }
    ASSIGN_OR_RETURN(auto queued, tx->Query("SELECT reason FROM account_reviews "
                                            "WHERE tenant_id = ? AND account_id = ? "
                                            "AND due_time <= ? FOR UPDATE SKIP LOCKED",
                                            {tenant, account_id, now}));
    if (queued.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM account_reviews WHERE tenant_id = ? AND account_id = ?",
                    {tenant, account_id})
            .status());
    if (account_rows.empty()) return absl::OkStatus();  // deleted since it was queued

    AccountSignals signals;
    signals.as_of = now;
    RETURN_IF_ERROR(LoadAccountFacts(tx, tenant, account_id, signals.account));
    RETURN_IF_ERROR(LoadUsageSignals(tx, tenant, account_id, now, signals.usage));
    RETURN_IF_ERROR(LoadSupportSignals(tx, tenant, account_id, now, signals.support));
    RETURN_IF_ERROR(LoadEngagementSignals(tx, tenant, account_id, now, signals.engagement));
    RETURN_IF_ERROR(LoadLifecycleSignals(tx, tenant, account_id, now, signals.lifecycle));
    ASSIGN_OR_RETURN(HealthChange health,
                     RescoreHealth(tx, *outbox_, signals, queued.front().String(0)));
    RETURN_IF_ERROR(RunPlaybooks(tx, *outbox_, signals, health));
    reviewed = true;
    return absl::OkStatus();
  }));
  return reviewed;
}

absl::StatusOr<int> AccountReviewer::QueueAll(absl::string_view reason, absl::Time deadline) {
  constexpr int64_t kBatch = 500;
  int queued = 0;
  std::string after_tenant, after_id;
  for (;;) {
    int64_t batch = 0;
    RETURN_IF_ERROR(mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) {
      ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT tenant_id, id FROM accounts "
                                            "WHERE (tenant_id > ? OR (tenant_id = ? AND id > ?)) "
                                            "AND lifecycle_stage <> ? "
                                            "ORDER BY tenant_id, id LIMIT ?",
                                            {after_tenant, after_tenant, after_id,
                                             int64_t{kChurnedStage}, kBatch}));
      batch = static_cast<int64_t>(rows.size());
      const absl::Time now = clock_->Now();
      // The rows come in tenant order: one multi-row queueing per tenant.
      for (size_t i = 0; i < rows.size();) {
        const std::string tenant = rows[i].String(0);
        std::vector<std::string> account_ids;
        for (; i < rows.size() && rows[i].String(0) == tenant; ++i) {
          account_ids.push_back(rows[i].String(1));
        }
        RETURN_IF_ERROR(QueueAccountReviews(tx, tenant, account_ids, reason, now));
      }
      if (!rows.empty()) {
        after_tenant = rows.back().String(0);
        after_id = rows.back().String(1);
      }
      return absl::OkStatus();
    }));
    queued += static_cast<int>(batch);
    if (batch < kBatch) return queued;
  }
}

absl::StatusOr<int> AccountReviewer::QueueAllIfDue(const std::string& pass, absl::Duration every,
                                                   absl::Time deadline) {
  bool due = false;
  RETURN_IF_ERROR(mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) {
    const absl::Time now = clock_->Now();
    RETURN_IF_ERROR(tx->Execute("INSERT IGNORE INTO review_passes (name, last_time) VALUES (?, ?)",
                                {pass, absl::UnixEpoch()})
                        .status());
    ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT last_time FROM review_passes WHERE name = ? "
                                          "FOR UPDATE",
                                          {pass}));
    due = rows.empty() || now - rows[0].Time(0) >= every;
    if (!due) return absl::OkStatus();
    // Claimed before the queuing, so a crash mid-way skips one pass rather
    // than two replicas running it.
    return tx->Execute("UPDATE review_passes SET last_time = ? WHERE name = ?", {now, pass})
        .status();
  }));
  if (!due) return 0;
  return QueueAll(pass, deadline);
}

}  // namespace tandem::success
