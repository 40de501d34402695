// The rules of the revenue ledger, apart from storage: which movement an
// account's state allows, and what it does to the account's MRR and
// lifecycle stage. Pure functions, so every rule is unit-tested.
#ifndef TANDEM_SERVICES_SUCCESS_REVENUE_LEDGER_H_
#define TANDEM_SERVICES_SUCCESS_REVENUE_LEDGER_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::success {

// The largest MRR (and movement) the ledger takes, in minor units: 10^15,
// ten trillion in a two-decimal currency, far from int64 overflow.
inline constexpr int64_t kMaxMrrMinor = 1'000'000'000'000'000;

// The latest effective time the ledger takes, relative to now: a movement
// may be dated up to a day ahead (a change agreed today for tomorrow).
inline constexpr absl::Duration kMaxFutureEffectiveTime = absl::Hours(24);

// The earliest effective time the ledger takes: 2000-01-01T00:00:00Z.
absl::Time EarliestEffectiveTime();

// What the ledger knows about an account before a movement.
struct LedgerState {
  int64_t mrr_minor = 0;
  v1::Account::LifecycleStage stage = v1::Account::ONBOARDING;
  // Whether the account has any movement yet (NEW is only for the first).
  bool has_movements = false;
  // The effective time of the account's latest movement.
  std::optional<absl::Time> latest_effective_time;
};

// What recording a movement does to the account.
struct MovementOutcome {
  // The delta as stored (for CHURN, minus the MRR before).
  int64_t delta_minor = 0;
  int64_t mrr_before_minor = 0;
  int64_t mrr_after_minor = 0;
  v1::Account::LifecycleStage stage_after = v1::Account::ONBOARDING;
  // True for CHURN: the account's churn time and reason are set.
  bool churned = false;
  // True for REACTIVATION: the account's churn time and reason are cleared.
  bool reactivated = false;
};

// Adds a violation under `prefix` (e.g. "mrr_movement") for each field of
// `movement` that is wrong on its own, whatever the account's state: type,
// the sign and size of the delta, the effective time (set, not before
// 2000, not more than a day after `now`) and the reason's length.
void CheckMovementFields(const v1::MrrMovement& movement, absl::Time now, absl::string_view prefix,
                         FieldViolations& violations);

// Decides what `movement` (already field-checked) does to an account in
// `state`. FAILED_PRECONDITION, with a message saying what to record
// instead, when the account's state does not allow it:
//   NEW on an account that has movements; EXPANSION, CROSS_SELL or
//   CONTRACTION on one without revenue or churned; CONTRACTION to zero or
//   below; CHURN of a churned account or one without revenue, or with a
//   delta that is neither 0 nor minus the MRR; REACTIVATION of an account
//   that is not churned; any movement dated before the account's latest.
absl::StatusOr<MovementOutcome> ApplyMovement(const LedgerState& state,
                                              const v1::MrrMovement& movement);

// The stage a REACTIVATION returns an account to.
inline constexpr v1::Account::LifecycleStage kStageAfterReactivation = v1::Account::ADOPTION;

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_REVENUE_LEDGER_H_
