#include "services/metrics/revenue_facts.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "common/mysql/insert_rows.h"
#include "common/mysql/sql_params.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/metrics/event_parsing.h"
#include "services/metrics/measures.h"
#include "tandem/success/v1/events.pb.h"

namespace tandem::metrics {
namespace {

namespace sv1 = success::v1;
using Movement = sv1::MrrMovement;

constexpr char kSuccessSource[] = "tandem.success.v1";
constexpr char kMovementRecorded[] = "MrrMovementRecorded";
constexpr char kTierChanged[] = "TierChanged";
constexpr char kAccountUpdated[] = "AccountUpdated";

// Accounts per batch when reading timelines outside a page (window measures
// and full recomputation): bounds both the IN list and the rows in memory.
constexpr size_t kAccountsPerRead = 500;

constexpr char kEntryColumns[] =
    "account_id, entry_key, entry_time, feed_cursor, kind, mrr_delta_minor, mrr_after_minor, "
    "tier, plan, owner";
constexpr int kEntryColumnCount = 10;  // in kEntryColumns

// "accounts/{account}/..." -> "{account}".
std::string AccountIdOf(absl::string_view name) {
  constexpr absl::string_view kPrefix = "accounts/";
  if (name.substr(0, kPrefix.size()) != kPrefix) return "";
  name.remove_prefix(kPrefix.size());
  return std::string(name.substr(0, name.find('/')));
}

void SetSegment(const sv1::Account& account, RevenueEntry& entry) {
  entry.tier = TouchTierName(account.touch_tier());
  entry.plan = account.plan();
  entry.owner = account.owner();
}

bool SameSegment(const RevenueEntry& a, const RevenueEntry& b) {
  return a.tier == b.tier && a.plan == b.plan && a.owner == b.owner;
}

// The entry's segments, with the account's cohort when given.
Segments SegmentsOf(const RevenueEntry& entry, const std::string& cohort = "") {
  Segments segments;
  segments.With(measure::kTier, entry.tier)
      .With(measure::kPlan, entry.plan)
      .With(measure::kOwner, entry.owner)
      .With(measure::kCohort, cohort);
  return segments;
}

const char* FlowMeasureOf(Movement::Type type) {
  switch (type) {
    case Movement::NEW:
      return measure::kMrrNew;
    case Movement::EXPANSION:
    case Movement::CROSS_SELL:
      return measure::kMrrExpansion;
    case Movement::CONTRACTION:
      return measure::kMrrContraction;
    case Movement::CHURN:
      return measure::kMrrChurn;
    case Movement::REACTIVATION:
      return measure::kMrrReactivation;
    default:
      return nullptr;
  }
}

// The month of the account's NEW, "YYYY-MM" in the tenant's zone; empty if
// the timeline has none.
std::string CohortOf(const std::vector<RevenueEntry>& entries, const PeriodScheme& scheme) {
  for (const RevenueEntry& entry : entries) {
    if (entry.type == Movement::NEW) return FormatMonth(scheme.DayOf(entry.time));
  }
  return "";
}

// Flows at each movement, and the balance moved by each entry, for the
// entries from position `from` on (what an entry adds depends only on the
// entries before it and the cohort).
void AddAdditive(const std::vector<RevenueEntry>& entries, const std::string& cohort, size_t from,
                 const std::string& tenant, const PeriodScheme& scheme, int sign,
                 Contributions& out) {
  int64_t mrr = 0;
  const RevenueEntry* previous = nullptr;
  for (size_t i = 0; i < entries.size(); ++i) {
    const RevenueEntry& entry = entries[i];
    const int64_t mrr_after = entry.is_movement() ? entry.mrr_after_minor : mrr;
    if (i < from) {
      mrr = mrr_after;
      previous = &entry;
      continue;
    }
    const std::vector<Period> periods = scheme.AdditivePeriods(entry.time);
    const bool moves_balance =
        mrr_after != mrr || (mrr != 0 && previous != nullptr && !SameSegment(*previous, entry));
    if (moves_balance) {
      for (const Period& period : periods) {
        if (mrr != 0) {
          out.Add(tenant, SegmentsOf(*previous, cohort), measure::kMrr, period, mrr > 0 ? 1 : 0,
                  mrr, -sign);
        }
        if (mrr_after != 0) {
          out.Add(tenant, SegmentsOf(entry, cohort), measure::kMrr, period, mrr_after > 0 ? 1 : 0,
                  mrr_after, sign);
        }
      }
    }
    if (const char* flow = FlowMeasureOf(entry.type)) {
      const int64_t amount =
          entry.mrr_delta_minor < 0 ? -entry.mrr_delta_minor : entry.mrr_delta_minor;
      const Segments segments =
          SegmentsOf(entry, entry.type == Movement::NEW ? cohort : std::string());
      for (const Period& period : periods) out.Add(tenant, segments, flow, period, 1, amount, sign);
    }
    mrr = mrr_after;
    previous = &entry;
  }
}

// What one account did in one period, as the window measures count it.
struct PeriodTally {
  // The account's latest entry before the period, if it was active then.
  const RevenueEntry* start_entry = nullptr;
  bool churned = false;
  bool lost = false;
  bool expanded = false;
  int64_t churn_movements = 0, churn_mrr = 0;
  int64_t contraction_movements = 0, contraction_mrr = 0;
  int64_t expansion_movements = 0, expansion_mrr = 0;
  // The first churn of a spell that began inside the period.
  const RevenueEntry* new_churn = nullptr;
};

PeriodTally TallyPeriod(const std::vector<RevenueEntry>& entries, const PeriodScheme& scheme,
                        const Period& period) {
  PeriodTally tally;
  size_t i = 0;
  int64_t mrr = 0;
  const RevenueEntry* latest = nullptr;
  for (; i < entries.size() && scheme.DayOf(entries[i].time) < period.start; ++i) {
    if (entries[i].is_movement()) mrr = entries[i].mrr_after_minor;
    latest = &entries[i];
  }
  const bool active_at_start = mrr > 0;
  if (active_at_start) tally.start_entry = latest;
  // Whether the account is still in the spell it was in at the start, and
  // whether its current spell began inside the period.
  bool start_spell = active_at_start;
  bool spell_began_inside = false;
  for (; i < entries.size() && scheme.DayOf(entries[i].time) < period.end; ++i) {
    const RevenueEntry& entry = entries[i];
    if (!entry.is_movement()) continue;
    switch (entry.type) {
      case Movement::NEW:
      case Movement::REACTIVATION:
        spell_began_inside = true;
        break;
      case Movement::EXPANSION:
      case Movement::CROSS_SELL:
        if (start_spell) {
          tally.expanded = true;
          ++tally.expansion_movements;
          tally.expansion_mrr += entry.mrr_delta_minor;
        }
        break;
      case Movement::CONTRACTION:
        if (start_spell) {
          ++tally.contraction_movements;
          tally.contraction_mrr -= entry.mrr_delta_minor;
        }
        break;
      case Movement::CHURN:
        if (start_spell) {
          tally.churned = true;
          ++tally.churn_movements;
          tally.churn_mrr -= entry.mrr_delta_minor;
        } else if (spell_began_inside && tally.new_churn == nullptr) {
          tally.new_churn = &entry;
        }
        start_spell = false;
        spell_began_inside = false;
        break;
      default:
        break;
    }
    mrr = entry.mrr_after_minor;
  }
  tally.lost = active_at_start && mrr <= 0;
  return tally;
}

// One window measure an account adds to one period, in the segment of
// `segment_of`.
struct WindowFigure {
  const char* measure;
  const RevenueEntry* segment_of;
  int64_t count;
  int64_t total;

  bool SameAs(const WindowFigure& other) const {
    return measure == other.measure && count == other.count && total == other.total &&
           SameSegment(*segment_of, *other.segment_of);
  }
};

std::vector<WindowFigure> FiguresOf(const PeriodTally& tally) {
  std::vector<WindowFigure> figures;
  if (tally.new_churn != nullptr) {
    figures.push_back({measure::kNewChurned, tally.new_churn, 1, 0});
  }
  if (tally.start_entry == nullptr) return figures;
  const auto add = [&](const char* measure, int64_t count, int64_t total) {
    if (count != 0 || total != 0) figures.push_back({measure, tally.start_entry, count, total});
  };
  add(measure::kStartChurned, tally.churned ? 1 : 0, 0);
  add(measure::kStartLost, tally.lost ? 1 : 0, 0);
  add(measure::kStartExpanded, tally.expanded ? 1 : 0, 0);
  add(measure::kStartChurnMrr, tally.churn_movements, tally.churn_mrr);
  add(measure::kStartContractionMrr, tally.contraction_movements, tally.contraction_mrr);
  add(measure::kStartExpansionMrr, tally.expansion_movements, tally.expansion_mrr);
  return figures;
}

// The window figures of the periods of the movements, those ending after
// `after_day` only (a period's tally reads only entries before its end).
absl::btree_map<Period, std::vector<WindowFigure>> WindowFiguresOf(
    const std::vector<RevenueEntry>& entries, absl::CivilDay after_day,
    const PeriodScheme& scheme) {
  absl::btree_set<Period> periods;
  for (const RevenueEntry& entry : entries) {
    if (!entry.is_movement()) continue;
    for (const Period& period : scheme.WindowPeriods(entry.time)) {
      if (period.end > after_day) periods.insert(period);
    }
  }
  absl::btree_map<Period, std::vector<WindowFigure>> figures;
  for (const Period& period : periods) {
    std::vector<WindowFigure> of_period = FiguresOf(TallyPeriod(entries, scheme, period));
    if (!of_period.empty()) figures.emplace(period, std::move(of_period));
  }
  return figures;
}

void AddFigures(const std::vector<WindowFigure>& figures, const Period& period,
                const std::string& tenant, int sign, Contributions& out) {
  for (const WindowFigure& figure : figures) {
    out.Add(tenant, SegmentsOf(*figure.segment_of), figure.measure, period, figure.count,
            figure.total, sign);
  }
}

// Adds the window figures of `after` minus those of `before` for the
// periods ending after `after_day`, leaving out the figures both have.
void AddWindowChange(const std::vector<RevenueEntry>& before,
                     const std::vector<RevenueEntry>& after, absl::CivilDay after_day,
                     const std::string& tenant, const PeriodScheme& scheme, Contributions& out) {
  auto old_figures = WindowFiguresOf(before, after_day, scheme);
  auto new_figures = WindowFiguresOf(after, after_day, scheme);
  for (auto& [period, figures] : new_figures) {
    auto old = old_figures.find(period);
    if (old != old_figures.end()) {
      std::vector<WindowFigure>& was = old->second;
      // Figures both timelines give cancel out; only the rest is added.
      std::vector<WindowFigure> added;
      for (const WindowFigure& figure : figures) {
        auto same = std::find_if(was.begin(), was.end(),
                                 [&](const WindowFigure& w) { return w.SameAs(figure); });
        if (same != was.end()) {
          was.erase(same);
        } else {
          added.push_back(figure);
        }
      }
      figures = std::move(added);
    }
    AddFigures(figures, period, tenant, 1, out);
  }
  for (const auto& [period, figures] : old_figures) AddFigures(figures, period, tenant, -1, out);
}

// ---- Storage ------------------------------------------------------------

using AccountKey = std::pair<std::string, std::string>;  // tenant, account

// An INSERT row: tenant_id, then kEntryColumns.
std::vector<mysql::Value> EntryParams(const std::string& tenant, const std::string& account_id,
                                      const RevenueEntry& entry) {
  return {tenant,
          account_id,
          entry.key,
          entry.time,
          entry.feed_cursor,
          int64_t{entry.type},
          entry.mrr_delta_minor,
          entry.mrr_after_minor,
          entry.tier,
          entry.plan,
          entry.owner};
}

// Reads a row of `kEntryColumns`.
RevenueEntry EntryOfRow(const mysql::Row& row) {
  RevenueEntry entry;
  entry.key = row.String(1);
  entry.time = row.Time(2);
  entry.feed_cursor = row.Int(3);
  const int64_t kind = row.Int(4);
  entry.type = Movement::Type_IsValid(static_cast<int>(kind)) ? static_cast<Movement::Type>(kind)
                                                              : Movement::TYPE_UNSPECIFIED;
  entry.mrr_delta_minor = row.Int(5);
  entry.mrr_after_minor = row.Int(6);
  entry.tier = row.String(7);
  entry.plan = row.String(8);
  entry.owner = row.String(9);
  return entry;
}

// Reads the timelines of `account_ids` (one tenant) and adds their
// contributions under `scheme`.
absl::Status AddTimelinesOf(mysql::Connection& db, const std::string& tenant,
                            const std::vector<std::string>& account_ids, const PeriodScheme& scheme,
                            Contributions& out) {
  if (account_ids.empty()) return absl::OkStatus();
  std::vector<mysql::Value> params = {tenant};
  params.insert(params.end(), account_ids.begin(), account_ids.end());
  ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                   db.Query(absl::StrCat("SELECT ", kEntryColumns,
                                         " FROM revenue_entries WHERE tenant_id = ? AND "
                                         "account_id IN (",
                                         mysql::ParameterList(account_ids.size()), ")"),
                            params));
  std::map<std::string, AccountTimeline> timelines;
  for (const mysql::Row& row : rows) timelines[row.String(0)].Add(EntryOfRow(row));
  for (const auto& [account_id, timeline] : timelines) {
    AddRevenueContributions(timeline, tenant, scheme, 1, out);
  }
  return absl::OkStatus();
}

}  // namespace

bool AccountTimeline::Add(RevenueEntry entry) {
  for (const RevenueEntry& existing : entries_) {
    if (existing.key == entry.key) return false;
  }
  const auto order = [](const RevenueEntry& a, const RevenueEntry& b) {
    return std::tie(a.time, a.feed_cursor, a.key) < std::tie(b.time, b.feed_cursor, b.key);
  };
  entries_.insert(std::upper_bound(entries_.begin(), entries_.end(), entry, order),
                  std::move(entry));
  return true;
}

std::optional<RevenueEvent> RevenueEventOf(const tandem::common::v1::Event& event) {
  if (event.source() != kSuccessSource) return std::nullopt;
  RevenueEvent out;
  out.tenant = event.tenant();
  RevenueEntry& entry = out.entry;
  entry.feed_cursor = event.cursor();
  entry.time = StoredTime(event.occur_time());
  if (event.type() == kMovementRecorded) {
    sv1::MrrMovementRecorded payload;
    if (!UnpackPayload(event, "revenue", payload)) return std::nullopt;
    const Movement& movement = payload.movement();
    if (movement.type() == Movement::TYPE_UNSPECIFIED || !Movement::Type_IsValid(movement.type())) {
      return std::nullopt;
    }
    out.account_id = AccountIdOf(movement.name());
    entry.key = ResourceIdOf(movement.name());
    if (movement.has_effective_time()) entry.time = StoredTime(movement.effective_time());
    entry.type = movement.type();
    entry.mrr_delta_minor = movement.mrr_delta_minor();
    entry.mrr_after_minor = movement.mrr_after_minor();
    SetSegment(payload.account(), entry);
  } else if (event.type() == kTierChanged) {
    sv1::TierChanged payload;
    if (!UnpackPayload(event, "revenue", payload)) return std::nullopt;
    out.account_id = AccountIdOf(payload.account().name());
    entry.key = event.event_id();
    // Dated as the health facts date it: when the tier changed.
    if (payload.change().has_change_time()) entry.time = StoredTime(payload.change().change_time());
    SetSegment(payload.account(), entry);
  } else if (event.type() == kAccountUpdated) {
    sv1::AccountUpdated payload;
    if (!UnpackPayload(event, "revenue", payload)) return std::nullopt;
    RevenueEntry before;
    SetSegment(payload.previous(), before);
    SetSegment(payload.account(), entry);
    bool changed = payload.has_previous() && !SameSegment(before, entry);
    for (const std::string& path : payload.changed_fields().paths()) {
      changed = changed || path == "touch_tier" || path == "plan" || path == "owner";
    }
    if (!changed) return std::nullopt;
    out.account_id = AccountIdOf(payload.account().name());
    entry.key = event.event_id();
  } else {
    return std::nullopt;
  }
  if (out.account_id.empty() || entry.key.empty()) return std::nullopt;
  return out;
}

void AddRevenueContributions(const AccountTimeline& timeline, const std::string& tenant,
                             const PeriodScheme& scheme, int sign, Contributions& out) {
  const std::vector<RevenueEntry>& entries = timeline.entries();
  AddAdditive(entries, CohortOf(entries, scheme), 0, tenant, scheme, sign, out);
  for (const auto& [period, figures] : WindowFiguresOf(entries, absl::CivilDay::min(), scheme)) {
    AddFigures(figures, period, tenant, sign, out);
  }
}

void AddRevenueContributionChange(const AccountTimeline& before, const AccountTimeline& after,
                                  const std::string& tenant, const PeriodScheme& scheme,
                                  Contributions& out) {
  const std::vector<RevenueEntry>& old_entries = before.entries();
  const std::vector<RevenueEntry>& new_entries = after.entries();
  // Both timelines agree up to `first`.
  size_t first = 0;
  while (first < old_entries.size() && first < new_entries.size() &&
         old_entries[first].key == new_entries[first].key) {
    ++first;
  }
  if (first == old_entries.size() && first == new_entries.size()) return;
  absl::CivilDay changed_day = absl::CivilDay::max();
  if (first < old_entries.size()) changed_day = scheme.DayOf(old_entries[first].time);
  if (first < new_entries.size()) {
    changed_day = std::min(changed_day, scheme.DayOf(new_entries[first].time));
  }
  // A new first NEW moves every balance to another cohort.
  const std::string old_cohort = CohortOf(old_entries, scheme);
  const std::string new_cohort = CohortOf(new_entries, scheme);
  const size_t from = old_cohort == new_cohort ? first : 0;
  AddAdditive(old_entries, old_cohort, from, tenant, scheme, -1, out);
  AddAdditive(new_entries, new_cohort, from, tenant, scheme, 1, out);
  // Periods ending on or before the changed day read only the common part.
  AddWindowChange(old_entries, new_entries, changed_day, tenant, scheme, out);
}

bool RevenueFacts::Handles(const tandem::common::v1::Event& event) const {
  return event.source() == kSuccessSource &&
         (event.type() == kMovementRecorded || event.type() == kTierChanged ||
          event.type() == kAccountUpdated);
}

absl::Status RevenueFacts::ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                                     const std::vector<const tandem::common::v1::Event*>& events,
                                     Contributions& delta) {
  std::vector<RevenueEvent> parsed;
  std::set<AccountKey> accounts;
  for (const tandem::common::v1::Event* event : events) {
    std::optional<RevenueEvent> revenue_event = RevenueEventOf(*event);
    if (!revenue_event.has_value()) continue;
    accounts.emplace(revenue_event->tenant, revenue_event->account_id);
    parsed.push_back(*std::move(revenue_event));
  }
  if (parsed.empty()) return absl::OkStatus();

  // The timelines before the page, locked until the page commits: one read
  // per tenant in the page (usually one). `tenant_id = ? AND account_id IN`
  // is a range of the primary key; a row constructor IN of the pairs would
  // take MariaDB over a second for a thousand accounts.
  std::map<AccountKey, AccountTimeline> before;
  for (auto it = accounts.begin(); it != accounts.end();) {
    const std::string& tenant = it->first;
    std::vector<mysql::Value> params = {tenant};
    for (; it != accounts.end() && it->first == tenant; ++it) params.emplace_back(it->second);
    ASSIGN_OR_RETURN(
        std::vector<mysql::Row> rows,
        tx->Query(absl::StrCat("SELECT ", kEntryColumns,
                               " FROM revenue_entries WHERE tenant_id = ? AND "
                               "account_id IN (",
                               mysql::ParameterList(params.size() - 1), ") FOR UPDATE"),
                  params));
    for (const mysql::Row& row : rows) before[{tenant, row.String(0)}].Add(EntryOfRow(row));
  }

  // Fold the page's events in; an entry already known is a repeat.
  std::map<AccountKey, AccountTimeline> after;
  std::vector<const RevenueEvent*> fresh;
  for (const RevenueEvent& revenue_event : parsed) {
    const AccountKey key{revenue_event.tenant, revenue_event.account_id};
    auto [it, inserted] = after.try_emplace(key);
    if (inserted) {
      if (auto known = before.find(key); known != before.end()) it->second = known->second;
    }
    if (it->second.Add(revenue_event.entry)) fresh.push_back(&revenue_event);
  }
  if (fresh.empty()) return absl::OkStatus();

  // A plain INSERT: an entry some other writer added meanwhile is a
  // duplicate key that fails the page (retried later), never a double count.
  std::vector<mysql::Value> params;
  for (const RevenueEvent* revenue_event : fresh) {
    std::vector<mysql::Value> row =
        EntryParams(revenue_event->tenant, revenue_event->account_id, revenue_event->entry);
    params.insert(params.end(), std::make_move_iterator(row.begin()),
                  std::make_move_iterator(row.end()));
  }
  RETURN_IF_ERROR(mysql::InsertRows(
      tx.connection(), absl::StrCat("INSERT INTO revenue_entries (tenant_id, ", kEntryColumns, ")"),
      kEntryColumnCount + 1, params));

  std::set<AccountKey> changed;
  for (const RevenueEvent* revenue_event : fresh) {
    changed.emplace(revenue_event->tenant, revenue_event->account_id);
  }
  const AccountTimeline empty;
  for (const AccountKey& key : changed) {
    auto known = before.find(key);
    AddRevenueContributionChange(known == before.end() ? empty : known->second, after.at(key),
                                 key.first, schemes.For(key.first), delta);
  }
  return absl::OkStatus();
}

absl::Status RevenueFacts::AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                             const PeriodScheme& scheme, absl::Time deadline,
                                             Contributions& out) {
  if (!scheme.is_window()) {
    return absl::InvalidArgumentError("window measures need a window scheme");
  }
  RETURN_IF_ERROR(db.SetDeadline(deadline));
  const Period& window = *scheme.window();
  // Only movements count in window measures; segment changes alone do not.
  ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                   db.Query("SELECT DISTINCT account_id FROM revenue_entries WHERE tenant_id = ? "
                            "AND entry_time >= ? AND entry_time < ? AND kind <> 0",
                            {tenant, scheme.StartOf(window.start), scheme.StartOf(window.end)}));
  std::vector<std::string> batch;
  for (const mysql::Row& row : rows) {
    batch.push_back(row.String(0));
    if (batch.size() == kAccountsPerRead) {
      RETURN_IF_ERROR(AddTimelinesOf(db, tenant, batch, scheme, out));
      batch.clear();
    }
  }
  return AddTimelinesOf(db, tenant, batch, scheme, out);
}

absl::Status RevenueFacts::AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                               const PeriodScheme& scheme, absl::Time deadline,
                                               Contributions& out) {
  RETURN_IF_ERROR(db.SetDeadline(deadline));
  std::string last_account;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                     db.Query(absl::StrCat("SELECT DISTINCT account_id FROM revenue_entries "
                                           "WHERE tenant_id = ? AND account_id > ? "
                                           "ORDER BY account_id LIMIT ",
                                           kAccountsPerRead),
                              {tenant, last_account}));
    if (rows.empty()) return absl::OkStatus();
    std::vector<std::string> batch;
    for (const mysql::Row& row : rows) batch.push_back(row.String(0));
    RETURN_IF_ERROR(AddTimelinesOf(db, tenant, batch, scheme, out));
    last_account = batch.back();
  }
}

absl::Status RevenueFacts::DeleteTenant(mysql::Transaction& tx, const std::string& tenant) {
  return tx->Execute("DELETE FROM revenue_entries WHERE tenant_id = ?", {tenant}).status();
}

}  // namespace tandem::metrics
