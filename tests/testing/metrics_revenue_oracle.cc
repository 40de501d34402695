#include "tests/testing/metrics_revenue_oracle.h"

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tandem/success/v1/events.pb.h"

namespace tandem::testing {
namespace {

namespace sv1 = success::v1;
using Movement = sv1::MrrMovement;

// LTV's monthly churn: the window's rate scaled to an average month, as the
// KPI definition says.
constexpr double kDaysPerMonth = 30.4375;

OracleKpi Ratio(double numerator, double denominator, int64_t sample_size, double scale) {
  OracleKpi kpi;
  kpi.numerator = numerator;
  kpi.denominator = denominator;
  kpi.sample_size = sample_size;
  kpi.defined = denominator != 0;
  if (kpi.defined) kpi.value = numerator / denominator * scale;
  return kpi;
}

OracleKpi Percent(double numerator, double denominator, int64_t sample_size) {
  return Ratio(numerator, denominator, sample_size, 100);
}

OracleKpi Amount(double value, int64_t sample_size) {
  OracleKpi kpi;
  kpi.defined = true;
  kpi.value = value;
  kpi.numerator = value;
  kpi.denominator = 1;
  kpi.sample_size = sample_size;
  return kpi;
}

}  // namespace

void RevenueOracle::AddMovement(const std::string& account, Movement::Type type,
                                int64_t delta_minor, absl::Time time, OracleSegment segment) {
  Record record;
  record.time = time;
  record.order = next_order_++;
  record.movement = true;
  record.type = type;
  record.delta_minor = delta_minor;
  record.segment = std::move(segment);
  accounts_[account].push_back(std::move(record));
}

void RevenueOracle::AddSegmentChange(const std::string& account, absl::Time time,
                                     OracleSegment segment) {
  Record record;
  record.time = time;
  record.order = next_order_++;
  record.segment = std::move(segment);
  accounts_[account].push_back(std::move(record));
}

std::vector<RevenueOracle::Replayed> RevenueOracle::Replay(
    const std::vector<Record>& records) const {
  std::vector<const Record*> ordered;
  for (const Record& record : records) ordered.push_back(&record);
  std::sort(ordered.begin(), ordered.end(), [](const Record* a, const Record* b) {
    return std::tie(a->time, a->order) < std::tie(b->time, b->order);
  });
  std::vector<Replayed> replayed;
  int64_t mrr = 0;
  for (const Record* record : ordered) {
    Replayed step{record, mrr, mrr};
    if (record->movement) {
      step.mrr_after = record->type == Movement::CHURN ? 0 : mrr + record->delta_minor;
      mrr = step.mrr_after;
    }
    replayed.push_back(step);
  }
  return replayed;
}

int64_t RevenueOracle::MrrBefore(const std::vector<Replayed>& replayed, absl::Time time) {
  int64_t mrr = 0;
  for (const Replayed& step : replayed) {
    if (step.record->time >= time) break;
    mrr = step.mrr_after;
  }
  return mrr;
}

const OracleSegment* RevenueOracle::SegmentBefore(const std::vector<Replayed>& replayed,
                                                  absl::Time time) {
  const OracleSegment* segment = nullptr;
  for (const Replayed& step : replayed) {
    if (step.record->time >= time) break;
    segment = &step.record->segment;
  }
  return segment;
}

bool RevenueOracle::InSegment(const OracleSegment* segment, const std::string& dimension,
                              const std::string& value) {
  if (dimension.empty()) return true;
  if (segment == nullptr) return false;
  if (dimension == "tier") return segment->tier == value;
  if (dimension == "plan") return segment->plan == value;
  if (dimension == "owner") return segment->owner == value;
  return false;
}

std::map<std::string, OracleKpi> RevenueOracle::Kpis(absl::CivilDay start, absl::CivilDay end,
                                                     const std::string& dimension,
                                                     const std::string& value,
                                                     const OracleOptions& options) const {
  const absl::Time window_start = absl::FromCivil(start, zone_);
  const absl::Time window_end = absl::FromCivil(end, zone_);
  const auto inside = [&](const Replayed& step) {
    return step.record->movement && step.record->time >= window_start &&
           step.record->time < window_end;
  };

  int64_t start_customers = 0, start_mrr = 0;
  int64_t churned = 0, retained = 0, expanded = 0, same_window_churned = 0;
  int64_t churn_mrr = 0, contraction_mrr = 0, expansion_mrr = 0;
  int64_t end_customers = 0, end_mrr = 0;
  int64_t gains = 0, losses = 0, movements = 0;
  for (const auto& [account, records] : accounts_) {
    const std::vector<Replayed> replayed = Replay(records);

    // Customers active at the start, followed until they first churn.
    const int64_t mrr_at_start = MrrBefore(replayed, window_start);
    if (mrr_at_start > 0 && InSegment(SegmentBefore(replayed, window_start), dimension, value)) {
      ++start_customers;
      start_mrr += mrr_at_start;
      bool has_expanded = false;
      for (const Replayed& step : replayed) {
        if (!inside(step)) continue;
        const Movement::Type type = step.record->type;
        if (type == Movement::EXPANSION || type == Movement::CROSS_SELL) {
          has_expanded = true;
          expansion_mrr += step.mrr_after - step.mrr_before;
        } else if (type == Movement::CONTRACTION) {
          contraction_mrr += step.mrr_before - step.mrr_after;
        } else if (type == Movement::CHURN) {
          ++churned;
          churn_mrr += step.mrr_before;
          break;
        }
      }
      if (has_expanded) ++expanded;
      if (MrrBefore(replayed, window_end) > 0) ++retained;
    }

    // Customers who started (NEW or REACTIVATION) and churned inside, in
    // their segment at that churn.
    bool started_inside = false;
    for (const Replayed& step : replayed) {
      if (!inside(step)) continue;
      const Movement::Type type = step.record->type;
      if (type == Movement::NEW || type == Movement::REACTIVATION) {
        started_inside = true;
      } else if (type == Movement::CHURN) {
        if (started_inside) {
          if (InSegment(&step.record->segment, dimension, value)) ++same_window_churned;
          break;
        }
      }
    }

    // MRR and customers at the end, in their segment then.
    const int64_t mrr_at_end = MrrBefore(replayed, window_end);
    if (mrr_at_end > 0 && InSegment(SegmentBefore(replayed, window_end), dimension, value)) {
      ++end_customers;
      end_mrr += mrr_at_end;
    }

    // Every movement in the window, in its own segment.
    for (const Replayed& step : replayed) {
      if (!inside(step) || !InSegment(&step.record->segment, dimension, value)) continue;
      ++movements;
      const int64_t change = step.mrr_after - step.mrr_before;
      if (change > 0) gains += change;
      if (change < 0) losses -= change;
    }
  }

  std::map<std::string, OracleKpi> kpis;
  const double churned_logos =
      churned + (options.include_same_window_churn ? same_window_churned : 0);
  kpis["logo_churn_rate"] = Percent(churned_logos, start_customers, start_customers);
  kpis["customer_retention_rate"] = Percent(retained, start_customers, start_customers);
  kpis["gross_mrr_churn_rate"] = Percent(churn_mrr + contraction_mrr, start_mrr, start_customers);
  kpis["net_mrr_churn_rate"] =
      Percent(churn_mrr + contraction_mrr - expansion_mrr, start_mrr, start_customers);
  kpis["grr"] = Percent(start_mrr - churn_mrr - contraction_mrr, start_mrr, start_customers);
  kpis["nrr"] =
      Percent(start_mrr + expansion_mrr - contraction_mrr - churn_mrr, start_mrr, start_customers);
  kpis["mrr"] = Amount(end_mrr, end_customers);
  kpis["active_customers"] = Amount(end_customers, end_customers);
  kpis["arpa"] = Ratio(end_mrr, end_customers, end_customers, 1);
  kpis["quick_ratio"] = Ratio(gains, losses, movements, 1);
  kpis["expansion_rate_logo"] = Percent(expanded, start_customers, start_customers);
  kpis["expansion_rate_mrr"] = Percent(expansion_mrr, start_mrr, start_customers);

  OracleKpi ltv;
  ltv.sample_size = start_customers;
  if (end_customers > 0 && start_customers > 0 && churned > 0) {
    const double arpa = static_cast<double>(end_mrr) / static_cast<double>(end_customers);
    const double monthly_churn = static_cast<double>(churned) / start_customers * kDaysPerMonth /
                                 static_cast<double>(end - start);
    ltv = Ratio(arpa * options.gross_margin_basis_points / 10000.0, monthly_churn, start_customers,
                1);
  }
  kpis["ltv"] = ltv;
  return kpis;
}

std::vector<OracleCohort> RevenueOracle::Cohorts(absl::CivilMonth first, absl::CivilMonth last,
                                                 absl::CivilMonth through) const {
  std::vector<OracleCohort> cohorts;
  for (absl::CivilMonth month = first; month <= last; ++month) {
    OracleCohort cohort;
    cohort.month = month;
    for (absl::CivilMonth at = month; at <= through; ++at) cohort.points.push_back({at, 0, 0});
    cohorts.push_back(std::move(cohort));
  }
  for (const auto& [account, records] : accounts_) {
    const std::vector<Replayed> replayed = Replay(records);
    for (const Replayed& step : replayed) {
      if (!step.record->movement || step.record->type != Movement::NEW) continue;
      const absl::CivilMonth month(absl::ToCivilDay(step.record->time, zone_));
      if (month < first || month > last) break;
      OracleCohort& cohort = cohorts[month - first];
      ++cohort.customers;
      cohort.starting_mrr_minor += step.mrr_after - step.mrr_before;
      for (OracleCohortPoint& point : cohort.points) {
        const int64_t mrr =
            MrrBefore(replayed, absl::FromCivil(absl::CivilDay(point.month + 1), zone_));
        if (mrr > 0) {
          ++point.active_customers;
          point.mrr_minor += mrr;
        }
      }
      break;
    }
  }
  return cohorts;
}

namespace {

constexpr sv1::TouchTier kTiers[] = {sv1::HIGH_TOUCH, sv1::LOW_TOUCH, sv1::TECH_TOUCH};
const char* const kPlans[] = {"starter", "pro", "enterprise"};
const char* const kOwners[] = {"csm-ada", "csm-bo", "csm-cy"};

// What a generated account looks like as Success reports it.
struct GeneratedAccount {
  std::string name;
  sv1::TouchTier tier = sv1::TECH_TOUCH;
  std::string plan;
  std::string owner;
  int64_t mrr = 0;

  sv1::Account Snapshot() const {
    sv1::Account account;
    account.set_name(name);
    account.set_touch_tier(tier);
    account.set_plan(plan);
    account.set_owner(owner);
    account.set_mrr_minor(mrr);
    return account;
  }
  OracleSegment Segment() const { return {sv1::TouchTier_Name(tier), plan, owner}; }
};

// One step of an account's history before it becomes events.
struct Step {
  enum Kind { kMovement, kTier, kPlan, kOwner, kSeats } kind = kMovement;
  absl::Time time;
  Movement::Type type = Movement::TYPE_UNSPECIFIED;
  int64_t delta = 0;
  bool retier = false;  // the movement moves the account to another tier
};

// An event and how the oracle learns of it.
struct Generated {
  RevenueHistoryEvent event;
  std::function<void(RevenueOracle&)> record;
};

}  // namespace

std::vector<RevenueHistoryEvent> RandomRevenueHistory(uint32_t seed,
                                                      const RevenueHistoryOptions& options,
                                                      RevenueOracle& oracle) {
  std::mt19937 rng(seed);
  const auto uniform = [&rng](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng);
  };
  const absl::TimeZone zone = options.zone;
  const absl::Time begin = absl::FromCivil(options.first_day, zone);
  const absl::Time finish = absl::FromCivil(options.end_day, zone);
  // A time in [low, high), at microsecond precision; one in eight is moved
  // to the next local midnight (if still before `high`), the edge of days.
  const auto random_time = [&](absl::Time low, absl::Time high) {
    absl::Time time =
        low + absl::Microseconds(uniform(0, absl::ToInt64Microseconds(high - low) - 1));
    if (uniform(0, 7) == 0) {
      const absl::Time midnight = absl::FromCivil(absl::ToCivilDay(time, zone) + 1, zone);
      if (midnight < high) time = midnight;
    }
    return time;
  };
  const auto other_tier = [&](sv1::TouchTier tier) {
    sv1::TouchTier next = tier;
    while (next == tier) next = kTiers[uniform(0, 2)];
    return next;
  };

  std::vector<std::vector<Generated>> per_account;
  for (int a = 0; a < options.accounts; ++a) {
    // The movements, in effective-time order.
    std::vector<Step> steps;
    absl::Time time = random_time(begin, finish - absl::Hours(24 * 45));
    steps.push_back({Step::kMovement, time, Movement::NEW, 10 * uniform(5, 100), false});
    int64_t mrr = steps.back().delta;
    bool churned = false;
    for (int64_t more = uniform(0, 8); more > 0; --more) {
      const int64_t gap_kind = uniform(0, 9);
      if (gap_kind == 1 || gap_kind == 2) {
        time += absl::Hours(uniform(1, 72));
      } else if (gap_kind > 2) {
        time += absl::Hours(24 * uniform(1, 60)) + absl::Microseconds(uniform(0, 86'400'000'000));
      }  // else the same time as the movement before
      if (uniform(0, 7) == 0) time = absl::FromCivil(absl::ToCivilDay(time, zone) + 1, zone);
      if (time >= finish) break;
      Step step{Step::kMovement, time, Movement::TYPE_UNSPECIFIED, 0, uniform(0, 4) == 0};
      const int64_t pick = uniform(0, 9);
      if (churned) {
        step.type = Movement::REACTIVATION;
        step.delta = 10 * uniform(5, 100);
      } else if (pick <= 2 || (pick <= 6 && pick >= 5 && mrr < 20)) {
        step.type = Movement::EXPANSION;
        step.delta = 10 * uniform(1, 30);
      } else if (pick <= 4) {
        step.type = Movement::CROSS_SELL;
        step.delta = 10 * uniform(1, 30);
      } else if (pick <= 6) {
        step.type = Movement::CONTRACTION;
        step.delta = -10 * uniform(1, (mrr - 10) / 10);
      } else {
        step.type = Movement::CHURN;
      }
      churned = step.type == Movement::CHURN;
      mrr = churned ? 0 : mrr + step.delta;
      steps.push_back(step);
    }
    // Segment changes at times of their own, published anywhere between.
    for (int64_t changes = uniform(0, 3); changes > 0; --changes) {
      Step step;
      step.kind = static_cast<Step::Kind>(uniform(Step::kTier, Step::kSeats));
      step.time = random_time(begin, finish);
      steps.insert(steps.begin() + uniform(0, static_cast<int64_t>(steps.size())), step);
    }

    GeneratedAccount account;
    account.name = absl::StrCat("accounts/A", seed, "x", a);
    account.tier = kTiers[uniform(0, 2)];
    account.plan = kPlans[uniform(0, 2)];
    account.owner = kOwners[uniform(0, 2)];
    std::vector<Generated> events;
    int movement_number = 0;
    for (const Step& step : steps) {
      const std::string account_id = account.name.substr(account.name.find('/') + 1);
      // How the oracle learns of the segment the account has now.
      const auto record_segment = [&]() -> std::function<void(RevenueOracle&)> {
        return [account_id, time = step.time, segment = account.Segment()](RevenueOracle& o) {
          o.AddSegmentChange(account_id, time, segment);
        };
      };
      const auto tier_changed = [&](sv1::TouchTier from) {
        auto payload = std::make_shared<sv1::TierChanged>();
        *payload->mutable_account() = account.Snapshot();
        payload->mutable_change()->set_from_tier(from);
        payload->mutable_change()->set_to_tier(account.tier);
        *payload->mutable_change()->mutable_change_time() = ToProtoTime(step.time);
        events.push_back({{account.name, payload, step.time}, record_segment()});
      };
      if (step.kind == Step::kMovement) {
        auto payload = std::make_shared<sv1::MrrMovementRecorded>();
        Movement& movement = *payload->mutable_movement();
        movement.set_name(absl::StrCat(account.name, "/mrrMovements/M", movement_number++));
        movement.set_type(step.type);
        movement.set_mrr_before_minor(account.mrr);
        account.mrr = step.type == Movement::CHURN ? 0 : account.mrr + step.delta;
        movement.set_mrr_delta_minor(account.mrr - movement.mrr_before_minor());
        movement.set_mrr_after_minor(account.mrr);
        *movement.mutable_effective_time() = ToProtoTime(step.time);
        const sv1::TouchTier from = account.tier;
        if (step.retier) account.tier = other_tier(account.tier);
        *payload->mutable_account() = account.Snapshot();
        events.push_back({{movement.name(), payload, step.time},
                          [account_id, step, segment = account.Segment()](RevenueOracle& o) {
                            o.AddMovement(account_id, step.type,
                                          step.type == Movement::CHURN ? 0 : step.delta, step.time,
                                          segment);
                          }});
        if (step.retier) tier_changed(from);
      } else if (step.kind == Step::kTier) {
        const sv1::TouchTier from = account.tier;
        account.tier = other_tier(account.tier);
        tier_changed(from);
      } else {
        auto payload = std::make_shared<sv1::AccountUpdated>();
        *payload->mutable_previous() = account.Snapshot();
        if (step.kind == Step::kPlan) {
          std::string plan = account.plan;
          while (plan == account.plan) plan = kPlans[uniform(0, 2)];
          account.plan = plan;
          payload->mutable_changed_fields()->add_paths("plan");
        } else if (step.kind == Step::kOwner) {
          std::string owner = account.owner;
          while (owner == account.owner) owner = kOwners[uniform(0, 2)];
          account.owner = owner;
          payload->mutable_changed_fields()->add_paths("owner");
        } else {
          payload->mutable_changed_fields()->add_paths("seats_licensed");
        }
        *payload->mutable_account() = account.Snapshot();
        std::function<void(RevenueOracle&)> record = [](RevenueOracle&) {};
        if (step.kind != Step::kSeats) record = record_segment();
        events.push_back({{account.name, payload, step.time}, std::move(record)});
      }
    }
    per_account.push_back(std::move(events));
  }

  // Accounts interleave at random; each keeps its own order.
  std::vector<RevenueHistoryEvent> out;
  std::vector<size_t> next(per_account.size(), 0);
  std::vector<size_t> open;
  for (size_t a = 0; a < per_account.size(); ++a) {
    if (!per_account[a].empty()) open.push_back(a);
  }
  while (!open.empty()) {
    const size_t pick = static_cast<size_t>(uniform(0, static_cast<int64_t>(open.size()) - 1));
    const size_t a = open[pick];
    Generated& generated = per_account[a][next[a]++];
    generated.record(oracle);
    out.push_back(std::move(generated.event));
    if (next[a] == per_account[a].size()) open.erase(open.begin() + pick);
  }
  return out;
}

}  // namespace tandem::testing
