// The rules of product usage apart from storage: validating ingested
// events, folding a batch into per-key rollup increments, and turning an
// account's usage facts into adoption figures and health signals.
//
// Days are UTC days. "The last 30 days" are the 30 UTC days ending with
// the day of "now" (today included); "the 30 days before" the 30 days
// before those.
#ifndef TANDEM_SERVICES_SUCCESS_USAGE_RULES_H_
#define TANDEM_SERVICES_SUCCESS_USAGE_RULES_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <google/protobuf/repeated_ptr_field.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "services/success/account_signals.h"
#include "tandem/success/v1/usage.pb.h"

namespace tandem::success {

// Most events one IngestUsageEvents call (or one stream message) carries.
inline constexpr int kMaxUsageBatch = 1000;
// Most key features a tenant may have.
inline constexpr int kMaxKeyFeatures = 100;
// Largest count one event may carry.
inline constexpr int64_t kMaxUsageCount = 1'000'000;

// One validated usage event, as stored.
struct UsageRecord {
  int index = 0;  // its place in the request, for error messages
  std::string event_id;
  std::string account_id;  // the id, not the resource name
  std::string feature;
  std::string user;
  int64_t count = 1;
  absl::Time event_time;
  absl::Time day;  // start of its UTC day
};

// Returns midnight UTC of `t`'s day.
absl::Time DayStart(absl::Time t);

// Returns true for a valid feature name: 1 to 100 characters of letters,
// digits, '-', '_', '.', ':' and '/'.
bool ValidFeatureName(absl::string_view feature);

// Validates a batch (1 to kMaxUsageBatch events) and returns it as
// records, or INVALID_ARGUMENT naming every bad field as
// "events[i].<field>". `now` bounds event times (at most a day ahead).
absl::StatusOr<std::vector<UsageRecord>> ValidateUsageEvents(
    const google::protobuf::RepeatedPtrField<v1::UsageEvent>& events, absl::Time now);

// Keeps the first of each event id in `records`; returns how many it
// dropped.
int DropRepeatedEventIds(std::vector<UsageRecord>& records);

// What a batch adds to one (account, day, feature) rollup.
struct FeatureDayIncrement {
  std::string account_id;
  absl::Time day;
  std::string feature;
  int64_t usage_count = 0;
  int64_t event_count = 0;
};

// What a batch adds to one (account, day).
struct AccountDayIncrement {
  std::string account_id;
  absl::Time day;
  int64_t usage_count = 0;
  int64_t event_count = 0;
  absl::Time last_event_time = absl::InfinitePast();
};

// A user seen on a day, for one feature (`feature` set) or any.
struct DayUser {
  std::string account_id;
  absl::Time day;
  std::string feature;  // empty for the account-wide set
  std::string user;
  friend bool operator<(const DayUser& a, const DayUser& b) {
    return std::tie(a.account_id, a.day, a.feature, a.user) <
           std::tie(b.account_id, b.day, b.feature, b.user);
  }
};

// A batch folded into the writes it makes, each list sorted by key (so
// concurrent ingests lock rows in the same order).
struct IngestPlan {
  std::vector<FeatureDayIncrement> feature_days;
  std::vector<AccountDayIncrement> account_days;
  std::vector<DayUser> feature_users;
  std::vector<DayUser> account_users;
  std::set<std::string> accounts;
};

// Folds new (not yet stored, de-duplicated) records into an IngestPlan.
IngestPlan PlanIngest(const std::vector<UsageRecord>& records);

// What the store knows of one account's usage, as of `now`.
struct UsageFacts {
  std::vector<std::string> key_features;  // the tenant's, sorted
  std::set<std::string> features_used_30d;
  int32_t seats_licensed = 0;
  int32_t active_users_30d = 0;
  int32_t active_users_prior_30d = 0;
  // Whether the account has any usage before the last 30 days (without
  // it there is nothing to compare the seats with).
  bool usage_before_window = false;
  int64_t usage_30d = 0;
  int64_t usage_prior_30d = 0;
  std::optional<absl::Time> last_usage_time;
  // Days of the last 30 with usage, and their distinct users.
  std::vector<std::pair<absl::Time, int32_t>> daily_active_users;
};

// The first day of the last 30 days as of `now`.
absl::Time WindowStart(absl::Time now);

// The first day of the 30 days before those.
absl::Time PriorWindowStart(absl::Time now);

// Turns usage facts into the health review's usage signals.
UsageSignals UsageSignalsFrom(const UsageFacts& facts);

// Turns usage facts into GetAccountAdoption's answer for `account_id`.
v1::AccountAdoption AdoptionFrom(const std::string& account_id, const UsageFacts& facts,
                                 absl::Time now);

// Direction of the active-seat ratio: beyond 5 percentage points up
// IMPROVING, down DECLINING, else STABLE.
v1::HealthTrend SeatRatioTrend(double before, double now);

// Validates and normalizes (sorted, without duplicates) key features;
// violations on "key_features.features[i]".
absl::StatusOr<std::vector<std::string>> NormalizeKeyFeatures(
    const google::protobuf::RepeatedPtrField<std::string>& features);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_USAGE_RULES_H_
