#include "services/success/opportunity_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "services/success/revenue_ledger.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxOwner = 128;
constexpr size_t kMaxCloseReason = 500;
// Expected close dates are plans: up to ten years ahead.
constexpr absl::Duration kMaxExpectedAhead = absl::Hours(24 * 3653);

bool IsClosed(v1::Opportunity::Stage stage) {
  return stage == v1::Opportunity::WON || stage == v1::Opportunity::LOST;
}

}  // namespace

const std::set<std::string>& UpdatableOpportunityFields() {
  static const auto* const kFields =
      new std::set<std::string>{"display_name",        "kind",  "stage",      "mrr_delta_minor",
                                "expected_close_time", "owner", "close_time", "close_reason"};
  return *kFields;
}

void CheckOpportunityFields(const v1::Opportunity& opportunity, const std::set<std::string>& paths,
                            bool creating, absl::Time now, FieldViolations& violations) {
  const auto checked = [&](const char* field) { return creating || paths.contains(field); };
  if (checked("display_name")) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(opportunity.display_name());
    if (trimmed.empty()) {
      violations.Add("opportunity.display_name", "is required");
    } else if (trimmed.size() > kMaxDisplayName) {
      violations.Add("opportunity.display_name",
                     absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
    }
  }
  if (checked("kind") && (opportunity.kind() == v1::Opportunity::KIND_UNSPECIFIED ||
                          !v1::Opportunity::Kind_IsValid(opportunity.kind()))) {
    violations.Add("opportunity.kind", "must be UPSELL or CROSS_SELL");
  }
  if (checked("stage")) {
    const v1::Opportunity::Stage stage = opportunity.stage();
    if (!v1::Opportunity::Stage_IsValid(stage) ||
        (!creating && stage == v1::Opportunity::STAGE_UNSPECIFIED)) {
      violations.Add("opportunity.stage",
                     "must be PROSPECTING, QUALIFIED, PROPOSAL, NEGOTIATION, WON or LOST");
    } else if (creating && IsClosed(stage)) {
      violations.Add("opportunity.stage",
                     "must be an open stage at creation; move it to WON or LOST with "
                     "UpdateOpportunity");
    }
  }
  if (checked("mrr_delta_minor") &&
      (opportunity.mrr_delta_minor() <= 0 || opportunity.mrr_delta_minor() > kMaxMrrMinor)) {
    violations.Add("opportunity.mrr_delta_minor",
                   absl::StrCat("must be positive and at most ", kMaxMrrMinor));
  }
  if (checked("expected_close_time") && opportunity.has_expected_close_time()) {
    const absl::Time t = FromProtoTime(opportunity.expected_close_time());
    if (t < EarliestEffectiveTime() || t > now + kMaxExpectedAhead) {
      violations.Add("opportunity.expected_close_time",
                     "must be between 2000-01-01 and ten years from now");
    }
  }
  if (checked("owner") && opportunity.owner().size() > kMaxOwner) {
    violations.Add("opportunity.owner", absl::StrCat("must be at most ", kMaxOwner, " bytes"));
  }
  if (!creating && paths.contains("close_time") && opportunity.has_close_time()) {
    const absl::Time t = FromProtoTime(opportunity.close_time());
    if (t < EarliestEffectiveTime()) {
      violations.Add("opportunity.close_time", "must not be before 2000-01-01T00:00:00Z");
    } else if (t > now + kMaxFutureEffectiveTime) {
      violations.Add("opportunity.close_time", "must not be more than a day in the future");
    }
  }
  if (checked("close_reason") && opportunity.close_reason().size() > kMaxCloseReason) {
    violations.Add("opportunity.close_reason",
                   absl::StrCat("must be at most ", kMaxCloseReason, " bytes"));
  }
}

v1::Opportunity NewOpportunity(const v1::Opportunity& requested, const std::string& name,
                               absl::Time now) {
  v1::Opportunity opportunity;
  opportunity.set_name(name);
  opportunity.set_display_name(std::string(absl::StripAsciiWhitespace(requested.display_name())));
  opportunity.set_kind(requested.kind());
  opportunity.set_stage(requested.stage() == v1::Opportunity::STAGE_UNSPECIFIED
                            ? v1::Opportunity::PROSPECTING
                            : requested.stage());
  opportunity.set_mrr_delta_minor(requested.mrr_delta_minor());
  if (requested.has_expected_close_time()) {
    *opportunity.mutable_expected_close_time() = requested.expected_close_time();
  }
  opportunity.set_owner(requested.owner());
  opportunity.set_close_reason(requested.close_reason());
  *opportunity.mutable_create_time() = ToProtoTime(now);
  *opportunity.mutable_update_time() = ToProtoTime(now);
  return opportunity;
}

absl::StatusOr<OpportunityUpdate> DecideOpportunityUpdate(const v1::Opportunity& current,
                                                          const v1::Opportunity& requested,
                                                          const std::set<std::string>& paths,
                                                          absl::Time now,
                                                          const std::string& next_etag) {
  if (IsClosed(current.stage())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "opportunity ", current.name(), " is ", v1::Opportunity::Stage_Name(current.stage()),
        ", which is final; create a new opportunity instead"));
  }
  OpportunityUpdate update;
  update.opportunity = current;
  v1::Opportunity& after = update.opportunity;
  const auto changed = [&](const std::string& field, bool differs) {
    if (differs) update.changed_fields.push_back(field);
  };
  if (paths.contains("display_name")) {
    const std::string name(absl::StripAsciiWhitespace(requested.display_name()));
    changed("display_name", name != current.display_name());
    after.set_display_name(name);
  }
  if (paths.contains("kind")) {
    changed("kind", requested.kind() != current.kind());
    after.set_kind(requested.kind());
  }
  if (paths.contains("stage")) {
    changed("stage", requested.stage() != current.stage());
    after.set_stage(requested.stage());
  }
  if (paths.contains("mrr_delta_minor")) {
    changed("mrr_delta_minor", requested.mrr_delta_minor() != current.mrr_delta_minor());
    after.set_mrr_delta_minor(requested.mrr_delta_minor());
  }
  if (paths.contains("expected_close_time")) {
    const bool differs =
        requested.has_expected_close_time() != current.has_expected_close_time() ||
        (requested.has_expected_close_time() && FromProtoTime(requested.expected_close_time()) !=
                                                    FromProtoTime(current.expected_close_time()));
    changed("expected_close_time", differs);
    if (requested.has_expected_close_time()) {
      *after.mutable_expected_close_time() = requested.expected_close_time();
    } else {
      after.clear_expected_close_time();
    }
  }
  if (paths.contains("owner")) {
    changed("owner", requested.owner() != current.owner());
    after.set_owner(requested.owner());
  }
  if (paths.contains("close_reason")) {
    changed("close_reason", requested.close_reason() != current.close_reason());
    after.set_close_reason(requested.close_reason());
  }
  const bool closing = IsClosed(after.stage());
  if (paths.contains("close_time") && requested.has_close_time() && !closing) {
    return InvalidField("opportunity.close_time",
                        "may only be set on the update that moves the opportunity to WON or LOST");
  }
  if (closing) {
    *after.mutable_close_time() = paths.contains("close_time") && requested.has_close_time()
                                      ? requested.close_time()
                                      : ToProtoTime(now);
    update.changed_fields.push_back("close_time");
    update.won = after.stage() == v1::Opportunity::WON;
  }
  if (!update.changed_fields.empty()) {
    *after.mutable_update_time() = ToProtoTime(now);
    after.set_etag(next_etag);
  }
  return update;
}

}  // namespace tandem::success
