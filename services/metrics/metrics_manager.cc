#include "services/metrics/metrics_manager.h"

#include <algorithm>
#include <future>
#include <set>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "common/pagination.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/metrics/calendar.h"
#include "services/metrics/kpi_catalog.h"
#include "services/metrics/measures.h"

namespace tandem::metrics {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 500;
constexpr absl::string_view kDefinitionsQuery = "definitions";
// Every stored definition is read at once to be checked; there are a few
// dozen.
constexpr int kDefinitionsBatch = 500;
constexpr int kMaxSeriesPoints = 400;
// end_month at most this many months after start_month (the proto's limit).
constexpr int kMaxCohortMonths = 60;
// through_month at most this many months after start_month.
constexpr int kMaxCohortSpan = 120;
constexpr char kTimeZonePath[] = "time_zone";
// What a tenant's caller sees of a feed's last error.
constexpr char kRedactedFeedError[] = "the last poll failed; see the server log";
constexpr char kGrossMarginPath[] = "gross_margin_basis_points";
constexpr char kFeatureOption[] = "feature";
constexpr int32_t kMaxBasisPoints = 10000;

// ---- Validation ---------------------------------------------------------------

// One INVALID_ARGUMENT with the field violations of every failed check, or
// the first failure that is not a field violation.
absl::Status CombineViolations(std::initializer_list<absl::Status> results) {
  FieldViolations violations;
  for (const absl::Status& status : results) {
    if (status.ok()) continue;
    const std::vector<FieldViolation> fields = FieldViolationsOf(status);
    if (status.code() != absl::StatusCode::kInvalidArgument || fields.empty()) return status;
    for (const FieldViolation& field : fields) violations.Add(field.field, field.description);
  }
  return violations.ToStatus();
}

// The KPI a request names in `field` ("metric", "name"): INVALID_ARGUMENT
// for a malformed name, NOT_FOUND naming an unknown one.
absl::StatusOr<const KpiDefinition*> KpiOfName(absl::string_view field, const std::string& name) {
  if (name.empty()) {
    return InvalidField(std::string(field),
                        "is required: metricDefinitions/{metric}, e.g. "
                        "metricDefinitions/csat");
  }
  const std::optional<std::string> id = KpiIdOf(name);
  if (!id.has_value()) {
    return InvalidField(std::string(field), absl::StrCat("'", name,
                                                         "' is not a metric definition name; use "
                                                         "metricDefinitions/{metric}"));
  }
  const KpiDefinition* kpi = FindKpi(*id);
  if (kpi == nullptr) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return kpi;
}

bool UsesKeyFeatures(const KpiDefinition& kpi) {
  return std::any_of(kpi.options.begin(), kpi.options.end(),
                     [](const KpiOption& option) { return option.name == kFeatureOption; });
}

// ---- Windows ---------------------------------------------------------------------

// The calendar name of a period ("2026-03-05", "2026-W10", "2026-03",
// "2026-Q1", "2026"); empty for a custom run of days.
std::string PeriodName(const Period& period) {
  const absl::CivilDay start = period.start;
  switch (period.grain) {
    case Grain::kDay:
      return FormatDate(start);
    case Grain::kWeek: {
      // An ISO week belongs to the year of its Thursday.
      const absl::CivilDay thursday = start + 3;
      return absl::StrFormat("%04d-W%02d", thursday.year(),
                             (absl::GetYearDay(thursday) - 1) / 7 + 1);
    }
    case Grain::kMonth:
      return FormatMonth(start);
    case Grain::kQuarter:
      return absl::StrFormat("%04d-Q%d", start.year(), (start.month() - 1) / 3 + 1);
    case Grain::kYear:
      return absl::StrFormat("%04d", start.year());
    case Grain::kCustom:
      break;
  }
  return "";
}

v1::Window WindowOf(const Period& period, const absl::TimeZone& zone) {
  v1::Window window;
  window.set_period(PeriodName(period));
  window.set_start_date(FormatDate(period.start));
  window.set_end_date(FormatDate(period.end));
  *window.mutable_start_time() = ToProtoTime(absl::FromCivil(period.start, zone));
  *window.mutable_end_time() = ToProtoTime(absl::FromCivil(period.end, zone));
  return window;
}

// ---- Tenant settings ---------------------------------------------------------------

struct TenantSettings {
  absl::TimeZone zone;
  int32_t gross_margin_basis_points = kMaxBasisPoints;
};

// The tenant's settings, with its effective time zone: the zone its cells
// are in, which is the requested one once the rebuild after a change of zone
// committed. A zone the system cannot load reads as UTC with a warning, as
// the applier applies it.
absl::StatusOr<TenantSettings> LoadTenantSettings(MysqlSettingsStore& store,
                                                  const std::string& tenant, absl::Time deadline) {
  ASSIGN_OR_RETURN(v1::MetricSettings stored, store.Get(tenant, deadline));
  ASSIGN_OR_RETURN(std::string zone, store.EffectiveTimeZone(tenant, deadline));
  TenantSettings settings;
  if (zone.empty()) zone = kDefaultMetricsTimeZone;
  if (!absl::LoadTimeZone(zone, &settings.zone)) {
    logging::Warn("a tenant's stored metrics time zone cannot be loaded; reading in UTC",
                  {{"tenant", tenant}, {"time_zone", zone}});
    settings.zone = absl::UTCTimeZone();
  }
  if (stored.gross_margin_basis_points() > 0) {
    settings.gross_margin_basis_points = stored.gross_margin_basis_points();
  }
  return settings;
}

// ---- Reading measures -------------------------------------------------------------

// The measures some formulas read, by how they are read.
struct MeasurePlan {
  std::set<std::string> flow;
  std::set<std::string> balance;  // at the start, the end or both
  std::set<std::string> window;

  void Add(const std::vector<MeasureNeed>& needs) {
    for (const MeasureNeed& need : needs) {
      switch (need.reading) {
        case Reading::kFlow:
          flow.insert(need.measure);
          break;
        case Reading::kBalanceAtStart:
        case Reading::kBalanceAtEnd:
          balance.insert(need.measure);
          break;
        case Reading::kWindow:
          window.insert(need.measure);
          break;
      }
    }
  }
};

CellQuery QueryOf(const std::string& tenant, const v1::Segment& segment,
                  std::initializer_list<const std::set<std::string>*> measure_sets) {
  CellQuery query;
  query.tenant = tenant;
  query.dimension = segment.dimension();
  query.value = segment.value();
  for (const std::set<std::string>* measures : measure_sets) {
    query.measures.insert(query.measures.end(), measures->begin(), measures->end());
  }
  return query;
}

const Cell& CellIn(const absl::btree_map<std::string, Cell>& sums, const std::string& measure) {
  static const Cell* const kEmpty = new Cell();
  auto it = sums.find(measure);
  return it == sums.end() ? *kEmpty : it->second;
}

// The sum of every balance delta before `day`, per measure of `query`.
absl::StatusOr<absl::btree_map<std::string, Cell>> BalancesBefore(RollupStore& rollups,
                                                                  CellQuery query,
                                                                  absl::CivilDay day,
                                                                  absl::Time deadline) {
  ASSIGN_OR_RETURN(std::optional<absl::CivilDay> first, rollups.FirstMonth(query.tenant, deadline));
  if (!first.has_value() || *first >= day) return absl::btree_map<std::string, Cell>();
  query.periods = CoverBefore(*first, day);
  return rollups.Sum(query, deadline);
}

using CellSums = absl::btree_map<std::string, Cell>;

// Runs `read` on a thread of its own when `parallel`, else when its result
// is asked for. The future's destructor waits, so an early return never
// leaves a read behind.
template <typename Read>
std::future<std::invoke_result_t<Read>> Launch(bool parallel, Read read) {
  return std::async(parallel ? std::launch::async : std::launch::deferred, std::move(read));
}

// Reads the cells of `plan` for one window and segment: flows and balance
// deltas in one sum over the window's additive cover, balances before the
// window in another, and window measures from the window's own calendar
// cell or, for a custom window, from every keeper's recomputation. The
// three reads are independent and run at once: a dashboard's latency is
// the slowest of them (summing a year of duration digests), not their sum.
absl::StatusOr<MeasureReadings> ReadMeasures(const MetricsDeps& deps, const std::string& tenant,
                                             const v1::Segment& segment, const Period& window,
                                             const absl::TimeZone& zone, const MeasurePlan& plan,
                                             absl::Time deadline) {
  const bool additive_needed = !plan.flow.empty() || !plan.balance.empty();
  const bool parallel =
      (additive_needed ? 1 : 0) + (plan.balance.empty() ? 0 : 1) + (plan.window.empty() ? 0 : 1) >
      1;
  auto in_window = Launch(parallel, [&]() -> absl::StatusOr<CellSums> {
    if (!additive_needed) return CellSums();
    CellQuery query = QueryOf(tenant, segment, {&plan.flow, &plan.balance});
    query.periods = AdditiveCover(window.start, window.end);
    return deps.rollups->Sum(query, deadline);
  });
  auto before = Launch(parallel, [&]() -> absl::StatusOr<CellSums> {
    if (plan.balance.empty()) return CellSums();
    return BalancesBefore(*deps.rollups, QueryOf(tenant, segment, {&plan.balance}), window.start,
                          deadline);
  });
  auto windowed = Launch(parallel, [&]() -> absl::StatusOr<CellSums> {
    if (plan.window.empty()) return CellSums();
    if (window.grain != Grain::kCustom) {
      CellQuery query = QueryOf(tenant, segment, {&plan.window});
      query.periods = {window};
      return deps.rollups->Sum(query, deadline);
    }
    // A window that is no calendar period has no cells of its own: the
    // keepers recompute its window measures from their facts.
    ASSIGN_OR_RETURN(mysql::PooledConnection db, deps.pool->Acquire(deadline));
    const PeriodScheme scheme = PeriodScheme::ForWindow(zone, window);
    Contributions recomputed;
    for (FactKeeper* keeper : deps.keepers) {
      RETURN_IF_ERROR(keeper->AddWindowMeasures(*db, tenant, scheme, deadline, recomputed));
    }
    CellSums sums;
    for (const auto& [key, cell] : recomputed.cells()) {
      if (key.tenant == tenant && key.dimension == segment.dimension() &&
          key.value == segment.value() && key.period == window &&
          plan.window.contains(key.measure)) {
        sums[key.measure].Merge(cell);
      }
    }
    return sums;
  });
  // Wait for all three before looking at any result.
  absl::StatusOr<CellSums> in_window_sums = in_window.get();
  absl::StatusOr<CellSums> before_sums = before.get();
  absl::StatusOr<CellSums> window_sums = windowed.get();
  RETURN_IF_ERROR(in_window_sums.status());
  RETURN_IF_ERROR(before_sums.status());
  RETURN_IF_ERROR(window_sums.status());

  MeasureReadings readings;
  for (const std::string& measure : plan.balance) {
    Cell at_end = CellIn(*before_sums, measure);
    readings.Set(Reading::kBalanceAtStart, measure, at_end);
    at_end.Merge(CellIn(*in_window_sums, measure));
    readings.Set(Reading::kBalanceAtEnd, measure, std::move(at_end));
  }
  // Flow cells may carry large duration digests: moved, not copied.
  for (const std::string& measure : plan.flow) {
    auto it = in_window_sums->find(measure);
    if (it != in_window_sums->end()) readings.Set(Reading::kFlow, measure, std::move(it->second));
  }
  for (const std::string& measure : plan.window) {
    auto it = window_sums->find(measure);
    if (it != window_sums->end()) readings.Set(Reading::kWindow, measure, std::move(it->second));
  }
  return readings;
}

// ---- Computing -------------------------------------------------------------------

// What a KPI is computed with for one request.
struct KpiRequest {
  const KpiDefinition* kpi = nullptr;
  KpiContext context;
};

v1::MetricValue ValueOf(const KpiRequest& request, const MeasureReadings& readings,
                        const v1::Window& window, const v1::Segment& segment) {
  v1::MetricValue value;
  FillMetricValue(*request.kpi, request.kpi->compute(readings, request.context), value);
  *value.mutable_window() = window;
  if (!segment.dimension().empty()) *value.mutable_segment() = segment;
  for (const auto& [name, option] : request.context.options) {
    (*value.mutable_options())[name] = option;
  }
  return value;
}

// Validates a request's window, segment and options for `kpi` and builds
// what its formula is computed with.
absl::StatusOr<KpiRequest> PrepareKpi(
    const MetricsDeps& deps, const std::string& tenant, const KpiDefinition& kpi,
    const v1::Window& window, const v1::Segment& segment,
    const google::protobuf::Map<std::string, std::string>& options, absl::Time deadline) {
  absl::StatusOr<Period> period =
      ParseWindow(window.period(), window.start_date(), window.end_date(), "window.");
  // The request is checked before anything is read; only the options need
  // the tenant's key features.
  RETURN_IF_ERROR(CombineViolations({period.status(), CheckKpiSegment(kpi, segment)}));
  KpiRequest request;
  request.kpi = &kpi;
  if (UsesKeyFeatures(kpi)) {
    ASSIGN_OR_RETURN(request.context.key_features,
                     deps.key_features->KeyFeatures(tenant, deadline));
  }
  absl::StatusOr<std::map<std::string, std::string>> resolved =
      ResolveKpiOptions(kpi, options, request.context.key_features);
  RETURN_IF_ERROR(resolved.status());
  request.context.window = *period;
  request.context.options = *std::move(resolved);
  return request;
}

// Series: the length of each point and the cells additive measures are
// read from.
struct SeriesGrains {
  Grain point;
  Grain additive;
};

std::optional<SeriesGrains> GrainsOf(v1::GetMetricSeriesRequest::Granularity granularity) {
  switch (granularity) {
    case v1::GetMetricSeriesRequest::DAY:
      return SeriesGrains{Grain::kDay, Grain::kDay};
    case v1::GetMetricSeriesRequest::WEEK:
      return SeriesGrains{Grain::kWeek, Grain::kDay};
    case v1::GetMetricSeriesRequest::MONTH:
      return SeriesGrains{Grain::kMonth, Grain::kMonth};
    default:
      return std::nullopt;
  }
}

// The index of the point holding `day` in a series of `grain` points that
// starts at `start`.
int64_t PointIndex(Grain grain, absl::CivilDay start, absl::CivilDay day) {
  switch (grain) {
    case Grain::kWeek:
      return (day - start) / 7;
    case Grain::kMonth:
      return absl::CivilMonth(day) - absl::CivilMonth(start);
    default:
      return day - start;
  }
}

// Parses a "YYYY-MM" month of a request into its first day.
std::optional<absl::CivilDay> ParseMonth(absl::string_view text) {
  if (text.size() != 7) return std::nullopt;
  return ParseDate(absl::StrCat(text, "-01"));
}

absl::Status CheckTimeZone(const std::string& zone) {
  absl::TimeZone loaded;
  if (zone.empty()) {
    return InvalidField("settings.time_zone", "must be an IANA time zone, e.g. Europe/Paris");
  }
  if (!absl::LoadTimeZone(zone, &loaded)) {
    return InvalidField("settings.time_zone",
                        absl::StrCat("'", zone, "' is not an IANA time zone, e.g. Europe/Paris"));
  }
  return absl::OkStatus();
}

}  // namespace

v1::FeedFreshness FreshnessOf(const feed::FeedPosition& position, absl::Time now) {
  v1::FeedFreshness freshness;
  freshness.set_feed(position.feed);
  freshness.set_cursor(position.cursor);
  freshness.set_head_cursor(position.head_cursor);
  freshness.set_lag_events(std::max<int64_t>(0, position.head_cursor - position.cursor));
  if (position.last_event_time != absl::InfinitePast()) {
    *freshness.mutable_last_event_time() = ToProtoTime(position.last_event_time);
  }
  if (position.last_poll_time != absl::InfinitePast()) {
    *freshness.mutable_last_poll_time() = ToProtoTime(position.last_poll_time);
    *freshness.mutable_since_last_poll() = ToProtoDuration(now - position.last_poll_time);
  }
  freshness.set_last_error(position.last_error);
  return freshness;
}

absl::StatusOr<const std::map<std::string, v1::MetricDefinition>*>
MetricsManager::CheckedDefinitions(absl::Time deadline) {
  std::lock_guard<std::mutex> lock(definitions_mu_);
  if (definitions_.has_value()) return &*definitions_;
  std::vector<v1::MetricDefinition> stored;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(auto batch, deps_.store->ListDefinitions(after, kDefinitionsBatch, deadline));
    const bool last = static_cast<int>(batch.size()) < kDefinitionsBatch;
    for (auto& definition : batch) stored.push_back(std::move(definition));
    if (last || stored.empty()) break;
    after = ResourceIdOf(stored.back().name());
  }
  RETURN_IF_ERROR(CheckStoredDefinitions(stored));
  std::map<std::string, v1::MetricDefinition> by_id;
  for (v1::MetricDefinition& definition : stored) {
    const std::string id = ResourceIdOf(definition.name());
    by_id.emplace(id, std::move(definition));
  }
  definitions_ = std::move(by_id);
  return &*definitions_;
}

absl::StatusOr<v1::ListMetricDefinitionsResponse> MetricsManager::ListMetricDefinitions(
    const Principal& caller, const v1::ListMetricDefinitionsRequest& request, absl::Time deadline) {
  (void)caller;  // definitions are the same for every tenant
  ASSIGN_OR_RETURN(int page_size,
                   NormalizePageSize(request.page_size(), kDefaultPageSize, kMaxPageSize));
  const std::string fingerprint = QueryFingerprint({std::string(kDefinitionsQuery)});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   deps_.page_tokens->Decode(request.page_token(), fingerprint));
  if (keys.size() > 1) return InvalidField("page_token", "is not a token this service issued");
  ASSIGN_OR_RETURN(auto definitions, deps_.store->ListDefinitions(keys.empty() ? "" : keys[0],
                                                                  page_size + 1, deadline));
  v1::ListMetricDefinitionsResponse response;
  const bool has_more = static_cast<int>(definitions.size()) > page_size;
  if (has_more) definitions.pop_back();
  for (auto& definition : definitions) *response.add_metric_definitions() = std::move(definition);
  if (has_more) {
    const std::string& last = response.metric_definitions().rbegin()->name();
    response.set_next_page_token(deps_.page_tokens->Encode(fingerprint, {ResourceIdOf(last)}));
  }
  return response;
}

absl::StatusOr<v1::MetricDefinition> MetricsManager::GetMetricDefinition(
    const Principal& caller, const v1::GetMetricDefinitionRequest& request, absl::Time deadline) {
  (void)caller;  // definitions are the same for every tenant
  if (request.name().empty() || !KpiIdOf(request.name()).has_value()) {
    return InvalidField("name", "must be metricDefinitions/{metric}, e.g. metricDefinitions/csat");
  }
  ASSIGN_OR_RETURN(auto definitions, CheckedDefinitions(deadline));
  auto it = definitions->find(*KpiIdOf(request.name()));
  if (it == definitions->end()) {
    return absl::NotFoundError(absl::StrCat(request.name(), " does not exist"));
  }
  return it->second;
}

absl::StatusOr<v1::MetricValue> MetricsManager::GetMetric(const Principal& caller,
                                                          const v1::GetMetricRequest& request,
                                                          absl::Time deadline) {
  ASSIGN_OR_RETURN(const KpiDefinition* kpi, KpiOfName("metric", request.metric()));
  if (!kpi->on_dashboard) {
    return InvalidField("metric", absl::StrCat(request.metric(),
                                               " is a table by start month: ask "
                                               "GetCohortRetention"));
  }
  ASSIGN_OR_RETURN(KpiRequest prepared, PrepareKpi(deps_, caller.tenant, *kpi, request.window(),
                                                   request.segment(), request.options(), deadline));
  RETURN_IF_ERROR(CheckedDefinitions(deadline).status());
  ASSIGN_OR_RETURN(TenantSettings settings,
                   LoadTenantSettings(*deps_.settings, caller.tenant, deadline));
  prepared.context.gross_margin_basis_points = settings.gross_margin_basis_points;
  MeasurePlan plan;
  plan.Add(kpi->needs(prepared.context));
  ASSIGN_OR_RETURN(MeasureReadings readings,
                   ReadMeasures(deps_, caller.tenant, request.segment(), prepared.context.window,
                                settings.zone, plan, deadline));
  v1::Window window = WindowOf(prepared.context.window, settings.zone);
  return ValueOf(prepared, readings, window, request.segment());
}

absl::StatusOr<v1::MetricSeries> MetricsManager::GetMetricSeries(
    const Principal& caller, const v1::GetMetricSeriesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(const KpiDefinition* kpi, KpiOfName("metric", request.metric()));
  if (!kpi->on_dashboard) {
    return InvalidField("metric", absl::StrCat(request.metric(),
                                               " is a table by start month: ask "
                                               "GetCohortRetention"));
  }
  const std::optional<SeriesGrains> grains = GrainsOf(request.granularity());
  absl::StatusOr<KpiRequest> valid = PrepareKpi(deps_, caller.tenant, *kpi, request.window(),
                                                request.segment(), request.options(), deadline);
  RETURN_IF_ERROR(CombineViolations(
      {valid.status(), grains.has_value()
                           ? absl::OkStatus()
                           : InvalidField("granularity", "is required: DAY, WEEK or MONTH")}));
  KpiRequest prepared = *std::move(valid);
  const Period whole = prepared.context.window;
  if (PeriodOf(grains->point, whole.start).start != whole.start ||
      PeriodOf(grains->point, whole.end).start != whole.end) {
    return InvalidField(
        "window",
        absl::StrCat("must start and end on ",
                     v1::GetMetricSeriesRequest::Granularity_Name(request.granularity()),
                     " boundaries", grains->point == Grain::kWeek ? " (Mondays)" : "",
                     grains->point == Grain::kMonth ? " (first days of months)" : "", "; ",
                     FormatDate(whole.start), " to ", FormatDate(whole.end), " is not"));
  }
  const int64_t points = PointIndex(grains->point, whole.start, whole.end);
  if (points > kMaxSeriesPoints) {
    return InvalidField(
        "window", absl::StrCat("holds ", points, " points of ",
                               v1::GetMetricSeriesRequest::Granularity_Name(request.granularity()),
                               "; at most ", kMaxSeriesPoints));
  }
  RETURN_IF_ERROR(CheckedDefinitions(deadline).status());
  ASSIGN_OR_RETURN(TenantSettings settings,
                   LoadTenantSettings(*deps_.settings, caller.tenant, deadline));
  prepared.context.gross_margin_basis_points = settings.gross_margin_basis_points;

  // The measures every point reads (a point's needs differ from the whole
  // window's only in its dates, which formulas do not read for needs).
  MeasurePlan plan;
  plan.Add(kpi->needs(prepared.context));
  // Per measure, the cells of each point: flows and balance deltas from the
  // additive grain's cells, window measures from the points' own cells.
  std::map<std::string, std::vector<Cell>> additive, windowed;
  const auto spread = [&](const auto& cells, std::map<std::string, std::vector<Cell>>& into) {
    for (const auto& [key, cell] : cells) {
      const int64_t index = PointIndex(grains->point, whole.start, key.second.start);
      if (index < 0 || index >= points) continue;
      std::vector<Cell>& per_point = into[key.first];
      per_point.resize(points);
      per_point[index].Merge(cell);
    }
  };
  if (!plan.flow.empty() || !plan.balance.empty()) {
    ASSIGN_OR_RETURN(
        auto cells,
        deps_.rollups->Cells(QueryOf(caller.tenant, request.segment(), {&plan.flow, &plan.balance}),
                             grains->additive, whole.start, whole.end, deadline));
    spread(cells, additive);
  }
  if (!plan.window.empty()) {
    ASSIGN_OR_RETURN(auto cells,
                     deps_.rollups->Cells(QueryOf(caller.tenant, request.segment(), {&plan.window}),
                                          grains->point, whole.start, whole.end, deadline));
    spread(cells, windowed);
  }
  absl::btree_map<std::string, Cell> balances;
  if (!plan.balance.empty()) {
    ASSIGN_OR_RETURN(
        balances,
        BalancesBefore(*deps_.rollups, QueryOf(caller.tenant, request.segment(), {&plan.balance}),
                       whole.start, deadline));
  }
  const auto point_cell = [&](const std::map<std::string, std::vector<Cell>>& cells,
                              const std::string& measure, int64_t index) -> Cell {
    auto it = cells.find(measure);
    return it == cells.end() ? Cell() : it->second[index];
  };

  v1::MetricSeries series;
  series.set_metric(request.metric());
  Period point = PeriodOf(grains->point, whole.start);
  for (int64_t index = 0; index < points; ++index, point = PeriodOf(grains->point, point.end)) {
    MeasureReadings readings;
    for (const std::string& measure : plan.flow) {
      readings.Set(Reading::kFlow, measure, point_cell(additive, measure, index));
    }
    for (const std::string& measure : plan.balance) {
      Cell& running = balances[measure];
      readings.Set(Reading::kBalanceAtStart, measure, running);
      running.Merge(point_cell(additive, measure, index));
      readings.Set(Reading::kBalanceAtEnd, measure, running);
    }
    for (const std::string& measure : plan.window) {
      readings.Set(Reading::kWindow, measure, point_cell(windowed, measure, index));
    }
    KpiRequest at_point = prepared;
    at_point.context.window = point;
    *series.add_points() =
        ValueOf(at_point, readings, WindowOf(point, settings.zone), request.segment());
  }
  return series;
}

absl::StatusOr<v1::Dashboard> MetricsManager::GetDashboard(const Principal& caller,
                                                           const v1::GetDashboardRequest& request,
                                                           absl::Time deadline) {
  const v1::Window& asked = request.window();
  ASSIGN_OR_RETURN(Period window,
                   ParseWindow(asked.period(), asked.start_date(), asked.end_date(), "window."));
  RETURN_IF_ERROR(CheckedDefinitions(deadline).status());
  // Settings and key features are independent small reads: both at once.
  auto key_features_read = Launch(true, [&]() -> absl::StatusOr<std::vector<std::string>> {
    if (std::none_of(KpiCatalog().begin(), KpiCatalog().end(), [](const KpiDefinition& kpi) {
          return kpi.on_dashboard && UsesKeyFeatures(kpi);
        })) {
      return std::vector<std::string>();
    }
    return deps_.key_features->KeyFeatures(caller.tenant, deadline);
  });
  absl::StatusOr<TenantSettings> settings_read =
      LoadTenantSettings(*deps_.settings, caller.tenant, deadline);
  absl::StatusOr<std::vector<std::string>> key_features = key_features_read.get();
  RETURN_IF_ERROR(settings_read.status());
  RETURN_IF_ERROR(key_features.status());
  const TenantSettings& settings = *settings_read;
  // Every KPI with its default options, all measures read together: one
  // pass over the cells however many KPIs there are.
  std::vector<KpiRequest> kpis;
  MeasurePlan plan;
  for (const KpiDefinition& kpi : KpiCatalog()) {
    if (!kpi.on_dashboard) continue;
    KpiRequest& prepared = kpis.emplace_back();
    prepared.kpi = &kpi;
    prepared.context.window = window;
    prepared.context.gross_margin_basis_points = settings.gross_margin_basis_points;
    prepared.context.key_features = *key_features;
    ASSIGN_OR_RETURN(
        prepared.context.options,
        ResolveKpiOptions(kpi, google::protobuf::Map<std::string, std::string>(), *key_features));
    plan.Add(kpi.needs(prepared.context));
  }
  ASSIGN_OR_RETURN(MeasureReadings readings, ReadMeasures(deps_, caller.tenant, v1::Segment(),
                                                          window, settings.zone, plan, deadline));
  v1::Dashboard dashboard;
  *dashboard.mutable_window() = WindowOf(window, settings.zone);
  for (const KpiRequest& prepared : kpis) {
    v1::MetricValue value = ValueOf(prepared, readings, dashboard.window(), v1::Segment());
    if (prepared.kpi->area == "support") {
      *dashboard.add_support() = std::move(value);
    } else {
      *dashboard.add_success() = std::move(value);
    }
  }
  return dashboard;
}

absl::StatusOr<v1::CohortRetention> MetricsManager::GetCohortRetention(
    const Principal& caller, const v1::GetCohortRetentionRequest& request, absl::Time deadline) {
  FieldViolations violations;
  const std::optional<absl::CivilDay> first = ParseMonth(request.start_month());
  const std::optional<absl::CivilDay> last = ParseMonth(request.end_month());
  std::optional<absl::CivilDay> through;
  if (!request.through_month().empty()) through = ParseMonth(request.through_month());
  if (!first.has_value()) violations.Add("start_month", "is required: a month, YYYY-MM");
  if (!last.has_value()) violations.Add("end_month", "is required: a month, YYYY-MM");
  if (!request.through_month().empty() && !through.has_value()) {
    violations.Add("through_month", "must be a month, YYYY-MM, or empty");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  if (!through.has_value()) {
    // The current month in the tenant's zone: the only read the checks need.
    ASSIGN_OR_RETURN(TenantSettings settings,
                     LoadTenantSettings(*deps_.settings, caller.tenant, deadline));
    through = absl::CivilDay(absl::CivilMonth(absl::ToCivilDay(deps_.clock->Now(), settings.zone)));
  }
  const auto months = [](absl::CivilDay from, absl::CivilDay to) {
    return absl::CivilMonth(to) - absl::CivilMonth(from);
  };
  if (*last < *first) violations.Add("end_month", "must not be before start_month");
  if (months(*first, *last) > kMaxCohortMonths) {
    violations.Add("end_month",
                   absl::StrCat("must be at most ", kMaxCohortMonths, " months after start_month"));
  }
  if (*through < *first) violations.Add("through_month", "must not be before start_month");
  if (months(*first, *through) > kMaxCohortSpan) {
    violations.Add("through_month",
                   absl::StrCat("must be at most ", kMaxCohortSpan, " months after start_month"));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(auto definitions, CheckedDefinitions(deadline));
  const KpiDefinition& kpi = *FindKpi("cohort_retention");

  v1::CohortRetention retention;
  retention.set_definition_version(kpi.version);
  (void)definitions;  // checked: the stored version is the one computed here
  ASSIGN_OR_RETURN(std::optional<absl::CivilDay> first_cell,
                   deps_.rollups->FirstMonth(caller.tenant, deadline));
  const absl::CivilDay through_end = absl::CivilDay(absl::CivilMonth(*through) + 1);
  for (absl::CivilMonth month(*first); month <= absl::CivilMonth(*last); ++month) {
    const absl::CivilDay start(month);
    v1::Cohort& cohort = *retention.add_cohorts();
    cohort.set_month(FormatMonth(start));
    // The cohort's month cells from the tenant's first one on: its MRR
    // balance at each month's end is the sum of the deltas so far.
    CellQuery query;
    query.tenant = caller.tenant;
    query.dimension = measure::kCohort;
    query.value = cohort.month();
    query.measures = {measure::kMrr, measure::kMrrNew};
    absl::btree_map<std::pair<std::string, Period>, Cell> cells;
    if (first_cell.has_value()) {
      ASSIGN_OR_RETURN(cells,
                       deps_.rollups->Cells(query, Grain::kMonth, std::min(*first_cell, start),
                                            through_end, deadline));
    }
    const Period start_period = PeriodOf(Grain::kMonth, start);
    if (auto it = cells.find({measure::kMrrNew, start_period}); it != cells.end()) {
      cohort.set_customers(it->second.count);
      cohort.set_starting_mrr_minor(it->second.total);
    }
    Cell balance;
    auto mrr = cells.lower_bound({measure::kMrr, Period{Grain::kMonth, {}, {}}});
    for (absl::CivilMonth at = month; at <= absl::CivilMonth(*through); ++at) {
      const absl::CivilDay month_start(at);
      for (; mrr != cells.end() && mrr->first.first == measure::kMrr &&
             mrr->first.second.start <= month_start;
           ++mrr) {
        balance.Merge(mrr->second);
      }
      v1::CohortPoint& point = *cohort.add_points();
      point.set_month(FormatMonth(month_start));
      point.set_months_since_start(static_cast<int32_t>(at - month));
      point.set_active_customers(balance.count);
      point.set_mrr_minor(balance.total);
      if (cohort.customers() > 0) {
        point.set_logo_retention_percent(100.0 * static_cast<double>(balance.count) /
                                         static_cast<double>(cohort.customers()));
      }
      if (cohort.starting_mrr_minor() > 0) {
        point.set_revenue_retention_percent(100.0 * static_cast<double>(balance.total) /
                                            static_cast<double>(cohort.starting_mrr_minor()));
      }
    }
  }
  return retention;
}

absl::StatusOr<v1::Freshness> MetricsManager::GetFreshness(const Principal& caller,
                                                           absl::Time deadline) {
  ASSIGN_OR_RETURN(auto positions, deps_.store->FeedPositions(deps_.feeds, deadline));
  v1::Freshness freshness;
  const absl::Time now = deps_.clock->Now();
  // Feeds are consumed for every tenant at once; the rebuild is the
  // caller's tenant's.
  // A feed's last error is a MariaDB or peer message of the shared
  // consumer, which may quote another tenant's data: only services see it.
  const bool shows_errors = caller.HasRole(kRoleService);
  for (const feed::FeedPosition& position : positions) {
    v1::FeedFreshness& feed = *freshness.add_feeds() = FreshnessOf(position, now);
    if (!shows_errors && !feed.last_error().empty()) feed.set_last_error(kRedactedFeedError);
  }
  if (deps_.rebuilds != nullptr) {
    ASSIGN_OR_RETURN(std::optional<v1::RollupRebuild> rebuild,
                     deps_.rebuilds->Latest(caller.tenant, deadline));
    if (rebuild.has_value()) *freshness.mutable_rebuild() = *std::move(rebuild);
  }
  return freshness;
}

absl::StatusOr<v1::MetricSettings> MetricsManager::GetMetricSettings(const Principal& caller,
                                                                     absl::Time deadline) {
  return deps_.settings->Get(caller.tenant, deadline);
}

absl::StatusOr<v1::MetricSettings> MetricsManager::UpdateMetricSettings(
    const Principal& caller, const v1::UpdateMetricSettingsRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (request.update_mask().paths().empty()) {
    violations.Add("update_mask", absl::StrCat("is required: name the fields to change (",
                                               kTimeZonePath, ", ", kGrossMarginPath, ")"));
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path == kTimeZonePath) {
      if (absl::Status zone = CheckTimeZone(request.settings().time_zone()); !zone.ok()) {
        for (const FieldViolation& field : FieldViolationsOf(zone)) {
          violations.Add(field.field, field.description);
        }
      }
    } else if (path == kGrossMarginPath) {
      const int32_t margin = request.settings().gross_margin_basis_points();
      if (margin < 1 || margin > kMaxBasisPoints) {
        violations.Add("settings.gross_margin_basis_points",
                       absl::StrCat("must be 1 to ", kMaxBasisPoints,
                                    " basis points (10000 = 100 %), not ", margin));
      }
    } else {
      violations.Add("update_mask", absl::StrCat("'", path, "' cannot be changed; the fields are ",
                                                 kTimeZonePath, " and ", kGrossMarginPath));
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return deps_.settings->Update(caller.tenant, request.settings(), request.update_mask(), deadline);
}

absl::StatusOr<v1::RollupRebuild> MetricsManager::RebuildRollups(
    const Principal& caller, const v1::RebuildRollupsRequest& request, absl::Time deadline) {
  (void)request;   // the request has no fields
  (void)deadline;  // the rebuild runs in the background
  return deps_.rebuilds->Start(caller.tenant);
}

}  // namespace tandem::metrics
