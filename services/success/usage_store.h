// Storage of product usage, behind an interface so UsageManager can be
// tested without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_USAGE_STORE_H_
#define TANDEM_SERVICES_SUCCESS_USAGE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/listing.h"
#include "services/success/usage_rules.h"
#include "tandem/success/v1/usage.pb.h"

namespace tandem::success {

// What one ingested batch did.
struct IngestResult {
  int accepted = 0;
  int duplicates = 0;
  int accounts = 0;
};

// A rollup field a List may filter on.
enum class RollupField { kFeature, kDay };

// One typed rollup filter condition: the feature as given, the day as UTC
// DATETIME text.
struct RollupCondition {
  RollupField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A validated ListUsageRollups request.
struct RollupQuery {
  std::vector<RollupCondition> conditions;
  int page_size = 50;
  bool newest_first = true;
  // Where the page starts: after the rollup of this day and feature.
  std::optional<std::pair<absl::Time, std::string>> after;
};

// A page of rollups and whether another follows.
struct RollupPage {
  std::vector<v1::UsageRollup> rollups;
  bool has_more = false;
};

// Decides the new key features given the current ones (checking the
// etag), runs inside the store's transaction with the row locked.
using KeyFeaturesDecision =
    std::function<absl::StatusOr<std::vector<std::string>>(const v1::KeyFeatures& current)>;

// Reads and writes one tenant's usage at a time.
class UsageStore {
 public:
  virtual ~UsageStore() = default;

  // Stores the records (validated, de-duplicated by id within the batch)
  // that the tenant has not sent before, their rollups, a UsageRolledUp
  // event per account and day they touch, and a review per account, in
  // one transaction at `now`. INVALID_ARGUMENT on `events[i].account` for
  // each record whose account does not exist, with nothing written.
  virtual absl::StatusOr<IngestResult> Ingest(const std::string& tenant,
                                              const std::vector<UsageRecord>& records,
                                              absl::Time now, absl::Time deadline) = 0;

  // Returns a page of the account's rollups; NOT_FOUND without the account.
  virtual absl::StatusOr<RollupPage> ListRollups(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const RollupQuery& query, absl::Time deadline) = 0;

  // Returns the tenant's key features (no features, etag of version 0,
  // until first set).
  virtual absl::StatusOr<v1::KeyFeatures> GetKeyFeatures(const std::string& tenant,
                                                         absl::Time deadline) = 0;

  // Locks the tenant's key features, runs `decide` and stores its answer
  // at `now` (unless unchanged), queuing a review of every account with
  // usage in the last 30 days.
  virtual absl::StatusOr<v1::KeyFeatures> UpdateKeyFeatures(const std::string& tenant,
                                                            const KeyFeaturesDecision& decide,
                                                            absl::Time now,
                                                            absl::Time deadline) = 0;

  // Returns what is known of the account's usage as of `now`; NOT_FOUND
  // without the account.
  virtual absl::StatusOr<UsageFacts> GetUsageFacts(const std::string& tenant,
                                                   const std::string& account_id, absl::Time now,
                                                   absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_USAGE_STORE_H_
