#include "services/success/revenue_ledger.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxReason = 500;

std::string TypeName(v1::MrrMovement::Type type) { return v1::MrrMovement::Type_Name(type); }

bool IsPositiveType(v1::MrrMovement::Type type) {
  return type == v1::MrrMovement::NEW || type == v1::MrrMovement::EXPANSION ||
         type == v1::MrrMovement::CROSS_SELL || type == v1::MrrMovement::REACTIVATION;
}

}  // namespace

absl::Time EarliestEffectiveTime() {
  return absl::FromCivil(absl::CivilDay(2000, 1, 1), absl::UTCTimeZone());
}

void CheckMovementFields(const v1::MrrMovement& movement, absl::Time now, absl::string_view prefix,
                         FieldViolations& violations) {
  const auto field = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  const v1::MrrMovement::Type type = movement.type();
  if (type == v1::MrrMovement::TYPE_UNSPECIFIED || !v1::MrrMovement::Type_IsValid(type)) {
    violations.Add(field("type"),
                   "must be NEW, EXPANSION, CROSS_SELL, CONTRACTION, CHURN or REACTIVATION");
  } else {
    const int64_t delta = movement.mrr_delta_minor();
    if (delta > kMaxMrrMinor || delta < -kMaxMrrMinor) {
      violations.Add(field("mrr_delta_minor"),
                     absl::StrCat("must be between -", kMaxMrrMinor, " and ", kMaxMrrMinor));
    } else if (IsPositiveType(type) && delta <= 0) {
      violations.Add(field("mrr_delta_minor"),
                     absl::StrCat("must be positive for ", TypeName(type)));
    } else if (type == v1::MrrMovement::CONTRACTION && delta >= 0) {
      violations.Add(field("mrr_delta_minor"), "must be negative for CONTRACTION");
    } else if (type == v1::MrrMovement::CHURN && delta > 0) {
      violations.Add(field("mrr_delta_minor"),
                     "must be 0 (the whole MRR) or minus the account's MRR for CHURN");
    }
  }
  if (!movement.has_effective_time()) {
    violations.Add(field("effective_time"), "is required");
  } else {
    const absl::Time effective = FromProtoTime(movement.effective_time());
    if (effective < EarliestEffectiveTime()) {
      violations.Add(field("effective_time"), "must not be before 2000-01-01T00:00:00Z");
    } else if (effective > now + kMaxFutureEffectiveTime) {
      violations.Add(field("effective_time"), "must not be more than a day in the future");
    }
  }
  if (movement.reason().size() > kMaxReason) {
    violations.Add(field("reason"), absl::StrCat("must be at most ", kMaxReason, " bytes"));
  }
}

absl::StatusOr<MovementOutcome> ApplyMovement(const LedgerState& state,
                                              const v1::MrrMovement& movement) {
  const v1::MrrMovement::Type type = movement.type();
  const absl::Time effective = FromProtoTime(movement.effective_time());
  if (state.latest_effective_time.has_value() && effective < *state.latest_effective_time) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the account's latest movement is effective at ",
        absl::FormatTime(absl::RFC3339_full, *state.latest_effective_time, absl::UTCTimeZone()),
        ", after this one (", absl::FormatTime(absl::RFC3339_full, effective, absl::UTCTimeZone()),
        "); record an account's movements oldest first"));
  }
  const bool churned = state.stage == v1::Account::CHURNED;
  const bool active = !churned && state.mrr_minor > 0;
  MovementOutcome outcome;
  outcome.mrr_before_minor = state.mrr_minor;
  outcome.delta_minor = movement.mrr_delta_minor();
  outcome.stage_after = state.stage;
  switch (type) {
    case v1::MrrMovement::NEW:
      if (state.has_movements) {
        return absl::FailedPreconditionError(
            "NEW is only for an account's first revenue and this account already has movements; "
            "record EXPANSION or CROSS_SELL (or REACTIVATION if it churned)");
      }
      break;
    case v1::MrrMovement::EXPANSION:
    case v1::MrrMovement::CROSS_SELL:
    case v1::MrrMovement::CONTRACTION:
      if (churned) {
        return absl::FailedPreconditionError(
            absl::StrCat("the account has churned; record REACTIVATION before ", TypeName(type)));
      }
      if (!active) {
        return absl::FailedPreconditionError(
            absl::StrCat("the account has no revenue yet; record NEW before ", TypeName(type)));
      }
      if (type == v1::MrrMovement::CONTRACTION && state.mrr_minor + outcome.delta_minor <= 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "CONTRACTION of ", -outcome.delta_minor, " would take the MRR of ", state.mrr_minor,
            " to zero or below; record CHURN to end the account's revenue"));
      }
      break;
    case v1::MrrMovement::CHURN:
      if (churned) return absl::FailedPreconditionError("the account has already churned");
      if (!active) {
        return absl::FailedPreconditionError("the account has no revenue to churn");
      }
      if (outcome.delta_minor != 0 && outcome.delta_minor != -state.mrr_minor) {
        return absl::FailedPreconditionError(absl::StrCat(
            "CHURN takes the whole MRR (", state.mrr_minor, "); send mrr_delta_minor 0 or -",
            state.mrr_minor, ", or record CONTRACTION for part of it"));
      }
      outcome.delta_minor = -state.mrr_minor;
      outcome.stage_after = v1::Account::CHURNED;
      outcome.churned = true;
      break;
    case v1::MrrMovement::REACTIVATION:
      if (!churned) {
        return absl::FailedPreconditionError(
            "only a churned account can be reactivated; record NEW, EXPANSION or CROSS_SELL");
      }
      outcome.stage_after = kStageAfterReactivation;
      outcome.reactivated = true;
      break;
    default:
      return absl::InvalidArgumentError("unknown movement type");
  }
  outcome.mrr_after_minor = state.mrr_minor + outcome.delta_minor;
  if (outcome.mrr_after_minor > kMaxMrrMinor) {
    return absl::FailedPreconditionError(
        absl::StrCat("the MRR would exceed the ledger's limit of ", kMaxMrrMinor));
  }
  return outcome;
}

}  // namespace tandem::success
