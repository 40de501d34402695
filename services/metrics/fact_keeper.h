// A part of Metrics that keeps facts about one kind of thing (tickets,
// account ledgers, NPS answers…) from consumed events, and turns them into
// rollup contributions.
#ifndef TANDEM_SERVICES_METRICS_FACT_KEEPER_H_
#define TANDEM_SERVICES_METRICS_FACT_KEEPER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/mysql/connection.h"
#include "common/mysql/transaction.h"
#include "services/metrics/calendar.h"
#include "services/metrics/rollup.h"
#include "tandem/common/v1/event_feed.pb.h"

namespace tandem::metrics {

// The calendar scheme of each tenant in a page: its effective time zone, the
// one its cells are in (a requested zone becomes effective when the rebuild
// re-deriving the cells in it commits).
class TenantSchemes {
 public:
  virtual ~TenantSchemes() = default;
  virtual const PeriodScheme& For(const std::string& tenant) const = 0;
};

class FactKeeper {
 public:
  virtual ~FactKeeper() = default;

  // Short name for logs, e.g. "support".
  virtual absl::string_view name() const = 0;

  // Whether this keeper consumes `event` (by its source and type).
  virtual bool Handles(const tandem::common::v1::Event& event) const = 0;

  // Applies, in feed order, the events of a page that this keeper handles:
  // loads (and locks) the facts of every entity they touch through `tx`,
  // folds the events into them, writes them back, and adds to `delta` each
  // touched entity's contributions after minus its contributions before.
  // Must be idempotent: an event applied a second time (even after later
  // ones) leaves the facts as they were. Writes only through `tx`.
  virtual absl::Status ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                                 const std::vector<const tandem::common::v1::Event*>& events,
                                 Contributions& delta) = 0;

  // Adds the WINDOW measures of `scheme`'s window (scheme.is_window()) for
  // `tenant`, recomputed from the facts of the entities active in it: the
  // path for windows that are not a calendar period. Keepers without WINDOW
  // measures add nothing.
  virtual absl::Status AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                         const PeriodScheme& scheme, absl::Time deadline,
                                         Contributions& out) = 0;

  // Adds every contribution of `tenant`'s stored facts under `scheme`, from
  // scratch: what the rollups must equal under the tenant's effective zone
  // (used by the property tests).
  virtual absl::Status AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                           const PeriodScheme& scheme, absl::Time deadline,
                                           Contributions& out) = 0;

  // Deletes `tenant`'s facts (a rebuild then replays the feeds).
  virtual absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant) = 0;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_FACT_KEEPER_H_
