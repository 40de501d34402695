#include "tests/testing/metrics_success_oracle.h"

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/engagement.pb.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/health.pb.h"
#include "tandem/success/v1/lifecycle.pb.h"
#include "tandem/success/v1/revenue.pb.h"
#include "tandem/success/v1/usage.pb.h"

namespace tandem::testing {
namespace {

namespace sv1 = success::v1;

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

}  // namespace

bool SuccessOracle::InSegment(const OracleSegment& segment, const std::string& dimension,
                              const std::string& value) {
  if (dimension.empty()) return true;
  if (dimension == "tier") return segment.tier == value;
  if (dimension == "plan") return segment.plan == value;
  if (dimension == "owner") return segment.owner == value;
  return false;
}

void SuccessOracle::AddNpsAnswer(const std::string& name, const std::string& contact, int score,
                                 absl::Time time, const OracleSegment& segment) {
  for (const Answer& answer : answers_) {
    if (answer.name == name) return;  // answers never change
  }
  answers_.push_back({name, contact.empty() ? name : contact, score, time, segment});
}

void SuccessOracle::AddRenewal(const std::string& name, absl::Time due_time, int64_t target_minor,
                               int64_t final_minor, int outcome, const OracleSegment& segment) {
  renewals_[name] = {due_time, target_minor, final_minor, outcome, segment};
}

void SuccessOracle::AddOnboardingEnded(const std::string& name, bool completed,
                                       absl::Time start_time, absl::Time end_time,
                                       const OracleSegment& segment) {
  if (completed) onboardings_[name] = {start_time, end_time, segment};
}

void SuccessOracle::AddHealthScore(const std::string& account, absl::Time time, int score, int band,
                                   const OracleSegment& segment) {
  accounts_[account].push_back({time, order_++, Change::kScore, score, band, segment});
}

void SuccessOracle::AddStageChange(const std::string& account, absl::Time time, bool to_churned,
                                   bool from_churned, const OracleSegment& segment) {
  const Change change = to_churned     ? Change::kChurn
                        : from_churned ? Change::kReturn
                                       : Change::kSegment;
  accounts_[account].push_back({time, order_++, change, 0, 0, segment});
}

void SuccessOracle::AddSegmentChange(const std::string& account, absl::Time time,
                                     const OracleSegment& segment) {
  accounts_[account].push_back({time, order_++, Change::kSegment, 0, 0, segment});
}

void SuccessOracle::AddAccountDeleted(const std::string& account, absl::Time time) {
  accounts_[account].push_back({time, order_++, Change::kDelete, 0, 0, {}});
}

void SuccessOracle::AddUsage(const std::string& account, absl::Time day_start, int active_users,
                             int seats, const std::vector<std::string>& features,
                             const OracleSegment& segment) {
  usage_[account][day_start] = {active_users, seats, features, segment};
}

void SuccessOracle::SetKeyFeatures(const std::vector<std::string>& features) {
  const std::set<std::string> distinct(features.begin(), features.end());
  key_features_.assign(distinct.begin(), distinct.end());
}

std::map<std::string, OracleKpi> SuccessOracle::Kpis(absl::CivilDay start, absl::CivilDay end,
                                                     const std::string& dimension,
                                                     const std::string& value) const {
  const absl::Time from = absl::FromCivil(start, zone_);
  const absl::Time to = absl::FromCivil(end, zone_);
  const auto in_window = [&](absl::Time t) { return from <= t && t < to; };
  std::map<std::string, OracleKpi> kpis;

  // NPS: each respondent's latest answer in the window.
  std::map<std::string, const Answer*> latest_answer;
  for (const Answer& answer : answers_) {
    if (!in_window(answer.time)) continue;
    const Answer*& slot = latest_answer[answer.respondent];
    if (slot == nullptr || answer.time > slot->time ||
        (answer.time == slot->time && answer.name > slot->name)) {
      slot = &answer;
    }
  }
  int64_t responses = 0, promoters = 0, detractors = 0;
  for (const auto& [respondent, answer] : latest_answer) {
    if (!InSegment(answer->segment, dimension, value)) continue;
    ++responses;
    if (answer->score >= 9) ++promoters;
    if (answer->score <= 6) ++detractors;
  }
  kpis["nps"] = Percent(static_cast<double>(promoters - detractors), static_cast<double>(responses),
                        responses);

  // Renewals due in the window.
  int64_t due = 0, won = 0, closed = 0;
  double closed_target = 0, final_amount = 0;
  for (const auto& [name, renewal] : renewals_) {
    if (!in_window(renewal.due_time) || !InSegment(renewal.segment, dimension, value)) continue;
    ++due;
    if (renewal.outcome == 1 || renewal.outcome == 2) ++won;
    if (renewal.outcome != 0) {
      ++closed;
      closed_target += static_cast<double>(renewal.target_minor);
      final_amount += static_cast<double>(renewal.final_minor);
    }
  }
  kpis["renewal_rate_logo"] = Percent(static_cast<double>(won), static_cast<double>(due), due);
  kpis["renewal_rate_revenue"] = Percent(final_amount, closed_target, closed);

  // Time to value: median days of onboardings completed in the window.
  std::vector<double> days;
  for (const auto& [name, onboarding] : onboardings_) {
    if (!in_window(onboarding.end_time) || !InSegment(onboarding.segment, dimension, value)) {
      continue;
    }
    days.push_back(
        std::max(0.0, absl::ToDoubleHours(onboarding.end_time - onboarding.start_time) / 24.0));
  }
  OracleKpi ttv;
  ttv.sample_size = static_cast<int64_t>(days.size());
  ttv.denominator = static_cast<double>(days.size());
  for (double d : days) ttv.numerator += d;
  if (!days.empty()) {
    std::sort(days.begin(), days.end());
    const size_t n = days.size();
    ttv.defined = true;
    ttv.value = n % 2 == 1 ? days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2;
  }
  kpis["time_to_value"] = ttv;

  // Adoption and seats: accounts with usage on a UTC day whose calendar
  // date is one of the window's dates (a UTC day D counts on the tenant's
  // date D, whatever the zone), in the segment of their latest such day.
  const auto date_in_window = [&](absl::Time day_start) {
    const absl::CivilDay date = absl::ToCivilDay(day_start, absl::UTCTimeZone());
    return start <= date && date < end;
  };
  int64_t active_accounts = 0, seated_accounts = 0;
  double seat_ratios = 0;
  std::map<std::string, int64_t> using_feature;
  int64_t key_features_used = 0;
  for (const auto& [account, by_day] : usage_) {
    std::set<std::string> features;
    int peak = 0;
    const Usage* latest = nullptr;
    for (const auto& [day_start, usage] : by_day) {
      if (!date_in_window(day_start)) continue;
      features.insert(usage.features.begin(), usage.features.end());
      peak = std::max(peak, usage.active_users);
      latest = &usage;  // days are in order
    }
    if (latest == nullptr || !InSegment(latest->segment, dimension, value)) continue;
    ++active_accounts;
    for (const std::string& key : key_features_) {
      if (features.count(key) > 0) {
        ++using_feature[key];
        ++key_features_used;
      }
    }
    if (latest->seats > 0) {
      ++seated_accounts;
      seat_ratios += static_cast<double>(peak) / latest->seats;
    }
  }
  if (key_features_.empty()) {
    kpis["product_adoption"] = OracleKpi{};
  } else {
    kpis["product_adoption"] =
        Percent(static_cast<double>(key_features_used),
                static_cast<double>(key_features_.size() * active_accounts), active_accounts);
  }
  for (const std::string& key : key_features_) {
    kpis["product_adoption:" + key] =
        Percent(static_cast<double>(using_feature[key]), static_cast<double>(active_accounts),
                active_accounts);
  }
  kpis["active_seat_ratio"] =
      Percent(seat_ratios, static_cast<double>(seated_accounts), seated_accounts);

  // Health at the window's end: every account's events before it, by time
  // then feed order.
  int64_t scored = 0, score_sum = 0;
  std::map<int, int64_t> bands;
  for (const auto& [account, events] : accounts_) {
    std::vector<const AccountEvent*> ordered;
    for (const AccountEvent& event : events) {
      if (event.time < to) ordered.push_back(&event);
    }
    std::sort(ordered.begin(), ordered.end(), [](const AccountEvent* a, const AccountEvent* b) {
      return std::tie(a->time, a->order) < std::tie(b->time, b->order);
    });
    bool has_score = false, churned = false, deleted = false;
    int score = 0, band = 0;
    OracleSegment segment;
    for (const AccountEvent* event : ordered) {
      switch (event->change) {
        case Change::kScore:
          has_score = true;
          score = event->score;
          band = event->band;
          segment = event->segment;
          break;
        case Change::kChurn:
          churned = true;
          segment = event->segment;
          break;
        case Change::kReturn:
          churned = false;
          segment = event->segment;
          break;
        case Change::kSegment:
          segment = event->segment;
          break;
        case Change::kDelete:
          deleted = true;
          break;
      }
    }
    if (!has_score || churned || deleted || !InSegment(segment, dimension, value)) continue;
    ++scored;
    score_sum += score;
    ++bands[band];
  }
  kpis["health_red_share"] =
      Percent(static_cast<double>(bands[sv1::RED]), static_cast<double>(scored), scored);
  kpis["health_yellow_share"] =
      Percent(static_cast<double>(bands[sv1::YELLOW]), static_cast<double>(scored), scored);
  kpis["health_green_share"] =
      Percent(static_cast<double>(bands[sv1::GREEN]), static_cast<double>(scored), scored);
  kpis["health_mean_score"] =
      Ratio(static_cast<double>(score_sum), static_cast<double>(scored), scored, 1);
  return kpis;
}

// ---- Random histories ----

namespace {

const std::vector<std::string>& Features() {
  static const auto* const kFeatures =
      new std::vector<std::string>{"search", "reports", "export", "api", "admin"};
  return *kFeatures;
}

class Random {
 public:
  explicit Random(uint32_t seed) : engine_(seed) {}
  int Int(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(Int(0, static_cast<int>(items.size()) - 1))];
  }
  std::mt19937& engine() { return engine_; }

 private:
  std::mt19937 engine_;
};

// An account's segment, as proto values.
struct Segment {
  sv1::TouchTier tier = sv1::HIGH_TOUCH;
  std::string plan;
  std::string owner;

  OracleSegment ForOracle() const { return OracleSegment{sv1::TouchTier_Name(tier), plan, owner}; }
  void Fill(sv1::Account& account) const {
    account.set_touch_tier(tier);
    account.set_plan(plan);
    account.set_owner(owner);
  }
  void Fill(sv1::LifecycleAccountSnapshot& account) const {
    account.set_touch_tier(tier);
    account.set_plan(plan);
    account.set_owner(owner);
  }
};

const std::vector<sv1::TouchTier>& Tiers() {
  static const auto* const kTiers =
      new std::vector<sv1::TouchTier>{sv1::HIGH_TOUCH, sv1::LOW_TOUCH, sv1::TECH_TOUCH};
  return *kTiers;
}
const std::vector<std::string>& Plans() {
  static const auto* const kPlans = new std::vector<std::string>{"pro", "basic"};
  return *kPlans;
}
const std::vector<std::string>& Owners() {
  static const auto* const kOwners = new std::vector<std::string>{"csm-ann", "csm-bob", "csm-cy"};
  return *kOwners;
}

// One event to publish: its time, whether it may be published after a
// later one (back-dated history), and how to make it (recording it in the
// oracle as it is published).
struct Pending {
  absl::Time time;
  bool may_lag = false;
  std::function<SuccessHistoryEvent(SuccessOracle&)> emit;
};

class HistoryMaker {
 public:
  HistoryMaker(uint32_t seed, const SuccessHistoryOptions& options)
      : random_(seed),
        options_(options),
        from_(absl::FromCivil(options.first_day, options.zone)),
        to_(absl::FromCivil(options.end_day, options.zone)) {}

  std::vector<SuccessHistoryEvent> Make(SuccessOracle& oracle) {
    std::vector<std::vector<Pending>> accounts;
    for (int i = 0; i < options_.accounts; ++i) accounts.push_back(Account(i));
    std::vector<Pending> tenant_events;
    const int announcements = random_.Int(1, 2);
    for (int i = 0; i < announcements; ++i) tenant_events.push_back(KeyFeatures());

    // Interleave the accounts at random, each in its own order.
    std::vector<Pending> order;
    std::vector<size_t> next(accounts.size(), 0);
    size_t remaining = 0;
    for (const auto& events : accounts) remaining += events.size();
    while (remaining > 0) {
      const size_t pick =
          static_cast<size_t>(random_.Int(0, static_cast<int>(accounts.size()) - 1));
      if (next[pick] == accounts[pick].size()) continue;
      order.push_back(accounts[pick][next[pick]++]);
      --remaining;
    }
    for (Pending& event : tenant_events) {
      const auto at = order.begin() + random_.Int(0, static_cast<int>(order.size()));
      order.insert(at, std::move(event));
    }
    std::vector<SuccessHistoryEvent> history;
    for (const Pending& event : order) history.push_back(event.emit(oracle));
    return history;
  }

 private:
  absl::Time RandomTime(absl::Time from, absl::Time to) {
    const int64_t seconds = absl::ToInt64Seconds(to - from);
    const absl::Time t = from + absl::Seconds(std::uniform_int_distribution<int64_t>(
                                    0, seconds - 1)(random_.engine()));
    // Some at local midnight, where a wrong zone would move them a day.
    if (random_.Chance(0.1)) {
      return absl::FromCivil(absl::ToCivilDay(t, options_.zone), options_.zone);
    }
    return t;
  }
  absl::Time AnyTime() { return RandomTime(from_, to_); }

  std::vector<Pending> Account(int index) {
    const std::string name = absl::StrCat("accounts/a", index);
    // The segment over time: an initial one and up to three changes.
    std::vector<std::pair<absl::Time, Segment>> segments;
    Segment segment{random_.Pick(Tiers()), random_.Pick(Plans()), random_.Pick(Owners())};
    segments.emplace_back(absl::InfinitePast(), segment);
    std::vector<absl::Time> change_times;
    for (int i = random_.Int(0, 3); i > 0; --i) change_times.push_back(AnyTime());
    std::sort(change_times.begin(), change_times.end());
    for (absl::Time t : change_times) {
      Segment changed = segments.back().second;
      switch (random_.Int(0, 2)) {
        case 0:
          changed.tier = random_.Pick(Tiers());
          break;
        case 1:
          changed.plan = random_.Pick(Plans());
          break;
        default:
          changed.owner = random_.Pick(Owners());
          break;
      }
      segments.emplace_back(t, changed);
    }
    const auto segment_at = [segments](absl::Time t) {
      Segment found = segments.front().second;
      for (const auto& [since, s] : segments) {
        if (since <= t) found = s;
      }
      return found;
    };

    std::vector<Pending> events;
    for (size_t i = 1; i < segments.size(); ++i) {
      const absl::Time t = segments[i].first;
      const Segment before = segments[i - 1].second;
      const Segment after = segments[i].second;
      events.push_back({t, true, [=](SuccessOracle& oracle) {
                          oracle.AddSegmentChange(name, t, after.ForOracle());
                          if (before.tier != after.tier) {
                            auto payload = std::make_shared<sv1::TierChanged>();
                            payload->mutable_account()->set_name(name);
                            after.Fill(*payload->mutable_account());
                            payload->mutable_change()->set_from_tier(before.tier);
                            payload->mutable_change()->set_to_tier(after.tier);
                            *payload->mutable_change()->mutable_change_time() = ToProtoTime(t);
                            return SuccessHistoryEvent{name, payload, t};
                          }
                          auto payload = std::make_shared<sv1::AccountUpdated>();
                          payload->mutable_account()->set_name(name);
                          after.Fill(*payload->mutable_account());
                          payload->mutable_previous()->set_name(name);
                          before.Fill(*payload->mutable_previous());
                          return SuccessHistoryEvent{name, payload, t};
                        }});
    }

    // Health: scorings, maybe a churn (and a return), other stage moves, a
    // rare deletion.
    for (int i = random_.Int(1, 6); i > 0; --i) {
      const absl::Time t = AnyTime();
      const int score = random_.Int(0, 100);
      const sv1::HealthBand band = score >= 70 ? sv1::GREEN : score >= 40 ? sv1::YELLOW : sv1::RED;
      const Segment s = segment_at(t);
      events.push_back({t, true, [=](SuccessOracle& oracle) {
                          oracle.AddHealthScore(name, t, score, band, s.ForOracle());
                          auto payload = std::make_shared<sv1::HealthChanged>();
                          payload->set_account(name);
                          payload->set_score(score);
                          payload->set_band(band);
                          payload->set_touch_tier(s.tier);
                          payload->set_plan(s.plan);
                          payload->set_owner(s.owner);
                          *payload->mutable_compute_time() = ToProtoTime(t);
                          return SuccessHistoryEvent{name, payload, t};
                        }});
    }
    const auto stage = [&](absl::Time t, sv1::Account::LifecycleStage from,
                           sv1::Account::LifecycleStage to) {
      const Segment s = segment_at(t);
      events.push_back({t, true, [=](SuccessOracle& oracle) {
                          oracle.AddStageChange(name, t, to == sv1::Account::CHURNED,
                                                from == sv1::Account::CHURNED, s.ForOracle());
                          auto payload = std::make_shared<sv1::StageChanged>();
                          payload->mutable_account()->set_name(name);
                          payload->mutable_account()->set_lifecycle_stage(to);
                          s.Fill(*payload->mutable_account());
                          payload->mutable_change()->set_from_stage(from);
                          payload->mutable_change()->set_to_stage(to);
                          *payload->mutable_change()->mutable_change_time() = ToProtoTime(t);
                          return SuccessHistoryEvent{name, payload, t};
                        }});
    };
    if (random_.Chance(0.3)) stage(AnyTime(), sv1::Account::ONBOARDING, sv1::Account::ADOPTION);
    if (random_.Chance(0.35)) {
      const absl::Time churn = AnyTime();
      stage(churn, sv1::Account::RENEWAL, sv1::Account::CHURNED);
      if (random_.Chance(0.5) && churn + absl::Hours(1) < to_) {
        stage(RandomTime(churn + absl::Hours(1), to_), sv1::Account::CHURNED,
              sv1::Account::ADOPTION);
      }
    }
    if (random_.Chance(0.08)) {
      const absl::Time t = AnyTime();
      const Segment s = segment_at(t);
      events.push_back({t, true, [=](SuccessOracle& oracle) {
                          oracle.AddAccountDeleted(name, t);
                          auto payload = std::make_shared<sv1::AccountDeleted>();
                          payload->mutable_account()->set_name(name);
                          s.Fill(*payload->mutable_account());
                          return SuccessHistoryEvent{name, payload, t};
                        }});
    }

    // NPS: answers of two contacts or none; some a few days after another.
    std::vector<absl::Time> answer_times;
    for (int i = random_.Int(0, 5); i > 0; --i) {
      const absl::Time t = AnyTime();
      answer_times.push_back(t);
      if (random_.Chance(0.3) && t + absl::Hours(24 * 5) < to_) {
        answer_times.push_back(RandomTime(t, t + absl::Hours(24 * 5)));
      }
    }
    int answer_id = 0;
    for (absl::Time t : answer_times) {
      const std::string response = absl::StrCat(name, "/npsResponses/n", ++answer_id);
      const std::string contact =
          random_.Chance(0.15) ? "" : absl::StrCat(name, "/contacts/c", random_.Int(1, 2));
      const int score = random_.Int(0, 10);
      const Segment s = segment_at(t);
      events.push_back({t, false, [=](SuccessOracle& oracle) {
                          oracle.AddNpsAnswer(response, contact, score, t, s.ForOracle());
                          auto payload = std::make_shared<sv1::NpsRecorded>();
                          payload->mutable_nps_response()->set_name(response);
                          payload->mutable_nps_response()->set_contact(contact);
                          payload->mutable_nps_response()->set_score(score);
                          *payload->mutable_nps_response()->mutable_response_time() =
                              ToProtoTime(t);
                          payload->set_account(name);
                          payload->set_account_tier(s.tier);
                          payload->set_account_plan(s.plan);
                          payload->set_account_owner(s.owner);
                          return SuccessHistoryEvent{response, payload, t};
                        }});
    }

    // Renewals: created, maybe updated, maybe closed.
    for (int r = random_.Int(0, 2); r > 0; --r) {
      const std::string renewal = absl::StrCat(name, "/renewals/r", r);
      absl::Time t = RandomTime(from_, to_ - absl::Hours(24 * 20));
      absl::Time due = AnyTime();
      int64_t target = 100 * random_.Int(10, 1000);
      const auto publish = [&](const std::string& type, absl::Time at, int outcome,
                               int64_t final_amount) {
        const Segment s = segment_at(at);
        events.push_back({at, false, [=](SuccessOracle& oracle) {
                            oracle.AddRenewal(renewal, due, target, final_amount, outcome,
                                              s.ForOracle());
                            sv1::Renewal body;
                            body.set_name(renewal);
                            *body.mutable_due_time() = ToProtoTime(due);
                            body.set_target_amount_minor(target);
                            body.set_final_amount_minor(final_amount);
                            body.set_outcome(static_cast<sv1::Renewal::Outcome>(outcome));
                            sv1::LifecycleAccountSnapshot account;
                            account.set_account(name);
                            s.Fill(account);
                            std::shared_ptr<google::protobuf::Message> payload;
                            if (type == "created") {
                              auto created = std::make_shared<sv1::RenewalCreated>();
                              *created->mutable_renewal() = body;
                              *created->mutable_account() = account;
                              payload = created;
                            } else if (type == "updated") {
                              auto updated = std::make_shared<sv1::RenewalUpdated>();
                              *updated->mutable_renewal() = body;
                              *updated->mutable_account() = account;
                              payload = updated;
                            } else {
                              auto closed = std::make_shared<sv1::RenewalClosed>();
                              *closed->mutable_renewal() = body;
                              *closed->mutable_account() = account;
                              payload = closed;
                            }
                            return SuccessHistoryEvent{renewal, payload, at};
                          }});
      };
      publish("created", t, 0, 0);
      if (random_.Chance(0.4)) {
        t += absl::Hours(random_.Int(1, 24 * 5));
        if (random_.Chance(0.5)) due = AnyTime();
        if (random_.Chance(0.5)) target = 100 * random_.Int(10, 1000);
        publish("updated", t, 0, 0);
      }
      if (random_.Chance(0.65)) {
        t += absl::Hours(random_.Int(1, 24 * 10));
        const int outcome = random_.Int(1, 3);
        const int64_t final_amount = outcome == 1   ? target
                                     : outcome == 2 ? 100 * random_.Int(5, 1500)
                                                    : 0;
        publish("closed", t, outcome, final_amount);
      }
    }

    // Onboarding: one plan ending completed or cancelled.
    if (random_.Chance(0.7)) {
      const std::string plan = absl::StrCat(name, "/onboardingPlans/p1");
      const absl::Time start = RandomTime(from_ - absl::Hours(24 * 40), to_ - absl::Hours(1));
      const absl::Time end =
          std::min(to_ - absl::Seconds(1), start + absl::Seconds(random_.Int(60, 80 * 86400)));
      const bool completed = random_.Chance(0.75);
      const Segment s = segment_at(end);
      events.push_back({end, false, [=](SuccessOracle& oracle) {
                          oracle.AddOnboardingEnded(plan, completed, start, end, s.ForOracle());
                          auto payload = std::make_shared<sv1::OnboardingEnded>();
                          sv1::OnboardingPlan& body = *payload->mutable_onboarding_plan();
                          body.set_name(plan);
                          body.set_state(completed ? sv1::OnboardingPlan::COMPLETED
                                                   : sv1::OnboardingPlan::CANCELLED);
                          *body.mutable_start_time() = ToProtoTime(start);
                          *body.mutable_end_time() = ToProtoTime(end);
                          payload->mutable_account()->set_account(name);
                          s.Fill(*payload->mutable_account());
                          return SuccessHistoryEvent{plan, payload, end};
                        }});
    }

    // Usage: some UTC days, each reported one to three times with growing
    // totals; licensed seats may change half way.
    const std::vector<int> seat_choices = {0, 5, 10, 25};
    const int seats_before = random_.Pick(seat_choices);
    const int seats_after = random_.Chance(0.3) ? random_.Pick(seat_choices) : seats_before;
    const absl::Time middle = from_ + (to_ - from_) / 2;
    std::set<absl::CivilDay> usage_days;
    for (int i = random_.Int(0, 15); i > 0; --i) {
      usage_days.insert(absl::ToCivilDay(AnyTime(), absl::UTCTimeZone()));
    }
    for (const absl::CivilDay& day : usage_days) {
      const absl::Time day_start = absl::FromCivil(day, absl::UTCTimeZone());
      const int seats = day_start < middle ? seats_before : seats_after;
      int active = 0;
      std::set<std::string> features;
      absl::Time at = day_start;
      for (int report = random_.Int(1, 3); report > 0; --report) {
        active += random_.Int(1, 6);
        for (int f = random_.Int(1, 2); f > 0; --f) features.insert(random_.Pick(Features()));
        at += absl::Minutes(random_.Int(1, 400));
        const std::vector<std::string> list(features.begin(), features.end());
        const Segment s = segment_at(at);
        const absl::Time when = at;
        const int users = active;
        events.push_back({when, false, [=](SuccessOracle& oracle) {
                            oracle.AddUsage(name, day_start, users, seats, list, s.ForOracle());
                            auto payload = std::make_shared<sv1::UsageRolledUp>();
                            payload->set_account(name);
                            *payload->mutable_day_start_time() = ToProtoTime(day_start);
                            payload->set_active_users(users);
                            for (const std::string& feature : list) payload->add_features(feature);
                            payload->set_seats_licensed(seats);
                            payload->set_touch_tier(s.tier);
                            payload->set_plan(s.plan);
                            payload->set_owner(s.owner);
                            return SuccessHistoryEvent{name, payload, when};
                          }});
      }
    }

    // In time order, except that some account events are published after
    // the next one (history loaded late).
    std::stable_sort(events.begin(), events.end(),
                     [](const Pending& a, const Pending& b) { return a.time < b.time; });
    for (size_t i = 0; i + 1 < events.size(); ++i) {
      if (events[i].may_lag && events[i + 1].may_lag && random_.Chance(0.15)) {
        std::swap(events[i], events[i + 1]);
        ++i;
      }
    }
    return events;
  }

  Pending KeyFeatures() {
    std::vector<std::string> features;
    for (const std::string& feature : Features()) {
      if (random_.Chance(0.5)) features.push_back(feature);
    }
    if (features.empty()) features.push_back(Features().front());
    const absl::Time t = AnyTime();
    return {t, false, [=](SuccessOracle& oracle) {
              oracle.SetKeyFeatures(features);
              auto payload = std::make_shared<sv1::KeyFeaturesUpdated>();
              payload->mutable_key_features()->set_name("keyFeatures");
              for (const std::string& feature : features) {
                payload->mutable_key_features()->add_features(feature);
              }
              return SuccessHistoryEvent{"keyFeatures", payload, t};
            }};
  }

  Random random_;
  const SuccessHistoryOptions options_;
  const absl::Time from_;
  const absl::Time to_;
};

}  // namespace

std::vector<SuccessHistoryEvent> RandomSuccessHistory(uint32_t seed,
                                                      const SuccessHistoryOptions& options,
                                                      SuccessOracle& oracle) {
  return HistoryMaker(seed, options).Make(oracle);
}

}  // namespace tandem::testing
