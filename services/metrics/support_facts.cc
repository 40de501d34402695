#include "services/metrics/support_facts.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/mysql/insert_rows.h"
#include "common/mysql/sql_params.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/metrics/event_parsing.h"
#include "services/metrics/measures.h"
#include "tandem/support/v1/article_events.pb.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::metrics {
namespace {

namespace sv1 = tandem::support::v1;
using tandem::common::v1::Event;

// Rows per multi-row statement. Statements are prepared and cached per
// connection by their text, so batches are padded (mysql::PaddedCount) to
// keep few variants.
constexpr size_t kMaxBatch = 512;
constexpr mysql::InsertRowsOptions kPaddedInserts = {.max_rows = kMaxBatch,
                                                     .pad_to_power_of_two = true};
// Rows per read when adding every contribution of a tenant.
constexpr int kScanPage = 2000;
// Rows per DELETE when dropping a tenant's facts.
constexpr int64_t kDeleteSlice = 20000;

absl::Duration Millis(const google::protobuf::Duration& d) {
  return absl::Milliseconds(d.seconds() * 1000 + d.nanos() / 1000000);
}

TicketObservation Observe(const Event& event, sv1::Ticket ticket) {
  TicketObservation observation;
  observation.ticket_id = ResourceIdOf(ticket.name().empty() ? event.subject() : ticket.name());
  observation.event_type = event.type();
  observation.occur_time = StoredTime(event.occur_time());
  observation.order = {
      ticket.has_update_time() ? StoredTime(ticket.update_time()) : observation.occur_time,
      event.cursor()};
  observation.snapshot = std::move(ticket);
  return observation;
}

// Observes the ticket of an event whose payload carries it as `ticket`.
template <typename Payload>
void ObserveTicketOf(const Event& event, std::vector<TicketObservation>& out) {
  Payload payload;
  if (UnpackPayload(event, "support", payload)) {
    out.push_back(Observe(event, std::move(*payload.mutable_ticket())));
  }
}

template <typename T>
void KeepEarliest(std::optional<T>& slot, const T& value) {
  if (!slot.has_value() || value < *slot) slot = value;
}

void KeepEarliest(std::map<int, absl::Time>& times, int cycle, absl::Time value) {
  auto [it, inserted] = times.emplace(cycle, value);
  if (!inserted && value < it->second) it->second = value;
}

SlaTargetFact TargetOf(const sv1::SlaMetric& metric, const SnapshotOrder& order) {
  SlaTargetFact target;
  target.kind = metric.kind();
  target.start_time = StoredTime(metric.start_time());
  target.seen = order;
  if (metric.has_due_time()) {
    target.due_time = StoredTime(metric.due_time());
    target.due_seen = order;
  }
  if (metric.breached()) {
    target.result = SlaTargetFact::Result::kMissed;
    target.result_time =
        StoredTime(metric.has_breach_time() ? metric.breach_time() : metric.due_time());
  } else if (metric.stage() == sv1::SlaMetric::FULFILLED && metric.has_target()) {
    target.result = SlaTargetFact::Result::kMet;
    target.result_time = StoredTime(metric.fulfill_time());
  }
  return target;
}

// Business time of the metric of `kind` if the snapshot shows it FULFILLED.
std::optional<absl::Duration> FulfilledBusinessTime(const sv1::Ticket& ticket,
                                                    sv1::SlaMetric::Kind kind) {
  for (const sv1::SlaMetric& metric : ticket.sla().metrics()) {
    if (metric.kind() == kind && metric.stage() == sv1::SlaMetric::FULFILLED) {
      return Millis(metric.business_time());
    }
  }
  return std::nullopt;
}

std::string EnumSegment(int value, const std::string& name) {
  return value == 0 ? std::string() : name;
}

Segments TicketSegments(const TicketFacts& facts) {
  return Segments()
      .With(measure::kChannel,
            EnumSegment(facts.channel, sv1::Ticket::Channel_Name(
                                           static_cast<sv1::Ticket::Channel>(facts.channel))))
      .With(measure::kPriority,
            EnumSegment(facts.priority, sv1::Ticket::Priority_Name(
                                            static_cast<sv1::Ticket::Priority>(facts.priority))))
      .With(measure::kType,
            EnumSegment(facts.type,
                        sv1::Ticket::Type_Name(static_cast<sv1::Ticket::Type>(facts.type))))
      .With(measure::kGroup, facts.group);
}

// One contribution of a ticket before it is spread over its segments and
// the day and month of its time: a count, or one duration.
struct TicketItem {
  absl::string_view measure;
  absl::Time at;
  int64_t count = 1;
  std::optional<int64_t> millis;  // set for a duration

  friend bool operator<(const TicketItem& a, const TicketItem& b) {
    return std::tie(a.measure, a.at, a.count, a.millis) <
           std::tie(b.measure, b.at, b.count, b.millis);
  }
};

void AddItems(const std::vector<TicketItem>& items, const std::string& tenant,
              const Segments& segments, const PeriodScheme& scheme, int sign, Contributions& out) {
  for (const TicketItem& item : items) {
    const std::string measure(item.measure);
    for (const Period& period : scheme.AdditivePeriods(item.at)) {
      if (item.millis.has_value()) {
        out.AddDuration(tenant, segments, measure, period, absl::Milliseconds(*item.millis), sign);
      } else {
        out.Add(tenant, segments, measure, period, item.count, 0, sign);
      }
    }
  }
}

std::pair<const char*, const char*> SlaMeasures(int kind) {
  switch (kind) {
    case sv1::SlaMetric::FIRST_RESPONSE:
      return {measure::kSlaDueFirstResponse, measure::kSlaMetFirstResponse};
    case sv1::SlaMetric::NEXT_RESPONSE:
      return {measure::kSlaDueNextResponse, measure::kSlaMetNextResponse};
    case sv1::SlaMetric::RESOLUTION:
      return {measure::kSlaDueResolution, measure::kSlaMetResolution};
    default:
      return {nullptr, nullptr};
  }
}

// ---- Storage ----

constexpr const char* kColumns[] = {"tenant_id",
                                    "ticket_id",
                                    "create_time",
                                    "seen_time",
                                    "seen_cursor",
                                    "status",
                                    "channel",
                                    "priority",
                                    "type",
                                    "group_name",
                                    "first_response_business_ms",
                                    "resolution_business_ms",
                                    "agent_replies",
                                    "reopen_count",
                                    "first_response_time",
                                    "first_escalation_time",
                                    "rate_time",
                                    "rating",
                                    "close_time",
                                    "solves",
                                    "reopens",
                                    "sla_targets"};
constexpr size_t kWidth = std::size(kColumns);

std::string ColumnList() { return absl::StrJoin(std::begin(kColumns), std::end(kColumns), ", "); }

mysql::Value TimeOrNull(const std::optional<absl::Time>& t) {
  if (!t.has_value()) return nullptr;
  return *t;
}

mysql::Value MillisOrNull(const std::optional<absl::Duration>& d) {
  if (!d.has_value()) return nullptr;
  return absl::ToInt64Milliseconds(*d);
}

std::optional<absl::Time> OptionalTime(const mysql::Row& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return row.Time(column);
}

std::optional<absl::Duration> OptionalMillis(const mysql::Row& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return absl::Milliseconds(row.Int(column));
}

void AppendRow(const std::string& tenant, const std::string& id, const TicketFacts& f,
               std::vector<mysql::Value>& params) {
  std::optional<absl::Time> rate_time;
  if (f.rating.has_value()) rate_time = f.rating->first;
  params.insert(params.end(), {tenant,
                               id,
                               f.create_time,
                               f.newest.update_time,
                               f.newest.cursor,
                               int64_t{f.status},
                               int64_t{f.channel},
                               int64_t{f.priority},
                               int64_t{f.type},
                               f.group,
                               MillisOrNull(f.first_response_business),
                               MillisOrNull(f.resolution_business),
                               int64_t{f.agent_replies},
                               int64_t{f.reopen_count},
                               TimeOrNull(f.first_response),
                               TimeOrNull(f.first_escalation),
                               TimeOrNull(rate_time),
                               int64_t{f.rating.has_value() ? f.rating->second : 0},
                               TimeOrNull(f.close_time),
                               EncodeCycleTimes(f.solves),
                               EncodeCycleTimes(f.reopens),
                               EncodeSlaTargets(f.sla_targets)});
}

absl::StatusOr<TicketFacts> FromRow(const mysql::Row& row) {
  TicketFacts f;
  f.known = true;
  f.create_time = row.Time(2);
  f.newest = {row.Time(3), row.Int(4)};
  f.status = static_cast<int>(row.Int(5));
  f.channel = static_cast<int>(row.Int(6));
  f.priority = static_cast<int>(row.Int(7));
  f.type = static_cast<int>(row.Int(8));
  f.group = row.String(9);
  f.first_response_business = OptionalMillis(row, 10);
  f.resolution_business = OptionalMillis(row, 11);
  f.agent_replies = static_cast<int>(row.Int(12));
  f.reopen_count = static_cast<int>(row.Int(13));
  f.first_response = OptionalTime(row, 14);
  f.first_escalation = OptionalTime(row, 15);
  if (std::optional<absl::Time> rate_time = OptionalTime(row, 16)) {
    f.rating = std::make_pair(*rate_time, static_cast<int>(row.Int(17)));
  }
  f.close_time = OptionalTime(row, 18);
  if (!DecodeCycleTimes(row.String(19), f.solves) || !DecodeCycleTimes(row.String(20), f.reopens) ||
      !DecodeSlaTargets(row.String(21), f.sla_targets)) {
    return absl::InternalError(absl::StrCat("support_ticket_facts row of ticket ", row.String(1),
                                            " has a malformed list column"));
  }
  return f;
}

struct TicketEntry {
  TicketFacts before;
  TicketFacts after;
};
using TicketKey = std::pair<std::string, std::string>;  // tenant, ticket id

// Reads the facts of `tenant`'s tickets `ids` (at most kMaxBatch), locking
// them when `lock`, and calls `found` with each. `tenant_id = ? AND
// ticket_id IN` is a range of the primary key; MariaDB reads a row
// constructor IN of many pairs with a full scan.
template <typename Found>
absl::Status ReadTickets(mysql::Connection& db, const std::string& tenant, const std::vector<std::string>& ids,
                         bool lock, Found found) {
  if (ids.empty()) return absl::OkStatus();
  const size_t padded = mysql::PaddedCount(ids.size());
  std::vector<mysql::Value> params;
  params.reserve(padded + 1);
  params.emplace_back(tenant);
  for (size_t i = 0; i < padded; ++i) params.emplace_back(ids[std::min(i, ids.size() - 1)]);
  ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                   db.Query(absl::StrCat("SELECT ", ColumnList(),
                                         " FROM support_ticket_facts WHERE tenant_id = ? AND "
                                         "ticket_id IN (",
                                         mysql::ParameterList(padded), ")",
                                         lock ? " FOR UPDATE" : ""),
                            params));
  for (const mysql::Row& row : rows) {
    ASSIGN_OR_RETURN(TicketFacts facts, FromRow(row));
    RETURN_IF_ERROR(found(row.String(1), std::move(facts)));
  }
  return absl::OkStatus();
}

absl::Status LoadTickets(mysql::Transaction& tx, std::map<TicketKey, TicketEntry>& entries) {
  // `entries` is ordered by tenant: one batch list per tenant.
  for (auto it = entries.begin(); it != entries.end();) {
    const std::string tenant = it->first.first;
    std::vector<std::string> ids;
    for (; it != entries.end() && it->first.first == tenant; ++it) ids.push_back(it->first.second);
    for (size_t begin = 0; begin < ids.size(); begin += kMaxBatch) {
      const std::vector<std::string> batch(
          ids.begin() + begin, ids.begin() + begin + std::min(kMaxBatch, ids.size() - begin));
      RETURN_IF_ERROR(ReadTickets(tx.connection(), tenant, batch, /*lock=*/true,
                                  [&](const std::string& id, TicketFacts facts) {
                                    auto entry = entries.find({tenant, id});
                                    if (entry != entries.end()) entry->second.before = std::move(facts);
                                    return absl::OkStatus();
                                  }));
    }
  }
  return absl::OkStatus();
}

// Records the solve and reopen times `after` has and `before` had not.
absl::Status StoreActivity(mysql::Transaction& tx,
                           const std::vector<std::tuple<std::string, absl::Time, std::string>>& rows) {
  std::vector<mysql::Value> params;
  params.reserve(rows.size() * 3);
  for (const auto& [tenant, at, id] : rows) params.insert(params.end(), {tenant, at, id});
  // IGNORE: a time already recorded (or repeated as padding) is the same row.
  return mysql::InsertRows(tx.connection(),
                           "INSERT IGNORE INTO support_ticket_activity (tenant_id, activity_time, "
                           "ticket_id)",
                           3, params, "", kPaddedInserts);
}

absl::Status StoreTickets(
    mysql::Transaction& tx,
    const std::vector<std::pair<const TicketKey*, const TicketFacts*>>& rows) {
  std::vector<std::string> updates;
  for (size_t i = 2; i < kWidth; ++i) {
    updates.push_back(absl::StrCat(kColumns[i], " = VALUES(", kColumns[i], ")"));
  }
  std::vector<mysql::Value> params;
  params.reserve(rows.size() * kWidth);
  for (const auto& [key, facts] : rows) AppendRow(key->first, key->second, *facts, params);
  // Every column is set to VALUES(...): a padding repeat writes the same row.
  return mysql::InsertRows(
      tx.connection(), absl::StrCat("INSERT INTO support_ticket_facts (", ColumnList(), ")"),
      kWidth, params, absl::StrCat(" ON DUPLICATE KEY UPDATE ", absl::StrJoin(updates, ", ")),
      kPaddedInserts);
}

// One article view: (tenant, article id, view count) names it.
struct ArticleView {
  std::string tenant;
  std::string article_id;
  int64_t view_count = 0;
  absl::Time view_time;
};

// Records the views not recorded before and adds their contributions.
absl::Status ApplyViews(mysql::Transaction& tx, const TenantSchemes& schemes,
                        const std::vector<ArticleView>& views, Contributions& delta) {
  // One per key, the first seen (a duplicate in the same page is the same view).
  std::map<std::tuple<std::string, std::string, int64_t>, const ArticleView*> unique;
  for (const ArticleView& view : views) {
    unique.emplace(std::make_tuple(view.tenant, view.article_id, view.view_count), &view);
  }
  std::vector<const ArticleView*> pending;
  for (const auto& [key, view] : unique) pending.push_back(view);
  for (size_t begin = 0; begin < pending.size(); begin += kMaxBatch) {
    const size_t n = std::min(kMaxBatch, pending.size() - begin);
    const size_t padded = mysql::PaddedCount(n);
    std::vector<mysql::Value> params;
    params.reserve(padded * 3);
    for (size_t i = 0; i < padded; ++i) {
      const ArticleView& view = *pending[begin + std::min(i, n - 1)];
      params.insert(params.end(), {view.tenant, view.article_id, view.view_count});
    }
    ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                     tx->Query(absl::StrCat("SELECT tenant_id, article_id, view_count FROM "
                                            // A row constructor IN of many keys is a
                                            // full scan unless the key is forced.
                                            "support_article_views FORCE INDEX (PRIMARY) "
                                            "WHERE (tenant_id, "
                                            "article_id, view_count) IN (",
                                            mysql::ParameterRows(padded, 3), ") FOR UPDATE"),
                               params));
    std::set<std::tuple<std::string, std::string, int64_t>> known;
    for (const mysql::Row& row : rows) known.emplace(row.String(0), row.String(1), row.Int(2));
    std::vector<const ArticleView*> fresh;
    for (size_t i = begin; i < begin + n; ++i) {
      const ArticleView& view = *pending[i];
      if (!known.contains({view.tenant, view.article_id, view.view_count})) {
        fresh.push_back(&view);
      }
    }
    if (fresh.empty()) continue;
    params.clear();
    for (const ArticleView* view : fresh) {
      params.insert(params.end(),
                    {view->tenant, view->article_id, view->view_count, view->view_time});
    }
    // IGNORE only folds the padding's repeated rows: the read above holds
    // the locks, so no other writer adds one of these keys meanwhile.
    RETURN_IF_ERROR(mysql::InsertRows(tx.connection(),
                                      "INSERT IGNORE INTO support_article_views (tenant_id, "
                                      "article_id, view_count, view_time)",
                                      4, params, "", kPaddedInserts));
    for (const ArticleView* view : fresh) {
      AddArticleViewContribution(view->view_time, view->tenant, schemes.For(view->tenant), 1,
                                 delta);
    }
  }
  return absl::OkStatus();
}

bool IsTicketEventType(absl::string_view type) {
  static const std::set<std::string, std::less<>> kTypes = {
      "TicketCreated", "TicketUpdated",   "TicketReplied", "TicketSolved", "TicketReopened",
      "TicketClosed",  "TicketEscalated", "TicketRated",   "TicketMerged", "SlaBreached"};
  return kTypes.contains(type);
}

}  // namespace

// ---- Observing and folding ----

std::vector<TicketObservation> ObserveTickets(const Event& event) {
  std::vector<TicketObservation> out;
  const std::string& type = event.type();
  if (type == "TicketCreated") {
    ObserveTicketOf<sv1::TicketCreated>(event, out);
  } else if (type == "TicketUpdated") {
    ObserveTicketOf<sv1::TicketUpdated>(event, out);
  } else if (type == "TicketSolved") {
    ObserveTicketOf<sv1::TicketSolved>(event, out);
  } else if (type == "TicketReopened") {
    ObserveTicketOf<sv1::TicketReopened>(event, out);
  } else if (type == "TicketClosed") {
    ObserveTicketOf<sv1::TicketClosed>(event, out);
  } else if (type == "TicketEscalated") {
    ObserveTicketOf<sv1::TicketEscalated>(event, out);
  } else if (type == "SlaBreached") {
    ObserveTicketOf<sv1::SlaBreached>(event, out);
  } else if (type == "TicketReplied") {
    sv1::TicketReplied payload;
    if (UnpackPayload(event, "support", payload)) {
      const sv1::Message& message = payload.message();
      std::optional<absl::Time> reply;
      if (!message.internal() && message.author_type() == sv1::Message::AGENT) {
        reply = StoredTime(message.has_create_time() ? message.create_time() : event.occur_time());
      }
      out.push_back(Observe(event, std::move(*payload.mutable_ticket())));
      out.back().public_agent_reply = reply;
    }
  } else if (type == "TicketRated") {
    sv1::TicketRated payload;
    if (UnpackPayload(event, "support", payload)) {
      std::optional<std::pair<absl::Time, int>> rating;
      if (payload.rating().score() > 0) {
        rating = std::make_pair(
            StoredTime(payload.rating().has_rate_time() ? payload.rating().rate_time()
                                                        : event.occur_time()),
            payload.rating().score());
      }
      out.push_back(Observe(event, std::move(*payload.mutable_ticket())));
      out.back().rating = rating;
    }
  } else if (type == "TicketMerged") {
    sv1::TicketMerged payload;
    if (UnpackPayload(event, "support", payload)) {
      out.push_back(Observe(event, std::move(*payload.mutable_source())));
      out.push_back(Observe(event, std::move(*payload.mutable_target())));
    }
  }
  return out;
}

void FoldTicketObservation(TicketFacts& f, const TicketObservation& o) {
  const sv1::Ticket& t = o.snapshot;
  const absl::Time created = t.has_create_time() ? StoredTime(t.create_time()) : o.occur_time;
  if (!f.known || created < f.create_time) f.create_time = created;
  if (!f.known || !(o.order < f.newest)) {
    f.newest = o.order;
    f.status = t.status();
    f.channel = t.channel();
    f.priority = t.priority();
    f.type = t.type();
    f.group = t.group();
    f.first_response_business = FulfilledBusinessTime(t, sv1::SlaMetric::FIRST_RESPONSE);
    f.resolution_business = FulfilledBusinessTime(t, sv1::SlaMetric::RESOLUTION);
  }
  f.known = true;
  f.agent_replies = std::max(f.agent_replies, t.agent_reply_count());
  f.reopen_count = std::max(f.reopen_count, t.reopen_count());

  if (t.has_first_response_time()) {
    KeepEarliest(f.first_response, StoredTime(t.first_response_time()));
  }
  if (o.public_agent_reply.has_value()) KeepEarliest(f.first_response, *o.public_agent_reply);
  if (o.event_type == "TicketEscalated") KeepEarliest(f.first_escalation, o.occur_time);
  if (t.has_close_time()) KeepEarliest(f.close_time, StoredTime(t.close_time()));
  // Support clears solve_time on a reopen; a snapshot that is not solved or
  // closed says nothing about a solve in its cycle, whatever it carries.
  const bool resolved = t.status() == sv1::Ticket::SOLVED || t.status() == sv1::Ticket::CLOSED;
  if (t.has_solve_time() && resolved) {
    KeepEarliest(f.solves, t.reopen_count(), StoredTime(t.solve_time()));
  }
  if (o.event_type == "TicketReopened") KeepEarliest(f.reopens, t.reopen_count(), o.occur_time);

  // The latest rating by rate time (then score, so any order agrees).
  auto rate = [&f](const std::pair<absl::Time, int>& rating) {
    if (!f.rating.has_value() || *f.rating < rating) f.rating = rating;
  };
  if (t.has_satisfaction() && t.satisfaction().score() > 0) {
    rate(
        {t.satisfaction().has_rate_time() ? StoredTime(t.satisfaction().rate_time()) : o.occur_time,
         t.satisfaction().score()});
  }
  if (o.rating.has_value()) rate(*o.rating);

  for (const sv1::SlaMetric& metric : t.sla().metrics()) {
    if (metric.kind() == sv1::SlaMetric::KIND_UNSPECIFIED) continue;
    SlaTargetFact target = TargetOf(metric, o.order);
    auto [it, inserted] = f.sla_targets.try_emplace({target.kind, target.start_time}, target);
    if (inserted) continue;
    SlaTargetFact& kept = it->second;
    // The due time of the newest snapshot that showed one; the state of the
    // newest snapshot.
    absl::Time due_time = kept.due_time;
    SnapshotOrder due_seen = kept.due_seen;
    if (target.due_time != absl::InfinitePast() &&
        (due_time == absl::InfinitePast() || !(o.order < due_seen))) {
      due_time = target.due_time;
      due_seen = o.order;
    }
    if (!(o.order < kept.seen)) kept = std::move(target);
    kept.due_time = due_time;
    kept.due_seen = due_seen;
  }
}

void FoldSupportEvent(TicketFacts& facts, absl::string_view ticket_id, const Event& event) {
  for (const TicketObservation& observation : ObserveTickets(event)) {
    if (observation.ticket_id == ticket_id) FoldTicketObservation(facts, observation);
  }
}

// ---- Contributions ----

namespace {

// Everything the ticket contributes, independent of its segments.
std::vector<TicketItem> TicketItems(const TicketFacts& f) {
  std::vector<TicketItem> items;
  auto count = [&items](absl::string_view measure, absl::Time at, int64_t n = 1) {
    items.push_back({measure, at, n, std::nullopt});
  };
  auto duration = [&items](absl::string_view measure, absl::Time at, absl::Duration value) {
    // Clock skew between machines never makes a negative wait.
    items.push_back(
        {measure, at, 1, absl::ToInt64Milliseconds(std::max(value, absl::ZeroDuration()))});
  };
  count(measure::kTicketsCreated, f.create_time);
  count(measure::kBacklog, f.create_time);

  if (f.first_response.has_value()) {
    duration(measure::kFirstResponse, *f.first_response, *f.first_response - f.create_time);
    if (f.first_response_business.has_value()) {
      duration(measure::kFirstResponseBusiness, *f.first_response, *f.first_response_business);
    }
  }

  for (const auto& [cycle, at] : f.solves) {
    count(measure::kSolves, at);
    count(measure::kBacklog, at, -1);
  }
  for (const auto& [cycle, at] : f.reopens) {
    count(measure::kReopens, at);
    count(measure::kBacklog, at, 1);
  }
  if (!f.solves.empty()) {
    absl::Time first = absl::InfiniteFuture();
    for (const auto& [cycle, at] : f.solves) first = std::min(first, at);
    duration(measure::kFirstResolution, first, first - f.create_time);
  }

  // Resolved now: solved in the ticket's latest cycle (not reopened since).
  int last_cycle = f.reopen_count;
  if (!f.solves.empty()) last_cycle = std::max(last_cycle, f.solves.rbegin()->first);
  if (!f.reopens.empty()) last_cycle = std::max(last_cycle, f.reopens.rbegin()->first);
  const auto last_solve = f.solves.find(last_cycle);
  if (last_solve != f.solves.end()) {
    const absl::Time at = last_solve->second;
    duration(measure::kFullResolution, at, at - f.create_time);
    if (f.resolution_business.has_value()) {
      duration(measure::kFullResolutionBusiness, at, *f.resolution_business);
    }
    if (f.agent_replies == 1 && last_cycle == 0 && f.reopens.empty()) {
      count(measure::kOneTouchSolved, at);
    }
  } else if (f.close_time.has_value()) {
    // Closed without a solve (merged away): it leaves the backlog then.
    count(measure::kBacklog, *f.close_time, -1);
  }

  if (f.first_escalation.has_value()) count(measure::kEscalated, *f.first_escalation);
  if (f.rating.has_value()) {
    count(measure::kCsatRatings, f.rating->first);
    if (f.rating->second >= 4) count(measure::kCsatGood, f.rating->first);
  }
  for (const auto& [key, target] : f.sla_targets) {
    if (target.result == SlaTargetFact::Result::kOpen) continue;
    const auto [due, met] = SlaMeasures(target.kind);
    if (due == nullptr) continue;
    // A target counts when it comes due, however early it was met.
    const absl::Time at =
        target.due_time == absl::InfinitePast() ? target.result_time : target.due_time;
    count(due, at);
    if (target.result == SlaTargetFact::Result::kMet) count(met, at);
  }
  return items;
}

// The WINDOW periods holding >= 1 of `times`: a ticket counts once in each.
std::set<Period> PeriodsHolding(const std::map<int, absl::Time>& times,
                                const PeriodScheme& scheme) {
  std::set<Period> periods;
  for (const auto& [cycle, at] : times) {
    for (const Period& period : scheme.WindowPeriods(at)) periods.insert(period);
  }
  return periods;
}

void AddWindowPeriods(const std::set<Period>& periods, absl::string_view measure,
                      const std::string& tenant, const Segments& segments, int sign,
                      Contributions& out) {
  for (const Period& period : periods) {
    out.Add(tenant, segments, std::string(measure), period, 1, 0, sign);
  }
}

void AddTicketWindowMeasures(const TicketFacts& f, const std::string& tenant,
                             const PeriodScheme& scheme, int sign, Contributions& out) {
  const Segments segments = TicketSegments(f);
  AddWindowPeriods(PeriodsHolding(f.solves, scheme), measure::kSolvedTickets, tenant, segments,
                   sign, out);
  AddWindowPeriods(PeriodsHolding(f.reopens, scheme), measure::kReopenedTickets, tenant, segments,
                   sign, out);
}

bool SameSegments(const TicketFacts& a, const TicketFacts& b) {
  return a.channel == b.channel && a.priority == b.priority && a.type == b.type &&
         a.group == b.group;
}

}  // namespace

void AddTicketContributions(const TicketFacts& f, const std::string& tenant,
                            const PeriodScheme& scheme, int sign, Contributions& out) {
  if (!f.known) return;
  // AdditivePeriods is empty under a window scheme: only WINDOW measures.
  if (!scheme.is_window()) AddItems(TicketItems(f), tenant, TicketSegments(f), scheme, sign, out);
  AddTicketWindowMeasures(f, tenant, scheme, sign, out);
}

void AddTicketChange(const TicketFacts& before, const TicketFacts& after, const std::string& tenant,
                     const PeriodScheme& scheme, Contributions& out) {
  if (!before.known || !after.known || !SameSegments(before, after)) {
    AddTicketContributions(before, tenant, scheme, -1, out);
    AddTicketContributions(after, tenant, scheme, 1, out);
    return;
  }
  if (before.solves != after.solves || before.reopens != after.reopens) {
    AddTicketWindowMeasures(before, tenant, scheme, -1, out);
    AddTicketWindowMeasures(after, tenant, scheme, 1, out);
  }
  if (scheme.is_window()) return;
  // Most events move one or two of a ticket's contributions: only those
  // reach the delta.
  std::vector<TicketItem> old_items = TicketItems(before);
  std::vector<TicketItem> new_items = TicketItems(after);
  std::sort(old_items.begin(), old_items.end());
  std::sort(new_items.begin(), new_items.end());
  std::vector<TicketItem> removed;
  std::vector<TicketItem> added;
  std::set_difference(old_items.begin(), old_items.end(), new_items.begin(), new_items.end(),
                      std::back_inserter(removed));
  std::set_difference(new_items.begin(), new_items.end(), old_items.begin(), old_items.end(),
                      std::back_inserter(added));
  if (removed.empty() && added.empty()) return;
  const Segments segments = TicketSegments(after);
  AddItems(removed, tenant, segments, scheme, -1, out);
  AddItems(added, tenant, segments, scheme, 1, out);
}

void AddArticleViewContribution(absl::Time view_time, const std::string& tenant,
                                const PeriodScheme& scheme, int sign, Contributions& out) {
  AddItems({{measure::kArticleViews, view_time, 1, std::nullopt}}, tenant, Segments(), scheme, sign,
           out);
}

// ---- Encodings ----

std::string EncodeCycleTimes(const std::map<int, absl::Time>& times) {
  return absl::StrJoin(times, ";", [](std::string* out, const auto& entry) {
    absl::StrAppend(out, entry.first, ":", absl::ToUnixMicros(entry.second));
  });
}

bool DecodeCycleTimes(absl::string_view text, std::map<int, absl::Time>& out) {
  out.clear();
  if (text.empty()) return true;
  for (absl::string_view item : absl::StrSplit(text, ';')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ':');
    int cycle = 0;
    int64_t micros = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cycle) ||
        !absl::SimpleAtoi(parts[1], &micros)) {
      return false;
    }
    out[cycle] = absl::FromUnixMicros(micros);
  }
  return true;
}

std::string EncodeSlaTargets(const std::map<std::pair<int, absl::Time>, SlaTargetFact>& targets) {
  return absl::StrJoin(targets, ";", [](std::string* out, const auto& entry) {
    const SlaTargetFact& t = entry.second;
    const bool open = t.result == SlaTargetFact::Result::kOpen;
    absl::StrAppend(out, t.kind, ":", absl::ToUnixMicros(t.start_time), ":",
                    absl::ToUnixMicros(t.seen.update_time), ":", t.seen.cursor, ":",
                    static_cast<int>(t.result), ":", open ? 0 : absl::ToUnixMicros(t.result_time),
                    ":", t.due_time == absl::InfinitePast() ? 0 : absl::ToUnixMicros(t.due_time),
                    ":", absl::ToUnixMicros(t.due_seen.update_time), ":", t.due_seen.cursor);
  });
}

bool DecodeSlaTargets(absl::string_view text,
                      std::map<std::pair<int, absl::Time>, SlaTargetFact>& out) {
  out.clear();
  if (text.empty()) return true;
  for (absl::string_view item : absl::StrSplit(text, ';')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ':');
    int64_t numbers[9];
    if (parts.size() != 9) return false;
    for (int i = 0; i < 9; ++i) {
      if (!absl::SimpleAtoi(parts[i], &numbers[i])) return false;
    }
    if (numbers[4] < 0 || numbers[4] > 2) return false;
    SlaTargetFact t;
    t.kind = static_cast<int>(numbers[0]);
    t.start_time = absl::FromUnixMicros(numbers[1]);
    t.seen = {absl::FromUnixMicros(numbers[2]), numbers[3]};
    t.result = static_cast<SlaTargetFact::Result>(numbers[4]);
    if (t.result != SlaTargetFact::Result::kOpen) t.result_time = absl::FromUnixMicros(numbers[5]);
    if (numbers[6] != 0) {
      t.due_time = absl::FromUnixMicros(numbers[6]);
      t.due_seen = {absl::FromUnixMicros(numbers[7]), numbers[8]};
    }
    out[{t.kind, t.start_time}] = t;
  }
  return true;
}

// ---- The keeper ----

bool SupportFacts::Handles(const Event& event) const {
  return event.source() == kSupportEventSource &&
         (event.type() == "ArticleViewed" || IsTicketEventType(event.type()));
}

absl::Status SupportFacts::ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                                     const std::vector<const Event*>& events,
                                     Contributions& delta) {
  std::vector<std::pair<std::string, TicketObservation>> observations;  // tenant, observation
  std::vector<ArticleView> views;
  for (const Event* event : events) {
    if (!Handles(*event)) continue;
    if (event->type() == "ArticleViewed") {
      sv1::ArticleViewed payload;
      if (!UnpackPayload(*event, "support", payload)) continue;
      views.push_back(
          {event->tenant(), ResourceIdOf(payload.article()), payload.view_count(),
           StoredTime(payload.has_view_time() ? payload.view_time() : event->occur_time())});
      continue;
    }
    for (TicketObservation& observation : ObserveTickets(*event)) {
      observations.emplace_back(event->tenant(), std::move(observation));
    }
  }

  if (!observations.empty()) {
    std::map<TicketKey, TicketEntry> entries;
    for (const auto& [tenant, observation] : observations) {
      entries.try_emplace({tenant, observation.ticket_id});
    }
    RETURN_IF_ERROR(LoadTickets(tx, entries));
    for (auto& [key, entry] : entries) entry.after = entry.before;
    for (const auto& [tenant, observation] : observations) {
      FoldTicketObservation(entries.at({tenant, observation.ticket_id}).after, observation);
    }
    std::vector<std::pair<const TicketKey*, const TicketFacts*>> changed;
    std::vector<std::tuple<std::string, absl::Time, std::string>> activity;
    for (const auto& [key, entry] : entries) {
      if (entry.after == entry.before) continue;  // a re-delivery: nothing new
      AddTicketChange(entry.before, entry.after, key.first, schemes.For(key.first), delta);
      changed.emplace_back(&key, &entry.after);
      for (const auto* times : {&entry.after.solves, &entry.after.reopens}) {
        const auto* old = times == &entry.after.solves ? &entry.before.solves : &entry.before.reopens;
        for (const auto& [cycle, at] : *times) {
          auto known = old->find(cycle);
          if (known == old->end() || known->second != at) activity.emplace_back(key.first, at, key.second);
        }
      }
    }
    RETURN_IF_ERROR(StoreTickets(tx, changed));
    RETURN_IF_ERROR(StoreActivity(tx, activity));
  }
  if (!views.empty()) RETURN_IF_ERROR(ApplyViews(tx, schemes, views, delta));
  return absl::OkStatus();
}

absl::Status SupportFacts::AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                             const PeriodScheme& scheme, absl::Time deadline,
                                             Contributions& out) {
  if (!scheme.is_window()) {
    return absl::InvalidArgumentError("window measures need a window scheme");
  }
  RETURN_IF_ERROR(db.SetDeadline(deadline));
  const Period& window = *scheme.window();
  const absl::Time from = scheme.StartOf(window.start);
  const absl::Time to = scheme.StartOf(window.end);
  // The window's activity rows in pages of the primary key, then their
  // tickets' facts (a ticket seen in two pages counts once).
  std::set<std::string> seen;
  absl::Time after_time = from;
  std::string after_id;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                     db.Query(absl::StrCat("SELECT activity_time, ticket_id FROM "
                                           "support_ticket_activity WHERE tenant_id = ? AND "
                                           "activity_time >= ? AND activity_time < ? AND "
                                           "(activity_time > ? OR ticket_id > ?) "
                                           "ORDER BY activity_time, ticket_id LIMIT ",
                                           kScanPage),
                              {tenant, after_time, to, after_time, after_id}));
    std::vector<std::string> fresh;
    for (const mysql::Row& row : rows) {
      if (seen.insert(row.String(1)).second) fresh.push_back(row.String(1));
    }
    for (size_t begin = 0; begin < fresh.size(); begin += kMaxBatch) {
      const std::vector<std::string> batch(
          fresh.begin() + begin,
          fresh.begin() + begin + std::min(kMaxBatch, fresh.size() - begin));
      RETURN_IF_ERROR(ReadTickets(db, tenant, batch, /*lock=*/false,
                                  [&](const std::string&, TicketFacts facts) {
                                    AddTicketContributions(facts, tenant, scheme, 1, out);
                                    return absl::OkStatus();
                                  }));
    }
    if (rows.size() < static_cast<size_t>(kScanPage)) return absl::OkStatus();
    after_time = rows.back().Time(0);
    after_id = rows.back().String(1);
  }
}

absl::Status SupportFacts::AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                               const PeriodScheme& scheme, absl::Time deadline,
                                               Contributions& out) {
  std::string after;
  while (true) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("adding the support facts' contributions took too long");
    }
    ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                     db.Query(absl::StrCat("SELECT ", ColumnList(),
                                           " FROM support_ticket_facts WHERE tenant_id = ? AND "
                                           "ticket_id > ? ORDER BY ticket_id LIMIT ",
                                           kScanPage),
                              {tenant, after}));
    for (const mysql::Row& row : rows) {
      ASSIGN_OR_RETURN(TicketFacts facts, FromRow(row));
      AddTicketContributions(facts, tenant, scheme, 1, out);
    }
    if (rows.size() < static_cast<size_t>(kScanPage)) break;
    after = rows.back().String(1);
  }

  std::string after_article;
  int64_t after_count = 0;
  while (true) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("adding the article views' contributions took too long");
    }
    ASSIGN_OR_RETURN(std::vector<mysql::Row> rows,
                     db.Query(absl::StrCat("SELECT article_id, view_count, view_time FROM "
                                           "support_article_views WHERE tenant_id = ? AND "
                                           // Spelled out: MariaDB reads a row comparison
                                           // here from the tenant's first view on.
                                           "(article_id > ? OR (article_id = ? AND "
                                           "view_count > ?)) ORDER BY article_id, view_count "
                                           "LIMIT ",
                                           kScanPage),
                              {tenant, after_article, after_article, after_count}));
    for (const mysql::Row& row : rows) {
      AddArticleViewContribution(row.Time(2), tenant, scheme, 1, out);
    }
    if (rows.size() < static_cast<size_t>(kScanPage)) break;
    after_article = rows.back().String(0);
    after_count = rows.back().Int(1);
  }
  return absl::OkStatus();
}

absl::Status SupportFacts::DeleteTenant(mysql::Transaction& tx, const std::string& tenant) {
  // In slices, so no one statement of a large tenant meets the statement
  // timeout.
  for (const char* table :
       {"support_ticket_facts", "support_ticket_activity", "support_article_views"}) {
    while (true) {
      ASSIGN_OR_RETURN(int64_t deleted,
                       tx->Execute(absl::StrCat("DELETE FROM ", table,
                                                " WHERE tenant_id = ? LIMIT ", kDeleteSlice),
                                   {tenant}));
      if (deleted < kDeleteSlice) break;
    }
  }
  return absl::OkStatus();
}

}  // namespace tandem::metrics
