// Rebuilds a tenant's rollups from its events: in one transaction that
// holds both feed cursors (so the consumers wait), deletes the tenant's
// cells, facts and event counts and replays its events of every feed up to
// those cursors through the applier, in the tenant's requested time zone,
// which the commit makes its effective one. Readers see the old rollups
// (and zone) until the commit swaps in the new ones, and a crash loses
// nothing. Holding the cursors pauses both feeds for every tenant.
#ifndef TANDEM_SERVICES_METRICS_ROLLUP_REBUILDER_H_
#define TANDEM_SERVICES_METRICS_ROLLUP_REBUILDER_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/clock.h"
#include "common/mysql/pool.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/metrics_applier.h"
#include "services/metrics/metrics_parts.h"
#include "services/metrics/rollup_store.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"

namespace tandem::metrics {

// A consumed feed: its cursor's name in `consumer_cursors` and its server.
struct RebuildFeed {
  std::string name;
  std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub;
};

// What a rebuild needs.
struct RebuilderDeps {
  mysql::Pool* pool = nullptr;
  MetricsApplier* applier = nullptr;
  RollupStore* rollups = nullptr;
  std::vector<FactKeeper*> keepers;
  std::vector<RebuildFeed> feeds;
  // A service token for one tenant (the feed then sends only its events).
  std::function<absl::StatusOr<std::string>(const std::string& tenant)> token;
  const Clock* clock = nullptr;
  int page_size = 1000;
  absl::Duration call_timeout = absl::Seconds(30);
};

class RollupRebuilder final : public RebuildRunner {
 public:
  explicit RollupRebuilder(RebuilderDeps deps) : deps_(std::move(deps)) {}
  // Waits for running rebuilds to end.
  ~RollupRebuilder() override;

  // Reports every rebuild left RUNNING by a process that stopped as FAILED
  // "interrupted" (its transaction was rolled back). Call once at start-up,
  // before Start().
  absl::Status RecoverInterrupted(absl::Time deadline);

  // Records a RUNNING rebuild and runs it on a background thread.
  absl::StatusOr<v1::RollupRebuild> Start(const std::string& tenant) override;
  absl::StatusOr<std::optional<v1::RollupRebuild>> Latest(const std::string& tenant,
                                                          absl::Time deadline) override;

  // Starts a rebuild of `tenant`, or, if one is running, another once it
  // ends (it may have read the old settings). For settings changes.
  void StartOrQueue(const std::string& tenant);

  // Waits until no rebuild of this runner is running or queued.
  void WaitIdle();

 private:
  // Runs the rebuild of `tenant` recorded at `start`, then any queued one.
  void Run(std::string tenant, absl::Time start);
  // Replays in one transaction; returns the events replayed.
  absl::StatusOr<int64_t> Replay(const std::string& tenant, absl::Time start);
  absl::Status RecordProgress(const std::string& tenant, absl::Time start, int64_t events);
  absl::Status RecordEnd(const std::string& tenant, absl::Time start, const absl::Status& outcome,
                         int64_t events);

  const RebuilderDeps deps_;
  std::mutex mu_;
  std::condition_variable idle_;
  absl::flat_hash_set<std::string> running_;  // guarded by mu_
  absl::flat_hash_set<std::string> queued_;   // guarded by mu_
  std::vector<std::thread> threads_;          // guarded by mu_
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_ROLLUP_REBUILDER_H_
