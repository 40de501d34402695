#include "services/success/usage_rules.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/proto_time.h"
#include "common/resources.h"

namespace tandem::success {
namespace {

constexpr absl::Duration kDay = absl::Hours(24);
constexpr size_t kMaxFeature = 100;
constexpr size_t kMaxUser = 128;

bool HasSpaceOrControl(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return absl::ascii_isspace(u) || absl::ascii_iscntrl(u);
  });
}

// The earliest event time accepted: 2000-01-01T00:00:00Z.
absl::Time EarliestEventTime() { return absl::FromUnixSeconds(946684800); }

}  // namespace

absl::Time DayStart(absl::Time t) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  int64_t day = seconds / 86400;
  if (seconds % 86400 < 0) --day;
  return absl::FromUnixSeconds(day * 86400);
}

bool ValidFeatureName(absl::string_view feature) {
  if (feature.empty() || feature.size() > kMaxFeature) return false;
  return std::all_of(feature.begin(), feature.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':' || c == '/';
  });
}

absl::StatusOr<std::vector<UsageRecord>> ValidateUsageEvents(
    const google::protobuf::RepeatedPtrField<v1::UsageEvent>& events, absl::Time now) {
  FieldViolations violations;
  if (events.empty()) {
    violations.Add("events", "must hold at least one event");
  } else if (events.size() > kMaxUsageBatch) {
    violations.Add("events", absl::StrCat("must hold at most ", kMaxUsageBatch,
                                          " events per call (or per stream message)"));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  std::vector<UsageRecord> records;
  records.reserve(events.size());
  for (int i = 0; i < events.size(); ++i) {
    const v1::UsageEvent& event = events[i];
    const std::string prefix = absl::StrCat("events[", i, "].");
    UsageRecord record;
    record.index = i;
    if (event.event_id().empty()) {
      violations.Add(prefix + "event_id", "is required");
    } else {
      FieldViolations id_violations;
      CheckRequestId(event.event_id(), id_violations);
      if (!id_violations.empty()) {
        violations.Add(prefix + "event_id",
                       "must be at most 128 letters, digits, '-', '_', '.' or ':'");
      }
    }
    auto account = ParseResourceName(prefix + "account", "accounts", event.account());
    if (!account.ok()) {
      violations.Add(prefix + "account", "must look like accounts/{id}");
    } else {
      record.account_id = *account;
    }
    if (!ValidFeatureName(event.feature())) {
      violations.Add(prefix + "feature", event.feature().empty()
                                             ? "is required"
                                             : "must be 1 to 100 letters, digits, '-', '_', "
                                               "'.', ':' or '/'");
    }
    if (event.user().empty()) {
      violations.Add(prefix + "user", "is required");
    } else if (event.user().size() > kMaxUser || HasSpaceOrControl(event.user())) {
      violations.Add(prefix + "user", "must be at most 128 characters, without spaces");
    }
    if (event.count() < 0 || event.count() > kMaxUsageCount) {
      violations.Add(prefix + "count",
                     absl::StrCat("must be 1 to ", kMaxUsageCount, " (0 means 1)"));
    }
    if (!event.has_event_time()) {
      violations.Add(prefix + "event_time", "is required");
    } else {
      const absl::Time time = FromProtoTime(event.event_time());
      if (time < EarliestEventTime() || time > now + kDay) {
        violations.Add(prefix + "event_time",
                       "must be after 2000-01-01T00:00:00Z and at most one day in the future");
      }
      record.event_time = time;
      record.day = DayStart(time);
    }
    record.event_id = event.event_id();
    record.feature = event.feature();
    record.user = event.user();
    record.count = event.count() == 0 ? 1 : event.count();
    records.push_back(std::move(record));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return records;
}

int DropRepeatedEventIds(std::vector<UsageRecord>& records) {
  std::set<std::string> seen;
  const auto before = records.size();
  records.erase(
      std::remove_if(records.begin(), records.end(),
                     [&](const UsageRecord& r) { return !seen.insert(r.event_id).second; }),
      records.end());
  return static_cast<int>(before - records.size());
}

IngestPlan PlanIngest(const std::vector<UsageRecord>& records) {
  std::map<std::tuple<std::string, absl::Time, std::string>, FeatureDayIncrement> features;
  std::map<std::pair<std::string, absl::Time>, AccountDayIncrement> days;
  std::set<DayUser> feature_users;
  std::set<DayUser> account_users;
  IngestPlan plan;
  for (const UsageRecord& r : records) {
    FeatureDayIncrement& f = features[{r.account_id, r.day, r.feature}];
    f.account_id = r.account_id;
    f.day = r.day;
    f.feature = r.feature;
    f.usage_count += r.count;
    ++f.event_count;
    AccountDayIncrement& d = days[{r.account_id, r.day}];
    d.account_id = r.account_id;
    d.day = r.day;
    d.usage_count += r.count;
    ++d.event_count;
    d.last_event_time = std::max(d.last_event_time, r.event_time);
    feature_users.insert({r.account_id, r.day, r.feature, r.user});
    account_users.insert({r.account_id, r.day, "", r.user});
    plan.accounts.insert(r.account_id);
  }
  for (auto& [key, value] : features) plan.feature_days.push_back(std::move(value));
  for (auto& [key, value] : days) plan.account_days.push_back(std::move(value));
  plan.feature_users.assign(feature_users.begin(), feature_users.end());
  plan.account_users.assign(account_users.begin(), account_users.end());
  return plan;
}

absl::Time WindowStart(absl::Time now) { return DayStart(now) - 29 * kDay; }

absl::Time PriorWindowStart(absl::Time now) { return WindowStart(now) - 30 * kDay; }

UsageSignals UsageSignalsFrom(const UsageFacts& facts) {
  UsageSignals signals;
  // An account that has never had usage has no adoption or seat ratio yet
  // (not zero): nothing to score.
  const bool any_usage = facts.last_usage_time.has_value();
  if (any_usage && !facts.key_features.empty()) {
    int used = 0;
    for (const std::string& feature : facts.key_features) {
      used += facts.features_used_30d.contains(feature) ? 1 : 0;
    }
    signals.adoption = static_cast<double>(used) / static_cast<double>(facts.key_features.size());
  }
  if (any_usage && facts.seats_licensed > 0) {
    signals.active_seat_ratio = static_cast<double>(facts.active_users_30d) / facts.seats_licensed;
    if (facts.usage_before_window) {
      signals.active_seat_ratio_before =
          static_cast<double>(facts.active_users_prior_30d) / facts.seats_licensed;
    }
  }
  signals.active_users_30d = facts.active_users_30d;
  signals.usage_last_30d = facts.usage_30d;
  signals.usage_prior_30d = facts.usage_prior_30d;
  signals.last_usage_time = facts.last_usage_time;
  return signals;
}

v1::HealthTrend SeatRatioTrend(double before, double now) {
  if (now - before > 0.05) return v1::IMPROVING;
  if (before - now > 0.05) return v1::DECLINING;
  return v1::STABLE;
}

v1::AccountAdoption AdoptionFrom(const std::string& account_id, const UsageFacts& facts,
                                 absl::Time now) {
  const UsageSignals signals = UsageSignalsFrom(facts);
  v1::AccountAdoption adoption;
  const std::string account = ResourceName("accounts", account_id);
  adoption.set_name(absl::StrCat(account, "/adoption"));
  adoption.set_account(account);
  for (const std::string& feature : facts.key_features) {
    if (facts.features_used_30d.contains(feature)) {
      adoption.add_key_features_used(feature);
    } else {
      adoption.add_key_features_unused(feature);
    }
  }
  adoption.set_key_features_defined(!facts.key_features.empty());
  adoption.set_adoption(signals.adoption.value_or(0));
  adoption.set_active_users(facts.active_users_30d);
  adoption.set_seats_licensed(facts.seats_licensed);
  adoption.set_active_seat_ratio(signals.active_seat_ratio.value_or(0));
  adoption.set_active_seat_ratio_before(signals.active_seat_ratio_before.value_or(0));
  if (signals.active_seat_ratio.has_value() && signals.active_seat_ratio_before.has_value()) {
    adoption.set_active_seat_trend(
        SeatRatioTrend(*signals.active_seat_ratio_before, *signals.active_seat_ratio));
  }
  adoption.set_usage_count(facts.usage_30d);
  adoption.set_usage_count_before(facts.usage_prior_30d);
  std::map<absl::Time, int32_t> by_day(facts.daily_active_users.begin(),
                                       facts.daily_active_users.end());
  for (absl::Time day = WindowStart(now); day <= DayStart(now); day += kDay) {
    v1::DailyActiveUsers* entry = adoption.add_daily_active_users();
    *entry->mutable_day_start_time() = ToProtoTime(day);
    const auto it = by_day.find(day);
    entry->set_active_users(it == by_day.end() ? 0 : it->second);
  }
  if (facts.last_usage_time.has_value()) {
    *adoption.mutable_last_usage_time() = ToProtoTime(*facts.last_usage_time);
  }
  *adoption.mutable_compute_time() = ToProtoTime(now);
  return adoption;
}

absl::StatusOr<std::vector<std::string>> NormalizeKeyFeatures(
    const google::protobuf::RepeatedPtrField<std::string>& features) {
  FieldViolations violations;
  if (features.size() > kMaxKeyFeatures) {
    violations.Add("key_features.features",
                   absl::StrCat("must have at most ", kMaxKeyFeatures, " features"));
  }
  for (int i = 0; i < features.size(); ++i) {
    if (!ValidFeatureName(features[i])) {
      violations.Add(absl::StrCat("key_features.features[", i, "]"),
                     "must be 1 to 100 letters, digits, '-', '_', '.', ':' or '/'");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  std::set<std::string> unique(features.begin(), features.end());
  return std::vector<std::string>(unique.begin(), unique.end());
}

}  // namespace tandem::success
