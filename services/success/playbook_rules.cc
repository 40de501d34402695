#include "services/success/playbook_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/proto_time.h"
#include "common/resources.h"

namespace tandem::success {
namespace {

using Trigger = v1::Playbook::Trigger;

constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxDescription = 1000;
constexpr size_t kMaxProgram = 200;
constexpr size_t kMaxTemplate = 100;
constexpr int32_t kMaxDueInDays = 365;
constexpr int32_t kMaxWithinDays = 730;

std::string Day(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Days since the epoch, divided into periods of `days`: a trigger that
// stays true (usage down, seats full) fires once per period.
int64_t Period(absl::Time t, int64_t days) { return absl::ToUnixSeconds(t) / (86400 * days); }

bool Recent(const std::optional<absl::Time>& t, absl::Time now) {
  return t.has_value() && *t > now - kPlaybookRecentWindow && *t <= now + absl::Hours(24);
}

std::string BandName(v1::HealthBand band) { return v1::HealthBand_Name(band); }

// The firing of `playbook` for the tier in `signals`, if it has an action
// for that tier; empty otherwise.
std::optional<PlaybookFiring> FiringFor(const v1::Playbook& playbook,
                                        const AccountSignals& signals) {
  PlaybookFiring firing;
  firing.playbook = playbook.name();
  firing.playbook_display_name = playbook.display_name();
  firing.trigger = playbook.trigger().type();
  firing.tier = signals.account.tier;
  switch (signals.account.tier) {
    case v1::HIGH_TOUCH:
      if (!playbook.has_high_touch() || playbook.high_touch().type() == v1::Cta::TYPE_UNSPECIFIED) {
        return std::nullopt;
      }
      firing.cta = playbook.high_touch();
      break;
    case v1::LOW_TOUCH:
      if (playbook.low_touch().program().empty()) return std::nullopt;
      firing.program = playbook.low_touch().program();
      break;
    case v1::TECH_TOUCH:
      if (playbook.tech_touch().template_id().empty()) return std::nullopt;
      firing.template_id = playbook.tech_touch().template_id();
      break;
    default:
      return std::nullopt;
  }
  const AccountFacts& account = signals.account;
  firing.variables["account"] = ResourceName("accounts", account.account_id);
  firing.variables["account_name"] = account.display_name;
  firing.variables["owner"] = account.owner;
  firing.variables["plan"] = account.plan;
  firing.variables["trigger"] = Trigger::Type_Name(playbook.trigger().type());
  return firing;
}

// Adds `firing` for `key` and `reason` to `out`.
void Fire(PlaybookFiring firing, std::string key, std::string reason,
          std::vector<PlaybookFiring>& out) {
  if (key.size() > kMaxOccurrenceKey) key.resize(kMaxOccurrenceKey);
  firing.occurrence_key = std::move(key);
  firing.variables["reason"] = reason;
  firing.reason = std::move(reason);
  out.push_back(std::move(firing));
}

void EvaluateOne(const v1::Playbook& playbook, const AccountSignals& signals,
                 const HealthChange& health, std::vector<PlaybookFiring>& out) {
  const absl::Time now = signals.as_of;
  const Trigger& trigger = playbook.trigger();
  // Checked before building the firing: most playbooks do not fire.
  auto firing = [&]() { return FiringFor(playbook, signals); };
  switch (trigger.type()) {
    case Trigger::HEALTH_BAND_DROPPED: {
      if (health.previous_band == v1::HEALTH_BAND_UNSPECIFIED ||
          health.band == v1::HEALTH_BAND_UNSPECIFIED || health.band >= health.previous_band) {
        return;
      }
      auto f = firing();
      if (!f) return;
      f->variables["previous_band"] = BandName(health.previous_band);
      f->variables["band"] = BandName(health.band);
      f->variables["score"] = absl::StrCat(health.score);
      std::string reason = absl::StrCat("Health fell from ", BandName(health.previous_band), " to ",
                                        BandName(health.band));
      if (health.previous_score.has_value()) {
        absl::StrAppend(&reason, " (score ", *health.previous_score, " to ", health.score, ")");
      } else {
        absl::StrAppend(&reason, " (score ", health.score, ")");
      }
      Fire(std::move(*f),
           absl::StrCat("band:", BandName(health.previous_band), ">", BandName(health.band), ":",
                        Day(now)),
           std::move(reason), out);
      return;
    }
    case Trigger::USAGE_DROPPED: {
      const int64_t before = signals.usage.usage_prior_30d;
      const int64_t after = signals.usage.usage_last_30d;
      if (before <= 0 || after >= before) return;
      const int64_t drop = (before - after) * 100 / before;
      if (drop < trigger.threshold_percent()) return;
      auto f = firing();
      if (!f) return;
      f->variables["usage_drop_percent"] = absl::StrCat(drop);
      Fire(std::move(*f),
           absl::StrCat("usage_drop:", trigger.threshold_percent(), ":", Period(now, 30)),
           absl::StrCat("Usage fell ", drop, "% in the last 30 days (", after, " against ", before,
                        " in the 30 days before)"),
           out);
      return;
    }
    case Trigger::RENEWAL_DUE: {
      std::optional<absl::Time> due = signals.lifecycle.next_renewal_time;
      std::string what = signals.lifecycle.next_renewal;
      if (!due.has_value()) {
        due = signals.account.renewal_time;
        what = "contract";
      }
      if (!due.has_value() || *due < now || *due > now + absl::Hours(24) * trigger.within_days()) {
        return;
      }
      auto f = firing();
      if (!f) return;
      const int64_t days = absl::ToInt64Hours(*due - now) / 24;
      f->variables["renewal_time"] = Rfc3339(*due);
      f->variables["days_to_renewal"] = absl::StrCat(days);
      if (what != "contract") f->variables["renewal"] = what;
      Fire(std::move(*f),
           absl::StrCat("renewal:", what == "contract" ? Rfc3339(*due) : what, ":",
                        trigger.within_days(), "d"),
           absl::StrCat("Renewal due ", Day(*due), ", in ", days, " days"), out);
      return;
    }
    case Trigger::NPS_DETRACTOR: {
      const EngagementSignals& engagement = signals.engagement;
      if (!engagement.latest_nps.has_value() || *engagement.latest_nps > 6) return;
      if (engagement.latest_nps_time.has_value() && !Recent(engagement.latest_nps_time, now)) {
        return;
      }
      auto f = firing();
      if (!f) return;
      f->variables["nps_score"] = absl::StrCat(*engagement.latest_nps);
      if (!engagement.latest_nps_response.empty()) {
        f->variables["nps_response"] = engagement.latest_nps_response;
      }
      const std::string key =
          !engagement.latest_nps_response.empty()  ? engagement.latest_nps_response
          : engagement.latest_nps_time.has_value() ? Rfc3339(*engagement.latest_nps_time)
                                                   : Day(now);
      Fire(std::move(*f), absl::StrCat("nps:", key),
           absl::StrCat("NPS detractor: scored ", *engagement.latest_nps, " out of 10"), out);
      return;
    }
    case Trigger::COMPLAINT_OR_ESCALATION: {
      const SupportSignals& support = signals.support;
      struct Event {
        bool recent;
        const std::string& ticket;
        const std::optional<absl::Time>& time;
        const char* what;
      };
      const Event events[] = {
          {Recent(support.last_complaint_time, now), support.last_complaint_ticket,
           support.last_complaint_time, "COMPLAINT ticket"},
          {Recent(support.last_escalation_time, now), support.last_escalation_ticket,
           support.last_escalation_time, "Escalation of ticket"},
      };
      std::vector<std::string> keys;
      for (const Event& event : events) {
        if (!event.recent) continue;
        // One occurrence per ticket: a complaint that is also escalated
        // fires once.
        std::string key =
            absl::StrCat("support:", event.ticket.empty() ? Rfc3339(*event.time) : event.ticket);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
        auto f = firing();
        if (!f) return;
        keys.push_back(key);
        f->variables["ticket"] = event.ticket;
        Fire(std::move(*f), std::move(key),
             absl::StrCat(event.what, event.ticket.empty() ? "" : " ", event.ticket, " on ",
                          Day(*event.time)),
             out);
      }
      return;
    }
    case Trigger::SLA_BREACH_HIGH_TOUCH: {
      const SupportSignals& support = signals.support;
      if (signals.account.tier != v1::HIGH_TOUCH || !Recent(support.last_sla_breach_time, now)) {
        return;
      }
      auto f = firing();
      if (!f) return;
      f->variables["ticket"] = support.last_sla_breach_ticket;
      Fire(std::move(*f),
           absl::StrCat("sla_breach:", support.last_sla_breach_ticket.empty()
                                           ? Rfc3339(*support.last_sla_breach_time)
                                           : support.last_sla_breach_ticket),
           absl::StrCat("SLA breached on ticket ", support.last_sla_breach_ticket, " on ",
                        Day(*support.last_sla_breach_time)),
           out);
      return;
    }
    case Trigger::SEAT_UTILIZATION_ABOVE: {
      if (health.band != v1::GREEN) return;
      std::optional<double> ratio = signals.usage.active_seat_ratio;
      if (!ratio.has_value() && signals.account.seats_licensed > 0) {
        ratio =
            static_cast<double>(signals.usage.active_users_30d) / signals.account.seats_licensed;
      }
      if (!ratio.has_value()) return;
      const int64_t percent = std::llround(*ratio * 100);
      if (percent < trigger.threshold_percent()) return;
      auto f = firing();
      if (!f) return;
      f->variables["seat_utilization_percent"] = absl::StrCat(percent);
      Fire(std::move(*f), absl::StrCat("seats:", trigger.threshold_percent(), ":", Period(now, 90)),
           absl::StrCat("Seat utilisation at ", percent, "% (", signals.usage.active_users_30d,
                        " active users, ", signals.account.seats_licensed,
                        " seats) on a GREEN account"),
           out);
      return;
    }
    case Trigger::MILESTONE_OVERDUE: {
      const LifecycleSignals& lifecycle = signals.lifecycle;
      if (lifecycle.overdue_milestones <= 0) return;
      auto f = firing();
      if (!f) return;
      f->variables["milestone"] = lifecycle.first_overdue_milestone;
      f->variables["overdue_milestones"] = absl::StrCat(lifecycle.overdue_milestones);
      Fire(std::move(*f), absl::StrCat("milestone:", lifecycle.first_overdue_milestone),
           absl::StrCat(lifecycle.overdue_milestones, " onboarding milestone(s) overdue, first ",
                        lifecycle.first_overdue_milestone),
           out);
      return;
    }
    default:
      return;
  }
}

v1::Playbook Default(const std::string& display_name, const std::string& description,
                     Trigger::Type type, int32_t threshold, int32_t within_days,
                     v1::Cta::Type cta_type, v1::Cta::Priority priority, int32_t due_in_days,
                     const std::string& program, const std::string& template_id) {
  v1::Playbook playbook;
  playbook.set_display_name(display_name);
  playbook.set_description(description);
  playbook.mutable_trigger()->set_type(type);
  playbook.mutable_trigger()->set_threshold_percent(threshold);
  playbook.mutable_trigger()->set_within_days(within_days);
  if (cta_type != v1::Cta::TYPE_UNSPECIFIED) {
    playbook.mutable_high_touch()->set_type(cta_type);
    playbook.mutable_high_touch()->set_priority(priority);
    playbook.mutable_high_touch()->set_due_in_days(due_in_days);
  }
  if (!program.empty()) playbook.mutable_low_touch()->set_program(program);
  if (!template_id.empty()) playbook.mutable_tech_touch()->set_template_id(template_id);
  playbook.set_built_in(true);
  return playbook;
}

bool ValidTemplateId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxTemplate && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

int RoleRank(absl::string_view roles) {
  int best = 3;
  for (absl::string_view role : absl::StrSplit(roles, ',', absl::SkipWhitespace())) {
    role = absl::StripAsciiWhitespace(role);
    if (role == "CHAMPION") best = std::min(best, 0);
    if (role == "DECISION_MAKER") best = std::min(best, 1);
    if (role == "EXECUTIVE_SPONSOR") best = std::min(best, 2);
  }
  return best;
}

}  // namespace

std::vector<PlaybookFiring> EvaluatePlaybooks(const std::vector<v1::Playbook>& playbooks,
                                              const AccountSignals& signals,
                                              const HealthChange& health) {
  std::vector<PlaybookFiring> firings;
  if (signals.account.stage == v1::Account::CHURNED) return firings;
  for (const v1::Playbook& playbook : playbooks) {
    if (playbook.disabled()) continue;
    EvaluateOne(playbook, signals, health, firings);
  }
  return firings;
}

std::vector<v1::Playbook> DefaultPlaybooks() {
  using v1::Cta;
  return {
      Default("Health dropped",
              "The health band fell: the owner finds out why. No e-mail to tech-touch customers: "
              "the cause (complaint, usage drop, detractor) has its own playbook.",
              Trigger::HEALTH_BAND_DROPPED, 0, 0, Cta::RISK, Cta::HIGH, 3, "Success office hours",
              ""),
      Default("Usage dropped", "Usage of the last 30 days fell by 30% or more.",
              Trigger::USAGE_DROPPED, 30, 0, Cta::RISK, Cta::MEDIUM, 7, "Adoption webinar series",
              "usage-reengagement"),
      Default("Renewal coming", "The next renewal is due within 120 days.", Trigger::RENEWAL_DUE, 0,
              120, Cta::RENEWAL, Cta::HIGH, 14, "Renewal readiness webinar", "renewal-reminder"),
      Default("NPS detractor", "The newest NPS response scored 0 to 6.", Trigger::NPS_DETRACTOR, 0,
              0, Cta::RISK, Cta::HIGH, 3, "Success office hours", "detractor-follow-up"),
      Default("Complaint or escalation", "Support heard a complaint or escalated a ticket.",
              Trigger::COMPLAINT_OR_ESCALATION, 0, 0, Cta::RISK, Cta::HIGH, 2,
              "Success office hours", "support-follow-up"),
      Default("SLA breach on a high-touch account",
              "Support missed an SLA target for a high-touch account.",
              Trigger::SLA_BREACH_HIGH_TOUCH, 0, 0, Cta::RISK, Cta::URGENT, 1, "", ""),
      Default("Seats nearly full",
              "90% or more of the licensed seats are active on a GREEN "
              "account: time to talk about more seats.",
              Trigger::SEAT_UTILIZATION_ABOVE, 90, 0, Cta::EXPANSION, Cta::MEDIUM, 14,
              "Scaling your team webinar", "seat-upgrade-offer"),
      Default("Onboarding milestone overdue", "A milestone of the onboarding plan is overdue.",
              Trigger::MILESTONE_OVERDUE, 0, 0, Cta::ONBOARDING, Cta::MEDIUM, 5,
              "Onboarding group session", "onboarding-nudge"),
  };
}

void CheckPlaybookFields(const v1::Playbook& playbook,
                         const std::function<bool(absl::string_view)>& checked,
                         FieldViolations& violations) {
  if (checked("display_name")) {
    const absl::string_view name = absl::StripAsciiWhitespace(playbook.display_name());
    if (name.empty()) {
      violations.Add("playbook.display_name", "is required");
    } else if (name.size() > kMaxDisplayName) {
      violations.Add("playbook.display_name",
                     absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
    }
  }
  if (checked("description") && playbook.description().size() > kMaxDescription) {
    violations.Add("playbook.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
  const Trigger& trigger = playbook.trigger();
  if (checked("trigger")) {
    if (!playbook.has_trigger()) {
      violations.Add("playbook.trigger", "is required");
    } else if (!Trigger::Type_IsValid(trigger.type()) ||
               trigger.type() == Trigger::TYPE_UNSPECIFIED) {
      violations.Add("playbook.trigger.type", "must be a trigger type such as RENEWAL_DUE");
    } else {
      const int32_t threshold = trigger.threshold_percent();
      if (trigger.type() == Trigger::USAGE_DROPPED && (threshold < 1 || threshold > 100)) {
        violations.Add("playbook.trigger.threshold_percent", "must be 1 to 100 for USAGE_DROPPED");
      } else if (trigger.type() == Trigger::SEAT_UTILIZATION_ABOVE &&
                 (threshold < 1 || threshold > 1000)) {
        violations.Add("playbook.trigger.threshold_percent",
                       "must be 1 to 1000 for SEAT_UTILIZATION_ABOVE");
      } else if (trigger.type() != Trigger::USAGE_DROPPED &&
                 trigger.type() != Trigger::SEAT_UTILIZATION_ABOVE && threshold != 0) {
        violations.Add("playbook.trigger.threshold_percent",
                       "must be 0 except for USAGE_DROPPED and SEAT_UTILIZATION_ABOVE");
      }
      const int32_t days = trigger.within_days();
      if (trigger.type() == Trigger::RENEWAL_DUE && (days < 1 || days > kMaxWithinDays)) {
        violations.Add("playbook.trigger.within_days",
                       absl::StrCat("must be 1 to ", kMaxWithinDays, " for RENEWAL_DUE"));
      } else if (trigger.type() != Trigger::RENEWAL_DUE && days != 0) {
        violations.Add("playbook.trigger.within_days", "must be 0 except for RENEWAL_DUE");
      }
    }
  }
  if (checked("high_touch") && playbook.has_high_touch()) {
    const v1::Playbook::CtaAction& action = playbook.high_touch();
    if (!v1::Cta::Type_IsValid(action.type()) || action.type() == v1::Cta::TYPE_UNSPECIFIED) {
      violations.Add("playbook.high_touch.type",
                     "must be RISK, RENEWAL, EXPANSION, ONBOARDING or LIFECYCLE");
    }
    if (!v1::Cta::Priority_IsValid(action.priority())) {
      violations.Add("playbook.high_touch.priority", "must be LOW, MEDIUM, HIGH or URGENT");
    }
    if (action.due_in_days() < 0 || action.due_in_days() > kMaxDueInDays) {
      violations.Add("playbook.high_touch.due_in_days",
                     absl::StrCat("must be 0 to ", kMaxDueInDays));
    }
  }
  const bool high_touch_only = trigger.type() == Trigger::SLA_BREACH_HIGH_TOUCH;
  if (checked("low_touch") && playbook.has_low_touch()) {
    const absl::string_view program = absl::StripAsciiWhitespace(playbook.low_touch().program());
    if (program.empty() || program.size() > kMaxProgram) {
      violations.Add("playbook.low_touch.program",
                     absl::StrCat("must be 1 to ", kMaxProgram, " bytes"));
    } else if (high_touch_only) {
      violations.Add("playbook.low_touch",
                     "SLA_BREACH_HIGH_TOUCH fires only for HIGH_TOUCH accounts");
    }
  }
  if (checked("tech_touch") && playbook.has_tech_touch()) {
    if (!ValidTemplateId(playbook.tech_touch().template_id())) {
      violations.Add("playbook.tech_touch.template_id",
                     "must be 1 to 100 letters, digits, '-', '_' or '.'");
    } else if (high_touch_only) {
      violations.Add("playbook.tech_touch",
                     "SLA_BREACH_HIGH_TOUCH fires only for HIGH_TOUCH accounts");
    }
  }
  // Checked when every action is (a create, or an update's result).
  if (checked("high_touch") && checked("low_touch") && checked("tech_touch") &&
      !playbook.has_high_touch() && !playbook.has_low_touch() && !playbook.has_tech_touch()) {
    violations.Add("playbook.high_touch",
                   "a playbook needs an action for at least one tier (high_touch, low_touch or "
                   "tech_touch)");
  }
}

void NormalizePlaybook(v1::Playbook& playbook) {
  playbook.set_display_name(std::string(absl::StripAsciiWhitespace(playbook.display_name())));
  if (playbook.has_high_touch() &&
      playbook.high_touch().priority() == v1::Cta::PRIORITY_UNSPECIFIED) {
    playbook.mutable_high_touch()->set_priority(v1::Cta::MEDIUM);
  }
  if (playbook.has_low_touch()) {
    playbook.mutable_low_touch()->set_program(
        std::string(absl::StripAsciiWhitespace(playbook.low_touch().program())));
  }
}

v1::Cta WithSnoozeExpired(v1::Cta cta, absl::Time now) {
  if (cta.status() == v1::Cta::SNOOZED &&
      (!cta.has_snooze_until() || FromProtoTime(cta.snooze_until()) <= now)) {
    cta.set_status(v1::Cta::OPEN);
    cta.clear_snooze_until();
  }
  return cta;
}

bool IsOpenCta(v1::Cta::Status status) {
  return status == v1::Cta::OPEN || status == v1::Cta::SNOOZED;
}

std::vector<std::string> MergeFiring(v1::Cta& cta, const v1::CtaReason& reason,
                                     v1::Cta::Priority priority,
                                     std::optional<absl::Time> due_time) {
  std::vector<std::string> changed = {"reasons"};
  *cta.add_reasons() = reason;
  if (priority > cta.priority()) {
    cta.set_priority(priority);
    changed.push_back("priority");
  }
  if (due_time.has_value() && (!cta.has_due_time() || *due_time < FromProtoTime(cta.due_time()))) {
    *cta.mutable_due_time() = ToProtoTime(*due_time);
    changed.push_back("due_time");
  }
  if (cta.status() == v1::Cta::SNOOZED) {
    cta.set_status(v1::Cta::OPEN);
    cta.clear_snooze_until();
    changed.push_back("status");
    changed.push_back("snooze_until");
  }
  return changed;
}

std::vector<v1::OutreachRecipient> ChooseRecipients(const std::string& account_name,
                                                    const std::vector<OutreachContact>& contacts,
                                                    size_t limit) {
  std::vector<const OutreachContact*> usable;
  for (const OutreachContact& contact : contacts) {
    if (!contact.email.empty()) usable.push_back(&contact);
  }
  std::stable_sort(usable.begin(), usable.end(),
                   [](const OutreachContact* a, const OutreachContact* b) {
                     return RoleRank(a->roles) < RoleRank(b->roles);
                   });
  std::vector<v1::OutreachRecipient> recipients;
  for (const OutreachContact* contact : usable) {
    if (recipients.size() >= limit) break;
    v1::OutreachRecipient& recipient = recipients.emplace_back();
    recipient.set_contact(absl::StrCat(account_name, "/contacts/", contact->id));
    recipient.set_email(contact->email);
    recipient.set_display_name(contact->display_name);
    for (absl::string_view role : absl::StrSplit(contact->roles, ',', absl::SkipWhitespace())) {
      recipient.add_roles(std::string(absl::StripAsciiWhitespace(role)));
    }
  }
  return recipients;
}

}  // namespace tandem::success
