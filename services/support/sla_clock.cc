#include "services/support/sla_clock.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "services/support/ticket_lifecycle.h"

namespace tandem::support {
namespace {

using Kind = v1::SlaMetric::Kind;
using Stage = v1::SlaMetric::Stage;

// Running periods kept per metric; older ones are folded into a total.
constexpr int kMaxPeriods = 100;

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

bool IsOpen(const v1::SlaMetric& metric) {
  return metric.stage() == v1::SlaMetric::RUNNING || metric.stage() == v1::SlaMetric::PAUSED;
}

v1::SlaMetric* Metric(v1::TicketSla& sla, Kind kind) {
  for (v1::SlaMetric& metric : *sla.mutable_metrics()) {
    if (metric.kind() == kind) return &metric;
  }
  return nullptr;
}

// Starts a new cycle of `kind` at `now`, replacing an earlier one.
void StartMetric(v1::TicketSla& sla, Kind kind, bool running, absl::Time now) {
  v1::SlaMetric* metric = Metric(sla, kind);
  if (metric == nullptr) metric = sla.add_metrics();
  metric->Clear();
  metric->set_kind(kind);
  metric->set_stage(running ? v1::SlaMetric::RUNNING : v1::SlaMetric::PAUSED);
  *metric->mutable_start_time() = ToProtoTime(now);
  if (running) *metric->add_running_periods()->mutable_start_time() = ToProtoTime(now);
}

void ClosePeriod(v1::SlaMetric& metric, absl::Time now) {
  if (metric.stage() != v1::SlaMetric::RUNNING || metric.running_periods_size() == 0) return;
  v1::SlaMetric::Period& last = *metric.mutable_running_periods()->rbegin();
  if (!last.has_end_time()) *last.mutable_end_time() = ToProtoTime(now);
}

void Pause(v1::SlaMetric& metric, absl::Time now) {
  if (metric.stage() != v1::SlaMetric::RUNNING) return;
  ClosePeriod(metric, now);
  metric.set_stage(v1::SlaMetric::PAUSED);
}

void Resume(v1::SlaMetric& metric, absl::Time now) {
  if (metric.stage() != v1::SlaMetric::PAUSED) return;
  metric.set_stage(v1::SlaMetric::RUNNING);
  *metric.add_running_periods()->mutable_start_time() = ToProtoTime(now);
}

// Ends an open metric: FULFILLED or STOPPED.
void Finish(v1::SlaMetric& metric, Stage stage, absl::Time now) {
  if (!IsOpen(metric)) return;
  ClosePeriod(metric, now);
  metric.set_stage(stage);
  if (stage == v1::SlaMetric::FULFILLED) *metric.mutable_fulfill_time() = ToProtoTime(now);
}

const google::protobuf::Duration* TargetOf(const v1::SlaPolicy& policy, Kind kind) {
  switch (kind) {
    case v1::SlaMetric::FIRST_RESPONSE:
      return policy.has_first_response_target() ? &policy.first_response_target() : nullptr;
    case v1::SlaMetric::NEXT_RESPONSE:
      return policy.has_next_response_target() ? &policy.next_response_target() : nullptr;
    case v1::SlaMetric::RESOLUTION:
      return policy.has_resolution_target() ? &policy.resolution_target() : nullptr;
    default:
      return nullptr;
  }
}

// Folds the oldest finished periods into folded_business_time so a metric
// paused and resumed without end keeps a bounded size.
void FoldOldPeriods(v1::SlaMetric& metric, const BusinessCalendar& calendar) {
  auto& periods = *metric.mutable_running_periods();
  int excess = periods.size() - kMaxPeriods;
  if (excess <= 0) return;
  absl::Duration folded = FromProtoDuration(metric.folded_business_time());
  for (int i = 0; i < excess; ++i) {
    folded += calendar.BusinessTimeBetween(FromProtoTime(periods[i].start_time()),
                                           FromProtoTime(periods[i].end_time()));
  }
  periods.DeleteSubrange(0, excess);
  *metric.mutable_folded_business_time() = ToProtoDuration(folded);
}

// Sets the metric's target, business time and due time under `rule`, and
// marks a breach found. Returns true if it newly marked one.
bool Evaluate(v1::SlaMetric& metric, const SlaRule* rule, absl::Time now) {
  static const BusinessCalendar kAroundTheClock = BusinessCalendar::AroundTheClock();
  const BusinessCalendar& calendar = rule != nullptr ? rule->calendar : kAroundTheClock;
  FoldOldPeriods(metric, calendar);
  const google::protobuf::Duration* target_proto =
      rule != nullptr ? TargetOf(rule->policy, metric.kind()) : nullptr;
  metric.clear_due_time();
  if (target_proto == nullptr) {
    metric.clear_target();
  } else {
    *metric.mutable_target() = *target_proto;
  }
  const absl::Duration target =
      target_proto != nullptr ? FromProtoDuration(*target_proto) : absl::InfiniteDuration();

  // Walks the periods until the business time reaches the target; `reach`
  // is the instant it does (the due time).
  absl::Duration counted = FromProtoDuration(metric.folded_business_time());
  std::optional<absl::Time> reach;
  if (target_proto != nullptr && counted > target) reach = FromProtoTime(metric.start_time());
  for (const v1::SlaMetric::Period& period : metric.running_periods()) {
    const absl::Time start = FromProtoTime(period.start_time());
    if (!period.has_end_time()) {
      if (target_proto != nullptr && !reach.has_value()) {
        reach = calendar.AddBusinessTime(start, target - counted);
      }
      continue;
    }
    const absl::Duration inside =
        calendar.BusinessTimeBetween(start, FromProtoTime(period.end_time()));
    if (target_proto != nullptr && !reach.has_value() && counted + inside > target) {
      reach = calendar.AddBusinessTime(start, target - counted);
    }
    counted += inside;
  }
  *metric.mutable_business_time() = ToProtoDuration(counted);
  if (!reach.has_value()) return false;

  bool missed = false;
  if (metric.stage() == v1::SlaMetric::RUNNING) {
    if (*reach != absl::InfiniteFuture()) *metric.mutable_due_time() = ToProtoTime(*reach);
    missed = *reach < now;
  } else {
    // Not running: `reach` was found inside a finished period, so the
    // target was already passed when the clock stopped.
    missed = *reach < absl::InfiniteFuture();
  }
  if (!missed || metric.breached()) return false;
  metric.set_breached(true);
  *metric.mutable_breach_time() = ToProtoTime(*reach);
  return true;
}

// "NORMAL is not one of HIGH, URGENT" for one enum condition.
template <typename Values, typename NameOf>
void CheckCondition(absl::string_view what, const Values& allowed, int value, NameOf name_of,
                    std::vector<std::string>& mismatches) {
  if (allowed.empty()) return;
  for (int candidate : allowed) {
    if (candidate == value) return;
  }
  std::vector<std::string> names;
  for (int candidate : allowed) names.push_back(name_of(candidate));
  mismatches.push_back(
      absl::StrCat(what, " ", name_of(value), " is not one of ", absl::StrJoin(names, ", ")));
}

std::string LocalTime(absl::Time t, const BusinessCalendar& calendar) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", t, calendar.time_zone());
}

}  // namespace

TicketFacts TicketFacts::Of(const v1::Ticket& ticket) {
  return {ticket.priority(), ticket.account_tier(), ticket.channel(), ticket.type()};
}

absl::StatusOr<std::vector<SlaRule>> CompileRules(const std::vector<StoredSlaPolicy>& stored) {
  std::vector<SlaRule> rules;
  rules.reserve(stored.size());
  for (const StoredSlaPolicy& row : stored) {
    SlaRule& rule = rules.emplace_back();
    rule.policy = row.policy;
    if (row.calendar.has_value()) {
      absl::StatusOr<BusinessCalendar> calendar = BusinessCalendar::FromProto(*row.calendar);
      if (!calendar.ok()) {
        return absl::InternalError(absl::StrCat("stored calendar ", row.calendar->name(),
                                                " is invalid: ", calendar.status().message()));
      }
      rule.calendar = *std::move(calendar);
    }
  }
  std::stable_sort(rules.begin(), rules.end(), [](const SlaRule& a, const SlaRule& b) {
    const auto key = [](const v1::SlaPolicy& p) {
      return std::make_tuple(p.position(), p.create_time().seconds(), p.create_time().nanos(),
                             std::cref(p.name()));
    };
    return key(a.policy) < key(b.policy);
  });
  return rules;
}

std::vector<std::string> PolicyMismatches(const v1::SlaPolicy& policy, const TicketFacts& facts) {
  std::vector<std::string> mismatches;
  CheckCondition(
      "priority", policy.priorities(), facts.priority,
      [](int v) { return v1::Ticket::Priority_Name(v); }, mismatches);
  CheckCondition(
      "account tier", policy.account_tiers(), facts.account_tier,
      [](int v) { return success::v1::TouchTier_Name(v); }, mismatches);
  CheckCondition(
      "channel", policy.channels(), facts.channel,
      [](int v) { return v1::Ticket::Channel_Name(v); }, mismatches);
  CheckCondition(
      "type", policy.types(), facts.type, [](int v) { return v1::Ticket::Type_Name(v); },
      mismatches);
  return mismatches;
}

const SlaRule* MatchPolicy(const std::vector<SlaRule>& rules, const TicketFacts& facts) {
  for (const SlaRule& rule : rules) {
    if (PolicyMismatches(rule.policy, facts).empty()) return &rule;
  }
  return nullptr;
}

SlaOutcome ApplyRule(v1::TicketSla& sla, const SlaRule* rule, absl::Time now) {
  sla.set_policy(rule != nullptr ? rule->policy.name() : "");
  sla.set_calendar(rule != nullptr ? rule->calendar.name() : "");
  SlaOutcome outcome;
  for (v1::SlaMetric& metric : *sla.mutable_metrics()) {
    if (Evaluate(metric, rule, now)) outcome.newly_breached.push_back(metric.kind());
  }
  return outcome;
}

v1::TicketSla StartSla(const SlaRule* rule, v1::Ticket::Status status, absl::Time now) {
  v1::TicketSla sla;
  const bool running = SlaClockRuns(status);
  StartMetric(sla, v1::SlaMetric::FIRST_RESPONSE, running, now);
  StartMetric(sla, v1::SlaMetric::RESOLUTION, running, now);
  ApplyRule(sla, rule, now);
  return sla;
}

SlaOutcome OnStatusChange(v1::TicketSla& sla, const SlaRule* rule, v1::Ticket::Status from,
                          v1::Ticket::Status to, absl::Time now) {
  if (to == v1::Ticket::SOLVED) {
    for (v1::SlaMetric& metric : *sla.mutable_metrics()) {
      Finish(metric,
             metric.kind() == v1::SlaMetric::RESOLUTION ? v1::SlaMetric::FULFILLED
                                                        : v1::SlaMetric::STOPPED,
             now);
    }
  } else if (to == v1::Ticket::CLOSED) {
    for (v1::SlaMetric& metric : *sla.mutable_metrics()) {
      Finish(metric, v1::SlaMetric::STOPPED, now);
    }
  } else {
    if (from == v1::Ticket::SOLVED) {
      // A reopen: resolution goes on from the business time it had.
      v1::SlaMetric* resolution = Metric(sla, v1::SlaMetric::RESOLUTION);
      if (resolution != nullptr && resolution->stage() == v1::SlaMetric::FULFILLED) {
        resolution->set_stage(v1::SlaMetric::PAUSED);
        resolution->clear_fulfill_time();
      }
    }
    const bool running = SlaClockRuns(to);
    for (v1::SlaMetric& metric : *sla.mutable_metrics()) {
      if (running) {
        Resume(metric, now);
      } else {
        Pause(metric, now);
      }
    }
  }
  return ApplyRule(sla, rule, now);
}

SlaOutcome OnAgentReply(v1::TicketSla& sla, const SlaRule* rule, absl::Time now) {
  for (v1::SlaMetric& metric : *sla.mutable_metrics()) {
    if (metric.kind() == v1::SlaMetric::FIRST_RESPONSE ||
        metric.kind() == v1::SlaMetric::NEXT_RESPONSE) {
      Finish(metric, v1::SlaMetric::FULFILLED, now);
    }
  }
  return ApplyRule(sla, rule, now);
}

SlaOutcome OnCustomerMessage(v1::TicketSla& sla, const SlaRule* rule, v1::Ticket::Status status,
                             absl::Time now) {
  const v1::SlaMetric* first = Metric(sla, v1::SlaMetric::FIRST_RESPONSE);
  const v1::SlaMetric* next = Metric(sla, v1::SlaMetric::NEXT_RESPONSE);
  const bool waiting_already =
      (first != nullptr && IsOpen(*first)) || (next != nullptr && IsOpen(*next));
  if (!waiting_already && status != v1::Ticket::SOLVED && status != v1::Ticket::CLOSED) {
    StartMetric(sla, v1::SlaMetric::NEXT_RESPONSE, SlaClockRuns(status), now);
  }
  return ApplyRule(sla, rule, now);
}

std::vector<v1::SlaMetric::Kind> DueBreaches(const v1::TicketSla& sla, absl::Time now) {
  std::vector<v1::SlaMetric::Kind> due;
  for (const v1::SlaMetric& metric : sla.metrics()) {
    if (metric.stage() == v1::SlaMetric::RUNNING && metric.has_due_time() && !metric.breached() &&
        FromProtoTime(metric.due_time()) < now) {
      due.push_back(metric.kind());
    }
  }
  return due;
}

SlaOutcome MarkBreaches(v1::TicketSla& sla, absl::Time now) {
  SlaOutcome outcome;
  outcome.newly_breached = DueBreaches(sla, now);
  for (v1::SlaMetric::Kind kind : outcome.newly_breached) {
    v1::SlaMetric& metric = *Metric(sla, kind);
    metric.set_breached(true);
    *metric.mutable_breach_time() = metric.due_time();
  }
  return outcome;
}

bool IsAtRisk(const v1::TicketSla& sla, absl::Time now, absl::Duration window) {
  for (const v1::SlaMetric& metric : sla.metrics()) {
    if (metric.stage() == v1::SlaMetric::RUNNING && metric.has_due_time() && !metric.breached() &&
        FromProtoTime(metric.due_time()) <= now + window) {
      return true;
    }
  }
  return false;
}

std::optional<absl::Time> NextDueTime(const v1::TicketSla& sla) {
  std::optional<absl::Time> next;
  for (const v1::SlaMetric& metric : sla.metrics()) {
    if (metric.stage() != v1::SlaMetric::RUNNING || !metric.has_due_time() || metric.breached()) {
      continue;
    }
    const absl::Time due = FromProtoTime(metric.due_time());
    if (!next.has_value() || due < *next) next = due;
  }
  return next;
}

bool HasBreach(const v1::TicketSla& sla) {
  return std::any_of(sla.metrics().begin(), sla.metrics().end(),
                     [](const v1::SlaMetric& metric) { return metric.breached(); });
}

const v1::SlaMetric* FindMetric(const v1::TicketSla& sla, v1::SlaMetric::Kind kind) {
  for (const v1::SlaMetric& metric : sla.metrics()) {
    if (metric.kind() == kind) return &metric;
  }
  return nullptr;
}

v1::SlaExplanation ExplainSla(const v1::TicketSla& sla, const std::vector<SlaRule>& rules,
                              const TicketFacts& facts, absl::Time now) {
  v1::SlaExplanation explanation;
  *explanation.mutable_evaluate_time() = ToProtoTime(now);
  for (const SlaRule& rule : rules) {
    v1::SlaExplanation::PolicyCheck& check = *explanation.add_policy_checks();
    check.set_policy(rule.policy.name());
    check.set_display_name(rule.policy.display_name());
    for (std::string& mismatch : PolicyMismatches(rule.policy, facts)) {
      check.add_mismatches(std::move(mismatch));
    }
    check.set_matched(check.mismatches().empty());
    if (check.matched()) break;
  }

  // The state is explained in the calendar of the policy it names.
  const SlaRule* rule = nullptr;
  for (const SlaRule& candidate : rules) {
    if (!sla.policy().empty() && candidate.policy.name() == sla.policy()) rule = &candidate;
  }
  static const BusinessCalendar kAroundTheClock = BusinessCalendar::AroundTheClock();
  const BusinessCalendar& calendar = rule != nullptr ? rule->calendar : kAroundTheClock;
  explanation.set_policy(sla.policy());
  explanation.set_calendar(calendar.name());
  explanation.set_time_zone(calendar.time_zone_name());
  const std::string where = calendar.around_the_clock()
                                ? std::string("around the clock (24x7)")
                                : absl::StrCat("business hours of ", calendar.name(), " (",
                                               calendar.time_zone_name(), ")");

  for (const v1::SlaMetric& metric : sla.metrics()) {
    v1::SlaExplanation::MetricExplanation& out = *explanation.add_metrics();
    out.set_kind(metric.kind());
    out.set_stage(metric.stage());
    if (metric.has_target()) *out.mutable_target() = metric.target();
    *out.mutable_start_time() = metric.start_time();
    std::vector<absl::CivilDay> holidays;
    absl::Duration counted = FromProtoDuration(metric.folded_business_time());
    std::optional<absl::Time> previous_end;
    for (const v1::SlaMetric::Period& period : metric.running_periods()) {
      const absl::Time start = FromProtoTime(period.start_time());
      const absl::Time end = period.has_end_time() ? FromProtoTime(period.end_time()) : now;
      if (previous_end.has_value()) {
        v1::SlaMetric::Period& paused = *out.add_paused_periods();
        *paused.mutable_start_time() = ToProtoTime(*previous_end);
        *paused.mutable_end_time() = period.start_time();
      }
      previous_end = end;
      v1::SlaExplanation::CountedPeriod& counted_period = *out.add_counted_periods();
      *counted_period.mutable_start_time() = period.start_time();
      *counted_period.mutable_end_time() = ToProtoTime(end);
      const absl::Duration inside = calendar.BusinessTimeBetween(start, end, &holidays);
      *counted_period.mutable_business_time() = ToProtoDuration(inside);
      counted += inside;
    }
    *out.mutable_business_time() = ToProtoDuration(counted);
    if (metric.has_fulfill_time()) *out.mutable_fulfill_time() = metric.fulfill_time();
    out.set_breached(metric.breached());
    std::string summary = absl::StrCat(v1::SlaMetric::Kind_Name(metric.kind()), ": ",
                                       v1::SlaMetric::Stage_Name(metric.stage()), "; ");
    if (!metric.has_target()) {
      absl::StrAppend(&summary, "no target under ",
                      sla.policy().empty() ? "any policy" : sla.policy(), "; counted ",
                      absl::FormatDuration(counted), " of ", where, ".");
      out.set_summary(std::move(summary));
    } else {
      const absl::Duration target = FromProtoDuration(metric.target());
      const absl::Duration remaining = std::max(absl::ZeroDuration(), target - counted);
      *out.mutable_remaining() = ToProtoDuration(remaining);
      std::optional<absl::Time> due;
      if (metric.has_due_time()) due = FromProtoTime(metric.due_time());
      if (metric.stage() == v1::SlaMetric::RUNNING && !due.has_value() &&
          remaining > absl::ZeroDuration()) {
        due = calendar.AddBusinessTime(now, remaining, &holidays);
      } else if (metric.stage() == v1::SlaMetric::RUNNING && remaining > absl::ZeroDuration()) {
        // Collects the holidays between now and the due time as well.
        calendar.AddBusinessTime(now, remaining, &holidays);
      }
      if (!due.has_value() && metric.breached()) due = FromProtoTime(metric.breach_time());
      if (due.has_value()) *out.mutable_due_time() = ToProtoTime(*due);
      absl::StrAppend(&summary, "target ", absl::FormatDuration(target), " of ", where,
                      ", counted from ", LocalTime(FromProtoTime(metric.start_time()), calendar),
                      "; ", absl::FormatDuration(counted), " counted in ",
                      metric.running_periods_size(), " running period(s), ",
                      out.paused_periods_size(), " pause(s)");
      std::sort(holidays.begin(), holidays.end());
      holidays.erase(std::unique(holidays.begin(), holidays.end()), holidays.end());
      if (!holidays.empty())
        absl::StrAppend(&summary, ", ", holidays.size(), " holiday(s) skipped");
      if (metric.stage() == v1::SlaMetric::RUNNING && due.has_value()) {
        absl::StrAppend(&summary, "; ", absl::FormatDuration(remaining), " left, due ",
                        LocalTime(*due, calendar));
      } else if (metric.stage() == v1::SlaMetric::PAUSED) {
        absl::StrAppend(&summary, "; paused with ", absl::FormatDuration(remaining),
                        " left (no due time while paused)");
      }
      if (metric.breached()) {
        absl::StrAppend(&summary, "; breached at ",
                        LocalTime(FromProtoTime(metric.breach_time()), calendar));
      }
      if (metric.has_fulfill_time()) {
        absl::StrAppend(&summary, "; fulfilled at ",
                        LocalTime(FromProtoTime(metric.fulfill_time()), calendar));
      }
      absl::StrAppend(&summary, ".");
      out.set_summary(std::move(summary));
    }
    std::sort(holidays.begin(), holidays.end());
    holidays.erase(std::unique(holidays.begin(), holidays.end()), holidays.end());
    for (absl::CivilDay day : holidays) out.add_holidays_skipped(absl::FormatCivilTime(day));
  }
  return explanation;
}

}  // namespace tandem::support
