// The rules of playbooks and CTAs, apart from storage: which playbooks fire
// for an account at a review (and for which occurrence, so each fires once),
// the built-in defaults, validation, the CTA's snooze and de-duplication
// rules, and who an outreach message goes to.
#ifndef TANDEM_SERVICES_SUCCESS_PLAYBOOK_RULES_H_
#define TANDEM_SERVICES_SUCCESS_PLAYBOOK_RULES_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "services/success/account_signals.h"
#include "tandem/success/v1/playbook.pb.h"

namespace tandem::success {

// Longest occurrence key stored (the firings table's key column).
inline constexpr size_t kMaxOccurrenceKey = 191;

// How far back support signals and NPS responses count as "recent".
inline constexpr absl::Duration kPlaybookRecentWindow = absl::Hours(24 * 30);

// One playbook firing for one occurrence on one account: what to do for
// the account's tier. Exactly one of `cta`, `program` and `template_id` is
// set, matching `tier`.
struct PlaybookFiring {
  std::string playbook;  // resource name, `playbooks/{id}`
  std::string playbook_display_name;
  v1::Playbook::Trigger::Type trigger = v1::Playbook::Trigger::TYPE_UNSPECIFIED;
  // Identifies the occurrence, e.g. "support:tickets/01J…" or
  // "renewal:renewals/01J…:90d"; a playbook fires once per key ever.
  std::string occurrence_key;
  // A sentence saying what happened, for the CTA's reasons and messages.
  std::string reason;
  v1::TouchTier tier = v1::TOUCH_TIER_UNSPECIFIED;
  std::optional<v1::Playbook::CtaAction> cta;  // HIGH_TOUCH
  std::string program;                         // LOW_TOUCH
  std::string template_id;                     // TECH_TOUCH
  // Template variables for an outreach message (and context for others).
  std::map<std::string, std::string> variables;
};

// Returns what `playbooks` (the enabled ones of the account's tenant, in
// order) do for the account described by `signals` after the health
// review `health`. A playbook without an action for the account's tier does
// nothing; nothing fires for a CHURNED account. COMPLAINT_OR_ESCALATION may
// fire once per ticket (a complaint and an escalation on two tickets are
// two occurrences). The caller drops firings whose (playbook, occurrence)
// already fired.
std::vector<PlaybookFiring> EvaluatePlaybooks(const std::vector<v1::Playbook>& playbooks,
                                              const AccountSignals& signals,
                                              const HealthChange& health);

// The built-in playbooks a tenant gets when it has none (names, etags and
// times unset; `built_in` set). README.md lists them.
std::vector<v1::Playbook> DefaultPlaybooks();

// Checks the fields of `playbook` that `checked` names (all on create), as
// "playbook.<field>" violations. A playbook needs an action for at least
// one tier.
void CheckPlaybookFields(const v1::Playbook& playbook,
                         const std::function<bool(absl::string_view)>& checked,
                         FieldViolations& violations);

// Fills defaults the way a playbook is stored: the CTA action's priority
// MEDIUM when unset, trimmed names.
void NormalizePlaybook(v1::Playbook& playbook);

// Returns `cta` as it reads at `now`: a SNOOZED CTA whose `snooze_until`
// has passed is OPEN again (without `snooze_until`).
v1::Cta WithSnoozeExpired(v1::Cta cta, absl::Time now);

// Returns true for OPEN and SNOOZED: the CTA still counts as the account's
// open CTA of its type.
bool IsOpenCta(v1::Cta::Status status);

// Adds `reason` to an open CTA a firing merged into, raising its priority
// to the firing's if higher and pulling its due time earlier if the firing
// wants it sooner. A snoozed CTA wakes: the new reason is news its owner
// must see. Returns the names of the fields that changed ("reasons",
// "priority", "due_time", "status", "snooze_until").
std::vector<std::string> MergeFiring(v1::Cta& cta, const v1::CtaReason& reason,
                                     v1::Cta::Priority priority,
                                     std::optional<absl::Time> due_time);

// A contact of the account, as the contacts table holds it.
struct OutreachContact {
  std::string id;
  std::string display_name;
  std::string email;
  std::string roles;  // comma-separated role names, e.g. "CHAMPION,USER"
};

// Chooses who an outreach message goes to: contacts with an e-mail
// address, champions first, then decision makers, executive sponsors and
// the rest (each group in the given order), at most `limit`.
std::vector<v1::OutreachRecipient> ChooseRecipients(const std::string& account_name,
                                                    const std::vector<OutreachContact>& contacts,
                                                    size_t limit = 20);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_PLAYBOOK_RULES_H_
