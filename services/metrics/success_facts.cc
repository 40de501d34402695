#include "services/metrics/success_facts.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/mysql/insert_rows.h"
#include "common/mysql/sql_params.h"
#include "common/proto_time.h"
#include "common/status.h"
#include "services/metrics/event_parsing.h"
#include "services/metrics/measures.h"
#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/engagement.pb.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/health.pb.h"
#include "tandem/success/v1/lifecycle.pb.h"
#include "tandem/success/v1/revenue.pb.h"
#include "tandem/success/v1/usage.pb.h"

namespace tandem::metrics {
namespace success_facts {
namespace {

namespace sv1 = ::tandem::success::v1;
using ::tandem::common::v1::Event;

constexpr char kSource[] = "tandem.success.v1";

absl::Time TimeOr(const google::protobuf::Timestamp& t, bool has, const Event& event) {
  return StoredTime(has ? t : event.occur_time());
}

AccountSegment SegmentOf(int tier, const std::string& plan, const std::string& owner) {
  return AccountSegment{TouchTierName(tier), plan, owner};
}

AccountSegment SegmentOf(const sv1::Account& account) {
  return SegmentOf(account.touch_tier(), account.plan(), account.owner());
}

AccountSegment SegmentOf(const sv1::LifecycleAccountSnapshot& account) {
  return SegmentOf(account.touch_tier(), account.plan(), account.owner());
}

template <typename Payload>
std::optional<Payload> PayloadOf(const Event& event, absl::string_view type) {
  if (event.source() != kSource || event.type() != type) return std::nullopt;
  Payload payload;
  if (!UnpackPayload(event, "success", payload)) return std::nullopt;
  return payload;
}

// The latest of two answers of one respondent: by response time, then
// name (names are time-ordered ids).
bool LaterAnswer(const NpsAnswer& a, const NpsAnswer& b) {
  return std::tie(a.time, a.name) > std::tie(b.time, b.name);
}

const char* BandMeasure(int band) {
  switch (band) {
    case sv1::RED:
      return measure::kHealthRed;
    case sv1::YELLOW:
      return measure::kHealthYellow;
    case sv1::GREEN:
      return measure::kHealthGreen;
    default:
      return nullptr;
  }
}

// Adds `sign` × an account's presence in the health distribution.
void AddHealthPresence(const std::string& tenant, const Period& period, const HealthState& state,
                       int sign, Contributions& out) {
  const Segments segments = state.segment.ToSegments();
  out.Add(tenant, segments, measure::kHealthScored, period, 1, state.score, sign);
  if (const char* band = BandMeasure(state.band); band != nullptr) {
    out.Add(tenant, segments, band, period, 1, 0, sign);
  }
}

bool SamePresence(const HealthState& a, const HealthState& b) {
  if (a.counted() != b.counted()) return false;
  if (!a.counted()) return true;
  return a.score == b.score && a.band == b.band && a.segment == b.segment;
}

}  // namespace

Segments AccountSegment::ToSegments() const {
  Segments segments;
  segments.With(measure::kTier, tier).With(measure::kPlan, plan).With(measure::kOwner, owner);
  return segments;
}

void AddRespondentNps(const std::string& tenant, const PeriodScheme& scheme,
                      const std::vector<NpsAnswer>& answers, int sign, Contributions& out) {
  absl::btree_map<Period, const NpsAnswer*> latest;
  for (const NpsAnswer& answer : answers) {
    for (const Period& period : scheme.WindowPeriods(answer.time)) {
      const NpsAnswer*& slot = latest[period];
      if (slot == nullptr || LaterAnswer(answer, *slot)) slot = &answer;
    }
  }
  for (const auto& [period, answer] : latest) {
    const Segments segments = answer->segment.ToSegments();
    out.Add(tenant, segments, measure::kNpsResponses, period, 1, 0, sign);
    if (answer->score >= 9) {
      out.Add(tenant, segments, measure::kNpsPromoters, period, 1, 0, sign);
    } else if (answer->score <= 6) {
      out.Add(tenant, segments, measure::kNpsDetractors, period, 1, 0, sign);
    }
  }
}

void AddRenewal(const std::string& tenant, const PeriodScheme& scheme, const RenewalFact& renewal,
                int sign, Contributions& out) {
  const Segments segments = renewal.segment.ToSegments();
  const bool closed = renewal.outcome != sv1::Renewal::OUTCOME_UNSPECIFIED;
  const bool won = renewal.outcome == sv1::Renewal::RENEWED ||
                   renewal.outcome == sv1::Renewal::RENEWED_WITH_CHANGES;
  for (const Period& period : scheme.AdditivePeriods(renewal.due_time)) {
    out.Add(tenant, segments, measure::kRenewalsDue, period, 1, renewal.target_minor, sign);
    if (!closed) continue;
    out.Add(tenant, segments, measure::kRenewalsClosed, period, 1, renewal.target_minor, sign);
    out.Add(tenant, segments, measure::kRenewalFinal, period, 1, renewal.final_minor, sign);
    if (won) out.Add(tenant, segments, measure::kRenewalsWon, period, 1, 0, sign);
  }
}

void AddOnboarding(const std::string& tenant, const PeriodScheme& scheme,
                   const OnboardingFact& onboarding, int sign, Contributions& out) {
  const Segments segments = onboarding.segment.ToSegments();
  // A plan back-dated after its completion would give a negative time;
  // Success clamps its own time to value the same way.
  const absl::Duration value =
      std::max(absl::ZeroDuration(), onboarding.complete_time - onboarding.start_time);
  for (const Period& period : scheme.AdditivePeriods(onboarding.complete_time)) {
    out.AddDuration(tenant, segments, measure::kTimeToValue, period, value, sign);
  }
}

bool HealthEntryBefore(const HealthEntry& a, const HealthEntry& b) {
  return std::tie(a.time, a.cursor) < std::tie(b.time, b.cursor);
}

HealthState HealthState::After(const HealthEntry& entry) const {
  HealthState next = *this;
  next.segment = entry.segment;
  switch (entry.kind) {
    case HealthEntryKind::kScored:
      next.scored = true;
      next.score = entry.score;
      next.band = entry.band;
      break;
    case HealthEntryKind::kSegment:
      break;
    case HealthEntryKind::kChurned:
      next.churned = true;
      break;
    case HealthEntryKind::kReturned:
      next.churned = false;
      break;
    case HealthEntryKind::kDeleted:
      next.deleted = true;
      break;
  }
  return next;
}

HealthState AddHealthTimeline(const std::string& tenant, const PeriodScheme& scheme,
                              const HealthState& start, const std::vector<HealthEntry>& entries,
                              int sign, Contributions& out) {
  HealthState state = start;
  for (const HealthEntry& entry : entries) {
    const HealthState next = state.After(entry);
    if (!SamePresence(state, next)) {
      for (const Period& period : scheme.AdditivePeriods(entry.time)) {
        if (state.counted() && next.counted() && state.segment == next.segment) {
          // A new score or band in the same segment: only what moved.
          const Segments segments = next.segment.ToSegments();
          if (state.score != next.score) {
            out.Add(tenant, segments, measure::kHealthScored, period, 0, next.score - state.score,
                    sign);
          }
          if (state.band != next.band) {
            if (const char* band = BandMeasure(state.band)) {
              out.Add(tenant, segments, band, period, 1, 0, -sign);
            }
            if (const char* band = BandMeasure(next.band)) {
              out.Add(tenant, segments, band, period, 1, 0, sign);
            }
          }
          continue;
        }
        if (state.counted()) AddHealthPresence(tenant, period, state, -sign, out);
        if (next.counted()) AddHealthPresence(tenant, period, next, sign, out);
      }
    }
    state = next;
  }
  return state;
}

namespace {

// An account's usage in one period, as it counts there.
struct UsageInPeriod {
  absl::btree_set<std::string> features;
  int peak_active_users = 0;
  absl::CivilDay latest_day;
  int latest_seats = 0;
  AccountSegment segment;  // the latest day's
};

// The periods a usage day counts in: those containing its date, taken as
// the same calendar date in the tenant's zone (a UTC day D is the tenant's
// day D, whatever the zone's offset).
std::vector<Period> UsageDayPeriods(const PeriodScheme& scheme, absl::CivilDay day) {
  if (!scheme.window().has_value()) return CalendarPeriodsOf(day);
  const Period& window = *scheme.window();
  if (window.start <= day && day < window.end) return {window};
  return {};
}

// Takes one more usage day into an account's usage in a period (`first`:
// the period had none yet).
void FoldDay(const UsageDay& day, bool first, UsageInPeriod& in) {
  in.features.insert(day.features.begin(), day.features.end());
  in.peak_active_users = std::max(in.peak_active_users, day.active_users);
  if (first || in.latest_day < day.day) {
    in.latest_day = day.day;
    in.latest_seats = day.seats;
    in.segment = day.segment;
  }
}

// The account's usage per period of `scheme` holding one of `days`; only
// the periods in `only`, when given.
absl::btree_map<Period, UsageInPeriod> UsageByPeriod(const PeriodScheme& scheme,
                                                     const std::vector<UsageDay>& days,
                                                     const absl::btree_set<Period>* only) {
  absl::btree_map<Period, UsageInPeriod> periods;
  for (const UsageDay& day : days) {
    for (const Period& period : UsageDayPeriods(scheme, day.day)) {
      if (only != nullptr && !only->contains(period)) continue;
      auto [it, added] = periods.try_emplace(period);
      FoldDay(day, added, it->second);
    }
  }
  return periods;
}

void AddUsageInPeriod(const std::string& tenant, const Period& period, const UsageInPeriod& in,
                      int sign, Contributions& out) {
  const Segments segments = in.segment.ToSegments();
  out.Add(tenant, segments, measure::kUsageAccounts, period, 1, 0, sign);
  for (const std::string& feature : in.features) {
    out.Add(tenant, segments, absl::StrCat(measure::kFeatureAccountsPrefix, feature), period, 1, 0,
            sign);
  }
  if (in.latest_seats > 0) {
    out.Add(tenant, segments, measure::kSeatRatio, period, 1,
            int64_t{in.peak_active_users} * 1'000'000 / in.latest_seats, sign);
  }
}

// Adds `now` minus `was` for one account and period in one segment: only
// the features that appeared or went and a seat ratio that moved (most new
// days change nothing in their month, quarter or year).
void AddUsageDifference(const std::string& tenant, const Period& period, const UsageInPeriod& was,
                        const UsageInPeriod& now, Contributions& out) {
  const Segments segments = now.segment.ToSegments();
  for (const std::string& feature : now.features) {
    if (!was.features.contains(feature)) {
      out.Add(tenant, segments, absl::StrCat(measure::kFeatureAccountsPrefix, feature), period, 1,
              0, 1);
    }
  }
  for (const std::string& feature : was.features) {
    if (!now.features.contains(feature)) {
      out.Add(tenant, segments, absl::StrCat(measure::kFeatureAccountsPrefix, feature), period, 1,
              0, -1);
    }
  }
  const auto ratio = [](const UsageInPeriod& in) {
    return int64_t{in.peak_active_users} * 1'000'000 / in.latest_seats;
  };
  const bool had_seats = was.latest_seats > 0;
  const bool has_seats = now.latest_seats > 0;
  if (had_seats && has_seats && ratio(was) == ratio(now)) return;
  if (had_seats) out.Add(tenant, segments, measure::kSeatRatio, period, 1, ratio(was), -1);
  if (has_seats) out.Add(tenant, segments, measure::kSeatRatio, period, 1, ratio(now), 1);
}

// Adds an account's usage in `period` becoming `now` from `was` (null:
// none).
void AddPeriodChange(const std::string& tenant, const Period& period, const UsageInPeriod* was,
                     const UsageInPeriod* now, Contributions& out) {
  if (was != nullptr && now != nullptr && was->segment == now->segment) {
    AddUsageDifference(tenant, period, *was, *now, out);
    return;
  }
  if (was != nullptr) AddUsageInPeriod(tenant, period, *was, -1, out);
  if (now != nullptr) AddUsageInPeriod(tenant, period, *now, 1, out);
}

}  // namespace

void AddAccountUsage(const std::string& tenant, const PeriodScheme& scheme,
                     const std::vector<UsageDay>& days, int sign, Contributions& out) {
  for (const auto& [period, in] : UsageByPeriod(scheme, days, nullptr)) {
    AddUsageInPeriod(tenant, period, in, sign, out);
  }
}

void AddAccountUsageChange(const std::string& tenant, const PeriodScheme& scheme,
                           const std::vector<UsageDay>& before, const std::vector<UsageDay>& after,
                           const std::vector<absl::CivilDay>& changed, Contributions& out) {
  absl::btree_set<Period> touched;
  for (const absl::CivilDay& day : changed) {
    for (const Period& period : UsageDayPeriods(scheme, day)) {
      touched.insert(period);
    }
  }
  const auto old_usage = UsageByPeriod(scheme, before, &touched);
  const auto new_usage = UsageByPeriod(scheme, after, &touched);
  for (const Period& period : touched) {
    auto was = old_usage.find(period);
    auto is = new_usage.find(period);
    AddPeriodChange(tenant, period, was == old_usage.end() ? nullptr : &was->second,
                    is == new_usage.end() ? nullptr : &is->second, out);
  }
}

void AddAccountUsagePeriodChange(const std::string& tenant, const Period& period,
                                 const std::optional<UsageSummary>& rest,
                                 const std::vector<UsageDay>& before,
                                 const std::vector<UsageDay>& after, Contributions& out) {
  const auto fold = [&](const std::vector<UsageDay>& days) {
    std::optional<UsageInPeriod> in;
    if (rest.has_value()) {
      in.emplace();
      in->features.insert(rest->features.begin(), rest->features.end());
      in->peak_active_users = rest->peak_active_users;
      in->latest_day = rest->latest_day;
      in->latest_seats = rest->latest_seats;
      in->segment = rest->segment;
    }
    for (const UsageDay& day : days) {
      if (day.day < period.start || !(day.day < period.end)) continue;
      const bool added = !in.has_value();
      if (added) in.emplace();
      FoldDay(day, added, *in);
    }
    return in;
  };
  const std::optional<UsageInPeriod> was = fold(before);
  const std::optional<UsageInPeriod> is = fold(after);
  AddPeriodChange(tenant, period, was.has_value() ? &*was : nullptr,
                  is.has_value() ? &*is : nullptr, out);
}

std::optional<NpsAnswer> NpsAnswerOf(const Event& event) {
  auto payload = PayloadOf<sv1::NpsRecorded>(event, "NpsRecorded");
  if (!payload.has_value()) return std::nullopt;
  const sv1::NpsResponse& response = payload->nps_response();
  NpsAnswer answer;
  answer.name = response.name().empty() ? event.subject() : response.name();
  answer.respondent = response.contact().empty() ? answer.name : response.contact();
  answer.score = response.score();
  answer.time = response.has_response_time()
                    ? StoredTime(response.response_time())
                    : TimeOr(response.create_time(), response.has_create_time(), event);
  answer.segment =
      SegmentOf(payload->account_tier(), payload->account_plan(), payload->account_owner());
  return answer;
}

std::optional<RenewalFact> RenewalOf(const Event& event) {
  std::optional<sv1::Renewal> renewal;
  std::optional<sv1::LifecycleAccountSnapshot> account;
  if (auto created = PayloadOf<sv1::RenewalCreated>(event, "RenewalCreated")) {
    renewal = created->renewal();
    account = created->account();
  } else if (auto updated = PayloadOf<sv1::RenewalUpdated>(event, "RenewalUpdated")) {
    renewal = updated->renewal();
    account = updated->account();
  } else if (auto closed = PayloadOf<sv1::RenewalClosed>(event, "RenewalClosed")) {
    renewal = closed->renewal();
    account = closed->account();
  } else {
    return std::nullopt;
  }
  RenewalFact fact;
  fact.name = renewal->name().empty() ? event.subject() : renewal->name();
  fact.cursor = event.cursor();
  fact.due_time = TimeOr(renewal->due_time(), renewal->has_due_time(), event);
  fact.target_minor = renewal->target_amount_minor();
  fact.final_minor = renewal->final_amount_minor();
  fact.outcome = renewal->outcome();
  fact.segment = SegmentOf(*account);
  return fact;
}

std::optional<OnboardingFact> OnboardingOf(const Event& event) {
  auto payload = PayloadOf<sv1::OnboardingEnded>(event, "OnboardingEnded");
  if (!payload.has_value()) return std::nullopt;
  const sv1::OnboardingPlan& plan = payload->onboarding_plan();
  if (plan.state() != sv1::OnboardingPlan::COMPLETED) return std::nullopt;
  OnboardingFact fact;
  fact.name = plan.name().empty() ? event.subject() : plan.name();
  fact.cursor = event.cursor();
  fact.start_time = TimeOr(plan.start_time(), plan.has_start_time(), event);
  fact.complete_time = TimeOr(plan.end_time(), plan.has_end_time(), event);
  fact.segment = SegmentOf(payload->account());
  return fact;
}

std::optional<std::pair<std::string, HealthEntry>> HealthEntryOf(const Event& event) {
  HealthEntry entry;
  entry.cursor = event.cursor();
  std::string account;
  if (auto changed = PayloadOf<sv1::HealthChanged>(event, "HealthChanged")) {
    account = changed->account();
    entry.kind = HealthEntryKind::kScored;
    entry.time = TimeOr(changed->compute_time(), changed->has_compute_time(), event);
    entry.score = changed->score();
    entry.band = changed->band();
    entry.segment = SegmentOf(changed->touch_tier(), changed->plan(), changed->owner());
  } else if (auto staged = PayloadOf<sv1::StageChanged>(event, "StageChanged")) {
    account = staged->account().name();
    const sv1::StageChange& change = staged->change();
    entry.kind = change.to_stage() == sv1::Account::CHURNED     ? HealthEntryKind::kChurned
                 : change.from_stage() == sv1::Account::CHURNED ? HealthEntryKind::kReturned
                                                                : HealthEntryKind::kSegment;
    entry.time = TimeOr(change.change_time(), change.has_change_time(), event);
    entry.segment = SegmentOf(staged->account());
  } else if (auto tiered = PayloadOf<sv1::TierChanged>(event, "TierChanged")) {
    account = tiered->account().name();
    entry.time = TimeOr(tiered->change().change_time(), tiered->change().has_change_time(), event);
    entry.segment = SegmentOf(tiered->account());
  } else if (auto updated = PayloadOf<sv1::AccountUpdated>(event, "AccountUpdated")) {
    if (SegmentOf(updated->account()) == SegmentOf(updated->previous())) return std::nullopt;
    account = updated->account().name();
    entry.time = StoredTime(event.occur_time());
    entry.segment = SegmentOf(updated->account());
  } else if (auto deleted = PayloadOf<sv1::AccountDeleted>(event, "AccountDeleted")) {
    account = deleted->account().name();
    entry.kind = HealthEntryKind::kDeleted;
    entry.time = StoredTime(event.occur_time());
    entry.segment = SegmentOf(deleted->account());
  } else {
    return std::nullopt;
  }
  if (account.empty()) account = event.subject();
  return std::make_pair(std::move(account), std::move(entry));
}

std::optional<std::pair<std::string, UsageDay>> UsageDayOf(const Event& event) {
  auto payload = PayloadOf<sv1::UsageRolledUp>(event, "UsageRolledUp");
  if (!payload.has_value()) return std::nullopt;
  UsageDay day;
  day.day = absl::ToCivilDay(FromProtoTime(payload->day_start_time()), absl::UTCTimeZone());
  day.cursor = event.cursor();
  day.active_users = payload->active_users();
  day.seats = payload->seats_licensed();
  const absl::btree_set<std::string> features(payload->features().begin(),
                                              payload->features().end());
  day.features.assign(features.begin(), features.end());
  day.segment = SegmentOf(payload->touch_tier(), payload->plan(), payload->owner());
  return std::make_pair(payload->account().empty() ? event.subject() : payload->account(),
                        std::move(day));
}

std::optional<std::vector<std::string>> KeyFeaturesOf(const Event& event) {
  auto payload = PayloadOf<sv1::KeyFeaturesUpdated>(event, "KeyFeaturesUpdated");
  if (!payload.has_value()) return std::nullopt;
  const absl::btree_set<std::string> features(payload->key_features().features().begin(),
                                              payload->key_features().features().end());
  return std::vector<std::string>(features.begin(), features.end());
}

}  // namespace success_facts

namespace {

using success_facts::AccountSegment;
using success_facts::AddAccountUsage;
using success_facts::AddAccountUsageChange;
using success_facts::AddHealthTimeline;
using success_facts::AddOnboarding;
using success_facts::AddRenewal;
using success_facts::AddRespondentNps;
using success_facts::HealthEntry;
using success_facts::HealthEntryBefore;
using success_facts::HealthEntryKind;
using success_facts::HealthState;
using success_facts::NpsAnswer;
using success_facts::OnboardingFact;
using success_facts::RenewalFact;
using success_facts::UsageDay;
using success_facts::UsageInPeriod;
using ::tandem::common::v1::Event;

// Feature lists are stored one per line (feature names have no spaces).
std::string JoinFeatures(const std::vector<std::string>& features) {
  return absl::StrJoin(features, "\n");
}

std::vector<std::string> SplitFeatures(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

absl::CivilDay DayOfColumn(const mysql::Row& row, int column) {
  return ParseDate(row.String(column)).value_or(absl::CivilDay());
}

using TenantKey = std::pair<std::string, std::string>;  // tenant, entity

// Keys per read: a page (at most 1000 events) needs one read of each
// kind; a larger replay is cut in pieces (writes: mysql::InsertRows).
constexpr size_t kKeysPerStatement = 2000;

// Runs `select` + " WHERE ((tenant_id = ? AND <column> IN (?, …)) OR …)"
// + `suffix` for `keys` (one index range per tenant), with `suffix_params`
// after the keys, and returns every row.
absl::StatusOr<std::vector<mysql::Row>> QueryKeyed(
    mysql::Transaction& tx, absl::string_view select, absl::string_view column,
    const std::set<TenantKey>& keys, absl::string_view suffix,
    const std::vector<mysql::Value>& suffix_params = {}) {
  std::vector<mysql::Row> rows;
  auto it = keys.begin();
  while (it != keys.end()) {
    std::map<std::string, std::vector<std::string>> by_tenant;
    for (size_t n = 0; it != keys.end() && n < kKeysPerStatement; ++it, ++n) {
      by_tenant[it->first].push_back(it->second);
    }
    std::vector<std::string> groups;
    std::vector<mysql::Value> params;
    for (auto& [tenant, entities] : by_tenant) {
      groups.push_back(absl::StrCat("(tenant_id = ? AND ", column, " IN (",
                                    mysql::ParameterList(entities.size()), "))"));
      params.emplace_back(tenant);
      for (std::string& entity : entities) params.emplace_back(std::move(entity));
    }
    params.insert(params.end(), suffix_params.begin(), suffix_params.end());
    ASSIGN_OR_RETURN(auto chunk, tx->Query(absl::StrCat(select, " WHERE (",
                                                        absl::StrJoin(groups, " OR "), ")", suffix),
                                           params));
    rows.insert(rows.end(), std::make_move_iterator(chunk.begin()),
                std::make_move_iterator(chunk.end()));
  }
  return rows;
}

void AppendSegment(const AccountSegment& segment, std::vector<mysql::Value>& params) {
  params.insert(params.end(), {segment.tier, segment.plan, segment.owner});
}

AccountSegment SegmentColumns(const mysql::Row& row, int first) {
  return AccountSegment{row.String(first), row.String(first + 1), row.String(first + 2)};
}

// ---- NPS ----

constexpr char kNpsColumns[] =
    "tenant_id, name, respondent, score, response_time, tier, plan, owner";

NpsAnswer NpsAnswerOfRow(const mysql::Row& row) {
  NpsAnswer answer;
  answer.name = row.String(1);
  answer.respondent = row.String(2);
  answer.score = static_cast<int>(row.Int(3));
  answer.time = row.Time(4);
  answer.segment = SegmentColumns(row, 5);
  return answer;
}

absl::Status ApplyNps(mysql::Transaction& tx, const TenantSchemes& schemes,
                      const std::vector<const Event*>& events, Contributions& delta) {
  std::vector<std::pair<std::string, NpsAnswer>> arrived;
  std::set<TenantKey> respondents;
  for (const Event* event : events) {
    if (auto answer = success_facts::NpsAnswerOf(*event)) {
      respondents.insert({event->tenant(), answer->respondent});
      arrived.emplace_back(event->tenant(), std::move(*answer));
    }
  }
  if (arrived.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto rows,
                   QueryKeyed(tx, absl::StrCat("SELECT ", kNpsColumns, " FROM success_nps_answers"),
                              "respondent", respondents, " FOR UPDATE"));
  std::map<TenantKey, std::vector<NpsAnswer>> before;
  std::set<TenantKey> known;  // (tenant, answer name)
  for (const mysql::Row& row : rows) {
    NpsAnswer answer = NpsAnswerOfRow(row);
    known.insert({row.String(0), answer.name});
    before[{row.String(0), answer.respondent}].push_back(std::move(answer));
  }
  std::map<TenantKey, std::vector<NpsAnswer>> after;
  std::vector<mysql::Value> inserts;
  for (auto& [tenant, answer] : arrived) {
    // Answers never change: one seen before is a repeated delivery.
    if (!known.insert({tenant, answer.name}).second) continue;
    const TenantKey respondent{tenant, answer.respondent};
    if (!after.contains(respondent)) after[respondent] = before[respondent];
    inserts.insert(inserts.end(),
                   {tenant, answer.name, answer.respondent, int64_t{answer.score}, answer.time});
    AppendSegment(answer.segment, inserts);
    after[respondent].push_back(std::move(answer));
  }
  if (inserts.empty()) return absl::OkStatus();
  for (const auto& [respondent, answers] : after) {
    const PeriodScheme& scheme = schemes.For(respondent.first);
    AddRespondentNps(respondent.first, scheme, before[respondent], -1, delta);
    AddRespondentNps(respondent.first, scheme, answers, 1, delta);
  }
  return mysql::InsertRows(tx.connection(),
                           absl::StrCat("INSERT INTO success_nps_answers (", kNpsColumns, ")"), 8,
                           inserts, " ON DUPLICATE KEY UPDATE name = name");
}

// ---- Renewals and onboardings: one snapshot per entity, the latest event's ----

// How one kind of snapshot fact is stored and counted.
template <typename Fact>
struct SnapshotTable {
  const char* table;
  const char* columns;  // tenant_id, name, applied_cursor, then the fact's own
  size_t width;         // number of `columns`
  std::optional<Fact> (*of_event)(const Event&);
  Fact (*of_row)(const mysql::Row&);
  void (*append)(const std::string& tenant, const Fact&, std::vector<mysql::Value>&);
  void (*add)(const std::string&, const PeriodScheme&, const Fact&, int, Contributions&);
};

template <typename Fact>
absl::Status ApplySnapshots(const SnapshotTable<Fact>& table, mysql::Transaction& tx,
                            const TenantSchemes& schemes, const std::vector<const Event*>& events,
                            Contributions& delta) {
  std::vector<std::pair<std::string, Fact>> arrived;
  std::set<TenantKey> names;
  for (const Event* event : events) {
    if (auto fact = table.of_event(*event)) {
      names.insert({event->tenant(), fact->name});
      arrived.emplace_back(event->tenant(), std::move(*fact));
    }
  }
  if (arrived.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto rows,
                   QueryKeyed(tx, absl::StrCat("SELECT ", table.columns, " FROM ", table.table),
                              "name", names, " FOR UPDATE"));
  std::map<TenantKey, Fact> before;
  for (const mysql::Row& row : rows)
    before.emplace(TenantKey{row.String(0), row.String(1)}, table.of_row(row));
  std::map<TenantKey, Fact> after;
  for (auto& [tenant, fact] : arrived) {
    const TenantKey key{tenant, fact.name};
    auto current = after.find(key);
    if (current == after.end()) {
      auto stored = before.find(key);
      // Feed order: an event at or before the stored one is a repeat.
      if (stored != before.end() && fact.cursor <= stored->second.cursor) continue;
      after.insert_or_assign(key, std::move(fact));
    } else if (fact.cursor > current->second.cursor) {
      current->second = std::move(fact);
    }
  }
  if (after.empty()) return absl::OkStatus();
  std::vector<mysql::Value> upserts;
  for (const auto& [key, fact] : after) {
    const PeriodScheme& scheme = schemes.For(key.first);
    if (auto stored = before.find(key); stored != before.end()) {
      table.add(key.first, scheme, stored->second, -1, delta);
    }
    table.add(key.first, scheme, fact, 1, delta);
    table.append(key.first, fact, upserts);
  }
  std::vector<std::string> columns = absl::StrSplit(table.columns, ", ");
  std::vector<std::string> updates;
  for (size_t i = 2; i < columns.size(); ++i) {
    updates.push_back(absl::StrCat(columns[i], " = VALUES(", columns[i], ")"));
  }
  return mysql::InsertRows(tx.connection(),
                           absl::StrCat("INSERT INTO ", table.table, " (", table.columns, ")"),
                           table.width, upserts,
                           absl::StrCat(" ON DUPLICATE KEY UPDATE ", absl::StrJoin(updates, ", ")));
}

const SnapshotTable<RenewalFact> kRenewals{
    .table = "success_renewals",
    .columns =
        "tenant_id, name, applied_cursor, due_time, target_minor, final_minor, outcome, "
        "tier, plan, owner",
    .width = 10,
    .of_event = &success_facts::RenewalOf,
    .of_row =
        [](const mysql::Row& row) {
          RenewalFact fact;
          fact.name = row.String(1);
          fact.cursor = row.Int(2);
          fact.due_time = row.Time(3);
          fact.target_minor = row.Int(4);
          fact.final_minor = row.Int(5);
          fact.outcome = static_cast<int>(row.Int(6));
          fact.segment = SegmentColumns(row, 7);
          return fact;
        },
    .append =
        [](const std::string& tenant, const RenewalFact& fact, std::vector<mysql::Value>& params) {
          params.insert(params.end(), {tenant, fact.name, fact.cursor, fact.due_time,
                                       fact.target_minor, fact.final_minor, int64_t{fact.outcome}});
          AppendSegment(fact.segment, params);
        },
    .add = &AddRenewal,
};

const SnapshotTable<OnboardingFact> kOnboardings{
    .table = "success_onboardings",
    .columns = "tenant_id, name, applied_cursor, start_time, complete_time, tier, plan, owner",
    .width = 8,
    .of_event = &success_facts::OnboardingOf,
    .of_row =
        [](const mysql::Row& row) {
          OnboardingFact fact;
          fact.name = row.String(1);
          fact.cursor = row.Int(2);
          fact.start_time = row.Time(3);
          fact.complete_time = row.Time(4);
          fact.segment = SegmentColumns(row, 5);
          return fact;
        },
    .append =
        [](const std::string& tenant, const OnboardingFact& fact,
           std::vector<mysql::Value>& params) {
          params.insert(params.end(),
                        {tenant, fact.name, fact.cursor, fact.start_time, fact.complete_time});
          AppendSegment(fact.segment, params);
        },
    .add = &AddOnboarding,
};

// ---- Health ----

constexpr char kHealthEntryColumns[] =
    "tenant_id, account, applied_cursor, entry_time, kind, score, band, tier, plan, owner";

HealthEntry HealthEntryOfRow(const mysql::Row& row) {
  HealthEntry entry;
  entry.cursor = row.Int(2);
  entry.time = row.Time(3);
  entry.kind = static_cast<HealthEntryKind>(row.Int(4));
  entry.score = static_cast<int>(row.Int(5));
  entry.band = static_cast<int>(row.Int(6));
  entry.segment = SegmentColumns(row, 7);
  return entry;
}

// An account's head: the state at the end of its timeline, the timeline's
// last entry (time, cursor) and the highest cursor applied.
struct HealthHead {
  HealthState state;
  int64_t max_cursor = 0;
  std::optional<HealthEntry> last;  // time and cursor only
};

absl::Status ApplyHealth(mysql::Transaction& tx, const TenantSchemes& schemes,
                         const std::vector<const Event*>& events, Contributions& delta) {
  std::map<TenantKey, std::vector<HealthEntry>> arrived;
  for (const Event* event : events) {
    if (auto entry = success_facts::HealthEntryOf(*event)) {
      arrived[{event->tenant(), entry->first}].push_back(std::move(entry->second));
    }
  }
  if (arrived.empty()) return absl::OkStatus();
  std::set<TenantKey> accounts;
  for (const auto& [key, entries] : arrived) accounts.insert(key);
  ASSIGN_OR_RETURN(auto rows,
                   QueryKeyed(tx,
                              "SELECT tenant_id, account, max_cursor, last_time, last_cursor, "
                              "scored, score, band, churned, deleted, tier, plan, owner FROM "
                              "success_health_accounts",
                              "account", accounts, " FOR UPDATE"));
  std::map<TenantKey, HealthHead> heads;
  for (const mysql::Row& row : rows) {
    HealthHead& head = heads[{row.String(0), row.String(1)}];
    head.max_cursor = row.Int(2);
    head.last.emplace();
    head.last->time = row.Time(3);
    head.last->cursor = row.Int(4);
    head.state.scored = row.Int(5) != 0;
    head.state.score = static_cast<int>(row.Int(6));
    head.state.band = static_cast<int>(row.Int(7));
    head.state.churned = row.Int(8) != 0;
    head.state.deleted = row.Int(9) != 0;
    head.state.segment = SegmentColumns(row, 10);
  }

  std::vector<mysql::Value> entry_rows;
  const auto store_entry = [&](const TenantKey& key, const HealthEntry& entry) {
    entry_rows.insert(entry_rows.end(), {key.first, key.second, entry.cursor, entry.time,
                                         int64_t{static_cast<int>(entry.kind)},
                                         int64_t{entry.score}, int64_t{entry.band}});
    AppendSegment(entry.segment, entry_rows);
  };
  // Accounts whose new entries do not simply follow the head: back-dated
  // ones (the deltas after them change too) and cursors at or below one
  // applied (in feed order, repeats; checked against the history).
  std::map<TenantKey, std::vector<HealthEntry>> unusual;
  std::set<TenantKey> changed;
  for (auto& [key, entries] : arrived) {
    HealthHead& head = heads[key];
    std::vector<HealthEntry> fresh;
    absl::flat_hash_set<int64_t> seen;
    bool repeats = false;
    for (HealthEntry& entry : entries) {
      if (!seen.insert(entry.cursor).second) continue;
      repeats = repeats || entry.cursor <= head.max_cursor;
      fresh.push_back(std::move(entry));
    }
    std::sort(fresh.begin(), fresh.end(), HealthEntryBefore);
    if (repeats || (head.last.has_value() && !HealthEntryBefore(*head.last, fresh.front()))) {
      unusual[key] = std::move(fresh);
      continue;
    }
    for (const HealthEntry& entry : fresh) {
      store_entry(key, entry);
      head.max_cursor = std::max(head.max_cursor, entry.cursor);
    }
    head.state = AddHealthTimeline(key.first, schemes.For(key.first), head.state, fresh, 1, delta);
    head.last = fresh.back();
    changed.insert(key);
  }

  if (!unusual.empty()) {
    std::set<TenantKey> unusual_accounts;
    for (const auto& [key, entries] : unusual) unusual_accounts.insert(key);
    ASSIGN_OR_RETURN(
        auto history,
        QueryKeyed(tx, absl::StrCat("SELECT ", kHealthEntryColumns, " FROM success_health_entries"),
                   "account", unusual_accounts, ""));
    std::map<TenantKey, std::vector<HealthEntry>> timelines;
    for (const mysql::Row& row : history) {
      timelines[{row.String(0), row.String(1)}].push_back(HealthEntryOfRow(row));
    }
    for (auto& [key, entries] : unusual) {
      std::vector<HealthEntry>& timeline = timelines[key];
      absl::flat_hash_set<int64_t> stored;
      for (const HealthEntry& entry : timeline) stored.insert(entry.cursor);
      std::vector<HealthEntry> fresh;
      for (HealthEntry& entry : entries) {
        if (!stored.contains(entry.cursor)) fresh.push_back(std::move(entry));
      }
      if (fresh.empty()) continue;
      std::sort(timeline.begin(), timeline.end(), HealthEntryBefore);
      const PeriodScheme& scheme = schemes.For(key.first);
      AddHealthTimeline(key.first, scheme, HealthState{}, timeline, -1, delta);
      HealthHead& head = heads[key];
      for (const HealthEntry& entry : fresh) {
        store_entry(key, entry);
        head.max_cursor = std::max(head.max_cursor, entry.cursor);
      }
      timeline.insert(timeline.end(), fresh.begin(), fresh.end());
      std::sort(timeline.begin(), timeline.end(), HealthEntryBefore);
      head.state = AddHealthTimeline(key.first, scheme, HealthState{}, timeline, 1, delta);
      head.last = timeline.back();
      changed.insert(key);
    }
  }
  if (changed.empty()) return absl::OkStatus();

  RETURN_IF_ERROR(mysql::InsertRows(
      tx.connection(),
      absl::StrCat("INSERT INTO success_health_entries (", kHealthEntryColumns, ")"), 10,
      entry_rows, " ON DUPLICATE KEY UPDATE account = account"));
  std::vector<mysql::Value> head_rows;
  for (const TenantKey& key : changed) {
    const HealthHead& head = heads[key];
    head_rows.insert(head_rows.end(),
                     {key.first, key.second, head.max_cursor, head.last->time, head.last->cursor,
                      head.state.scored, int64_t{head.state.score}, int64_t{head.state.band},
                      head.state.churned, head.state.deleted});
    AppendSegment(head.state.segment, head_rows);
  }
  return mysql::InsertRows(
      tx.connection(),
      "INSERT INTO success_health_accounts (tenant_id, account, max_cursor, "
      "last_time, last_cursor, scored, score, band, churned, deleted, tier, plan, "
      "owner)",
      13, head_rows,
      " ON DUPLICATE KEY UPDATE max_cursor = VALUES(max_cursor), last_time = "
      "VALUES(last_time), last_cursor = VALUES(last_cursor), scored = "
      "VALUES(scored), score = VALUES(score), band = VALUES(band), churned = "
      "VALUES(churned), deleted = VALUES(deleted), tier = VALUES(tier), plan = "
      "VALUES(plan), owner = VALUES(owner)");
}

// ---- Usage ----

constexpr char kUsageColumns[] =
    "tenant_id, account, day, applied_cursor, active_users, seats, features, tier, plan, owner";

UsageDay UsageDayOfRow(const mysql::Row& row) {
  UsageDay day;
  day.day = DayOfColumn(row, 2);
  day.cursor = row.Int(3);
  day.active_users = static_cast<int>(row.Int(4));
  day.seats = static_cast<int>(row.Int(5));
  day.features = SplitFeatures(row.String(6));
  day.segment = SegmentColumns(row, 7);
  return day;
}

using UsageSummaries = std::map<std::string, success_facts::UsageSummary>;  // by account

// The summaries of `accounts`' usage in `period` over their days other than
// `excluded` (the page's days, read row by row): peak and latest day from
// one GROUP BY, features from the distinct feature lists.
absl::Status ReadUsageSummaries(mysql::Transaction& tx, const std::string& tenant,
                                const Period& period, const std::vector<std::string>& accounts,
                                const std::vector<absl::CivilDay>& excluded,
                                UsageSummaries& out) {
  for (size_t first = 0; first < accounts.size(); first += kKeysPerStatement) {
    const size_t count = std::min(kKeysPerStatement, accounts.size() - first);
    std::vector<mysql::Value> params = {tenant};
    for (size_t i = first; i < first + count; ++i) params.emplace_back(accounts[i]);
    params.insert(params.end(), {FormatDate(period.start), FormatDate(period.end)});
    for (const absl::CivilDay& day : excluded) params.emplace_back(FormatDate(day));
    const std::string where = absl::StrCat(
        "tenant_id = ? AND account IN (", mysql::ParameterList(count),
        ") AND day >= ? AND day < ?",
        excluded.empty() ? ""
                         : absl::StrCat(" AND day NOT IN (",
                                        mysql::ParameterList(excluded.size()), ")"));
    std::vector<mysql::Value> joined = params;
    joined.emplace_back(tenant);
    ASSIGN_OR_RETURN(
        auto rows,
        tx->Query(absl::StrCat("SELECT d.account, g.peak, d.day, d.seats, d.tier, d.plan, "
                               "d.owner FROM (SELECT account, MAX(day) AS latest, "
                               "MAX(active_users) AS peak FROM success_usage_days WHERE ",
                               where,
                               " GROUP BY account) g JOIN success_usage_days d ON d.tenant_id "
                               "= ? AND d.account = g.account AND d.day = g.latest"),
                  joined));
    for (const mysql::Row& row : rows) {
      success_facts::UsageSummary& summary = out[row.String(0)];
      summary.peak_active_users = static_cast<int>(row.Int(1));
      summary.latest_day = DayOfColumn(row, 2);
      summary.latest_seats = static_cast<int>(row.Int(3));
      summary.segment = SegmentColumns(row, 4);
    }
    ASSIGN_OR_RETURN(auto lists,
                     tx->Query(absl::StrCat("SELECT DISTINCT account, features FROM "
                                            "success_usage_days WHERE ",
                                            where),
                               params));
    std::map<std::string, absl::btree_set<std::string>> features;
    for (const mysql::Row& row : lists) {
      for (std::string& feature : SplitFeatures(row.String(1))) {
        features[row.String(0)].insert(std::move(feature));
      }
    }
    for (auto& [account, names] : features) {
      auto it = out.find(account);
      if (it != out.end()) it->second.features.assign(names.begin(), names.end());
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyUsage(mysql::Transaction& tx, const TenantSchemes& schemes,
                        const std::vector<const Event*>& events, Contributions& delta) {
  std::map<TenantKey, std::vector<UsageDay>> arrived;
  // The page's days per tenant: their stored rows are read (and locked) one
  // by one; the other days of the periods they touch only as summaries.
  std::map<std::string, std::set<absl::CivilDay>> tenant_days;
  for (const Event* event : events) {
    if (auto day = success_facts::UsageDayOf(*event)) {
      tenant_days[event->tenant()].insert(day->second.day);
      arrived[{event->tenant(), day->first}].push_back(std::move(day->second));
    }
  }
  if (arrived.empty()) return absl::OkStatus();
  std::map<TenantKey, std::map<absl::CivilDay, UsageDay>> before;
  for (const auto& [tenant, days] : tenant_days) {
    std::set<TenantKey> of_tenant;
    for (const auto& [key, unused] : arrived) {
      if (key.first == tenant) of_tenant.insert(key);
    }
    std::vector<mysql::Value> day_params;
    for (const absl::CivilDay& day : days) day_params.emplace_back(FormatDate(day));
    ASSIGN_OR_RETURN(
        auto rows,
        QueryKeyed(tx, absl::StrCat("SELECT ", kUsageColumns, " FROM success_usage_days"),
                   "account", of_tenant,
                   absl::StrCat(" AND day IN (", mysql::ParameterList(days.size()),
                                ") FOR UPDATE"),
                   day_params));
    for (const mysql::Row& row : rows) {
      UsageDay day = UsageDayOfRow(row);
      before[{row.String(0), row.String(1)}].emplace(day.day, std::move(day));
    }
  }
  // Each account's days after the page, and the periods its changes touch.
  std::map<TenantKey, std::map<absl::CivilDay, UsageDay>> after_days;
  std::map<TenantKey, std::set<Period>> touched;
  for (auto& [key, days] : arrived) {
    std::map<absl::CivilDay, UsageDay> after = before[key];
    bool changed = false;
    for (UsageDay& day : days) {
      auto [it, added] = after.try_emplace(day.day, day);
      if (!added) {
        // Feed order: a snapshot at or before the stored one is a repeat.
        if (day.cursor <= it->second.cursor) continue;
        it->second = std::move(day);
      }
      changed = true;
      for (const Period& period :
           success_facts::UsageDayPeriods(schemes.For(key.first), it->first)) {
        touched[key].insert(period);
      }
    }
    if (changed) after_days[key] = std::move(after);
  }
  // The summaries of the touched periods (a day period holds only a page
  // day, so it has none).
  std::map<std::pair<std::string, Period>, UsageSummaries> summaries;
  {
    std::map<std::pair<std::string, Period>, std::vector<std::string>> wanted;
    for (const auto& [key, periods] : touched) {
      for (const Period& period : periods) {
        if (period.grain != Grain::kDay) wanted[{key.first, period}].push_back(key.second);
      }
    }
    for (const auto& [tenant_period, accounts] : wanted) {
      const auto& [tenant, period] = tenant_period;
      std::vector<absl::CivilDay> excluded;
      for (const absl::CivilDay& day : tenant_days[tenant]) {
        if (period.start <= day && day < period.end) excluded.push_back(day);
      }
      RETURN_IF_ERROR(ReadUsageSummaries(tx, tenant, period, accounts, excluded,
                                         summaries[tenant_period]));
    }
  }
  const auto in_period = [](const std::map<absl::CivilDay, UsageDay>& by_day,
                            const Period& period) {
    std::vector<UsageDay> list;
    for (auto it = by_day.lower_bound(period.start); it != by_day.end() && it->first < period.end;
         ++it) {
      list.push_back(it->second);
    }
    return list;
  };
  for (const auto& [key, periods] : touched) {
    if (!after_days.contains(key)) continue;
    for (const Period& period : periods) {
      std::optional<success_facts::UsageSummary> rest;
      if (auto it = summaries.find({key.first, period}); it != summaries.end()) {
        if (auto found = it->second.find(key.second); found != it->second.end()) {
          rest = found->second;
        }
      }
      success_facts::AddAccountUsagePeriodChange(key.first, period, rest,
                                                 in_period(before[key], period),
                                                 in_period(after_days[key], period), delta);
    }
  }
  std::vector<mysql::Value> upserts;
  for (const auto& [key, after] : after_days) {
    const std::map<absl::CivilDay, UsageDay>& was = before[key];
    for (const auto& [day, usage] : after) {
      auto old = was.find(day);
      if (old != was.end() && old->second.cursor == usage.cursor) continue;
      upserts.insert(upserts.end(), {key.first, key.second, FormatDate(day), usage.cursor,
                                     int64_t{usage.active_users}, int64_t{usage.seats},
                                     JoinFeatures(usage.features)});
      AppendSegment(usage.segment, upserts);
    }
  }
  return mysql::InsertRows(tx.connection(),
                           absl::StrCat("INSERT INTO success_usage_days (", kUsageColumns, ")"), 10,
                           upserts,
                           " ON DUPLICATE KEY UPDATE applied_cursor = VALUES(applied_cursor), "
                           "active_users = VALUES(active_users), seats = VALUES(seats), "
                           "features = VALUES(features), tier = VALUES(tier), plan = "
                           "VALUES(plan), owner = VALUES(owner)");
}

// ---- Key features ----

absl::Status ApplyKeyFeatures(mysql::Transaction& tx, const std::vector<const Event*>& events) {
  // The latest announcement per tenant in the page.
  std::map<std::string, std::pair<int64_t, std::vector<std::string>>> latest;
  for (const Event* event : events) {
    if (auto features = success_facts::KeyFeaturesOf(*event)) {
      auto& slot = latest[event->tenant()];
      if (event->cursor() >= slot.first) slot = {event->cursor(), std::move(*features)};
    }
  }
  if (latest.empty()) return absl::OkStatus();
  std::vector<mysql::Value> params;
  for (const auto& [tenant, announced] : latest) params.emplace_back(tenant);
  ASSIGN_OR_RETURN(auto rows,
                   tx->Query(absl::StrCat("SELECT tenant_id, applied_cursor FROM "
                                          "success_key_features WHERE tenant_id IN (",
                                          mysql::ParameterList(latest.size()), ") FOR UPDATE"),
                             params));
  for (const mysql::Row& row : rows) {
    auto it = latest.find(row.String(0));
    if (it != latest.end() && it->second.first <= row.Int(1)) latest.erase(it);
  }
  if (latest.empty()) return absl::OkStatus();
  params.clear();
  for (const auto& [tenant, announced] : latest) {
    params.insert(params.end(), {tenant, announced.first, JoinFeatures(announced.second)});
  }
  return mysql::InsertRows(tx.connection(),
                           "INSERT INTO success_key_features (tenant_id, applied_cursor, features)",
                           3, params,
                           " ON DUPLICATE KEY UPDATE applied_cursor = VALUES(applied_cursor), "
                           "features = VALUES(features)");
}

// ---- Recomputation ----

absl::Status AddStoredNps(mysql::Connection& db, const std::string& tenant,
                          const PeriodScheme& scheme, const std::string& condition,
                          const std::vector<mysql::Value>& params, Contributions& out) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT ", kNpsColumns,
                                                    " FROM success_nps_answers WHERE ", condition),
                                       params));
  std::map<std::string, std::vector<NpsAnswer>> by_respondent;
  for (const mysql::Row& row : rows) {
    NpsAnswer answer = NpsAnswerOfRow(row);
    by_respondent[answer.respondent].push_back(std::move(answer));
  }
  for (const auto& [respondent, answers] : by_respondent) {
    AddRespondentNps(tenant, scheme, answers, 1, out);
  }
  return absl::OkStatus();
}

absl::Status AddStoredUsage(mysql::Connection& db, const std::string& tenant,
                            const PeriodScheme& scheme, const std::string& condition,
                            const std::vector<mysql::Value>& params, Contributions& out) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT ", kUsageColumns,
                                                    " FROM success_usage_days WHERE ", condition),
                                       params));
  std::map<std::string, std::vector<UsageDay>> by_account;
  for (const mysql::Row& row : rows) by_account[row.String(1)].push_back(UsageDayOfRow(row));
  for (const auto& [account, days] : by_account) AddAccountUsage(tenant, scheme, days, 1, out);
  return absl::OkStatus();
}

// Rows per DELETE when a tenant's facts are dropped.
constexpr int64_t kDeleteSlice = 20000;

// Accounts per read of a custom window's usage: each read holds one row
// per account and, for the features, at most one row per distinct feature
// list of an account in the window.
constexpr int kUsageAccountsPerRead = 500;

// Adds the window contributions of the tenant's usage days in `window`
// (days counted on their own date), reading the accounts in batches: per
// account its peak active users and latest day (seats, segment) come from
// one GROUP BY, its features from its distinct feature lists. Memory is
// bounded by a batch, not by the window's days.
absl::Status AddWindowUsage(mysql::Connection& db, const std::string& tenant,
                            const Period& window, Contributions& out) {
  const std::string from = FormatDate(window.start);
  const std::string to = FormatDate(window.end);
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(
        std::vector<mysql::Row> rows,
        db.Query(absl::StrCat(
                     "SELECT d.account, g.peak, d.seats, d.tier, d.plan, d.owner FROM (SELECT "
                     "account, MAX(day) AS latest, MAX(active_users) AS peak FROM "
                     "success_usage_days WHERE tenant_id = ? AND account > ? AND day >= ? AND "
                     "day < ? GROUP BY account ORDER BY account LIMIT ",
                     kUsageAccountsPerRead,
                     ") g JOIN success_usage_days d ON d.tenant_id = ? AND d.account = g.account "
                     "AND d.day = g.latest ORDER BY d.account"),
                 {tenant, after, from, to, tenant}));
    if (rows.empty()) return absl::OkStatus();
    std::map<std::string, UsageInPeriod> accounts;
    for (const mysql::Row& row : rows) {
      UsageInPeriod& in = accounts[row.String(0)];
      in.peak_active_users = static_cast<int>(row.Int(1));
      in.latest_seats = static_cast<int>(row.Int(2));
      in.segment = SegmentColumns(row, 3);
    }
    const std::string& first = accounts.begin()->first;
    const std::string& last = accounts.rbegin()->first;
    ASSIGN_OR_RETURN(
        std::vector<mysql::Row> lists,
        db.Query("SELECT DISTINCT account, features FROM success_usage_days WHERE tenant_id = ? "
                 "AND account >= ? AND account <= ? AND day >= ? AND day < ?",
                 {tenant, first, last, from, to}));
    for (const mysql::Row& row : lists) {
      auto it = accounts.find(row.String(0));
      if (it == accounts.end()) continue;
      for (std::string& feature : SplitFeatures(row.String(1))) {
        it->second.features.insert(std::move(feature));
      }
    }
    for (const auto& [account, in] : accounts) {
      success_facts::AddUsageInPeriod(tenant, window, in, 1, out);
    }
    if (rows.size() < static_cast<size_t>(kUsageAccountsPerRead)) return absl::OkStatus();
    after = last;
  }
}

template <typename Fact>
absl::Status AddStoredSnapshots(const SnapshotTable<Fact>& table, mysql::Connection& db,
                                const std::string& tenant, const PeriodScheme& scheme,
                                Contributions& out) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT ", table.columns, " FROM ", table.table,
                                                    " WHERE tenant_id = ?"),
                                       {tenant}));
  for (const mysql::Row& row : rows) table.add(tenant, scheme, table.of_row(row), 1, out);
  return absl::OkStatus();
}

absl::Status AddStoredHealth(mysql::Connection& db, const std::string& tenant,
                             const PeriodScheme& scheme, Contributions& out) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT ", kHealthEntryColumns,
                                                    " FROM success_health_entries WHERE "
                                                    "tenant_id = ?"),
                                       {tenant}));
  std::map<std::string, std::vector<HealthEntry>> timelines;
  for (const mysql::Row& row : rows) timelines[row.String(1)].push_back(HealthEntryOfRow(row));
  for (auto& [account, timeline] : timelines) {
    std::sort(timeline.begin(), timeline.end(), HealthEntryBefore);
    AddHealthTimeline(tenant, scheme, HealthState{}, timeline, 1, out);
  }
  return absl::OkStatus();
}

}  // namespace

bool SuccessFacts::Handles(const Event& event) const {
  static const auto* const kTypes = new absl::flat_hash_set<std::string>{
      "NpsRecorded",     "RenewalCreated", "RenewalUpdated", "RenewalClosed",
      "OnboardingEnded", "HealthChanged",  "StageChanged",   "TierChanged",
      "AccountUpdated",  "AccountDeleted", "UsageRolledUp",  "KeyFeaturesUpdated"};
  return event.source() == "tandem.success.v1" && kTypes->contains(event.type());
}

absl::Status SuccessFacts::ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                                     const std::vector<const Event*>& events,
                                     Contributions& delta) {
  RETURN_IF_ERROR(ApplyNps(tx, schemes, events, delta));
  RETURN_IF_ERROR(ApplySnapshots(kRenewals, tx, schemes, events, delta));
  RETURN_IF_ERROR(ApplySnapshots(kOnboardings, tx, schemes, events, delta));
  RETURN_IF_ERROR(ApplyHealth(tx, schemes, events, delta));
  RETURN_IF_ERROR(ApplyUsage(tx, schemes, events, delta));
  return ApplyKeyFeatures(tx, events);
}

absl::Status SuccessFacts::AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                             const PeriodScheme& scheme, absl::Time deadline,
                                             Contributions& out) {
  if (!scheme.window().has_value()) return absl::OkStatus();
  RETURN_IF_ERROR(db.SetDeadline(deadline));
  const Period& window = *scheme.window();
  RETURN_IF_ERROR(AddStoredNps(
      db, tenant, scheme, "tenant_id = ? AND response_time >= ? AND response_time < ?",
      {tenant, scheme.StartOf(window.start), scheme.StartOf(window.end)}, out));
  // Usage days count on their own date: the window's dates are its days.
  return AddWindowUsage(db, tenant, window, out);
}

absl::Status SuccessFacts::AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                               const PeriodScheme& scheme, absl::Time /*deadline*/,
                                               Contributions& out) {
  RETURN_IF_ERROR(AddStoredNps(db, tenant, scheme, "tenant_id = ?", {tenant}, out));
  RETURN_IF_ERROR(AddStoredSnapshots(kRenewals, db, tenant, scheme, out));
  RETURN_IF_ERROR(AddStoredSnapshots(kOnboardings, db, tenant, scheme, out));
  RETURN_IF_ERROR(AddStoredHealth(db, tenant, scheme, out));
  return AddStoredUsage(db, tenant, scheme, "tenant_id = ?", {tenant}, out);
}

absl::Status SuccessFacts::DeleteTenant(mysql::Transaction& tx, const std::string& tenant) {
  // In slices, so no one statement of a large tenant (a year of usage days
  // per account) meets the statement timeout.
  for (const char* table :
       {"success_nps_answers", "success_renewals", "success_onboardings", "success_health_entries",
        "success_health_accounts", "success_usage_days", "success_key_features"}) {
    while (true) {
      ASSIGN_OR_RETURN(const int64_t deleted,
                       tx->Execute(absl::StrCat("DELETE FROM ", table,
                                                " WHERE tenant_id = ? LIMIT ", kDeleteSlice),
                                   {tenant}));
      if (deleted < kDeleteSlice) break;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SuccessFacts::KeyFeatures(const std::string& tenant,
                                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows,
      db->Query("SELECT features FROM success_key_features WHERE tenant_id = ?", {tenant}));
  if (rows.empty()) return std::vector<std::string>{};
  return SplitFeatures(rows[0].String(0));
}

}  // namespace tandem::metrics
