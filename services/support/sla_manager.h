// The rules of SLA configuration apart from transport and storage:
// validation, defaults, update masks and list planning for business
// calendars and SLA policies.
#ifndef TANDEM_SERVICES_SUPPORT_SLA_MANAGER_H_
#define TANDEM_SERVICES_SUPPORT_SLA_MANAGER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/support/sla_store.h"
#include "tandem/support/v1/sla.pb.h"

namespace tandem::support {

// Adds to `violations` everything wrong with `policy`'s own fields (not
// whether its calendar exists), as "<field>.<name>".
void ValidateSlaPolicy(const v1::SlaPolicy& policy, absl::string_view field,
                       FieldViolations& violations);

// Puts a valid policy in its stored form: display name trimmed, condition
// lists without duplicates and sorted.
void NormalizeSlaPolicy(v1::SlaPolicy& policy);

// Serves SlaService calls for one caller at a time.
class SlaManager {
 public:
  // `changed`, if given, is told the tenant whose policies or calendars a
  // call changed (the ticket store's rule cache forgets them).
  SlaManager(SlaStore* store, const PageTokenCodec* page_tokens, const Clock* clock,
             std::function<void(const std::string& tenant)> changed = nullptr)
      : store_(store), page_tokens_(page_tokens), clock_(clock), changed_(std::move(changed)) {}

  // See SlaService.CreateBusinessCalendar.
  absl::StatusOr<v1::BusinessCalendar> CreateBusinessCalendar(
      const Principal& caller, const v1::CreateBusinessCalendarRequest& request,
      absl::Time deadline);
  // See SlaService.GetBusinessCalendar.
  absl::StatusOr<v1::BusinessCalendar> GetBusinessCalendar(
      const Principal& caller, const v1::GetBusinessCalendarRequest& request, absl::Time deadline);
  // See SlaService.ListBusinessCalendars.
  absl::StatusOr<v1::ListBusinessCalendarsResponse> ListBusinessCalendars(
      const Principal& caller, const v1::ListBusinessCalendarsRequest& request,
      absl::Time deadline);
  // See SlaService.UpdateBusinessCalendar.
  absl::StatusOr<v1::BusinessCalendar> UpdateBusinessCalendar(
      const Principal& caller, const v1::UpdateBusinessCalendarRequest& request,
      absl::Time deadline);
  // See SlaService.DeleteBusinessCalendar.
  absl::Status DeleteBusinessCalendar(const Principal& caller,
                                      const v1::DeleteBusinessCalendarRequest& request,
                                      absl::Time deadline);

  // See SlaService.CreateSlaPolicy.
  absl::StatusOr<v1::SlaPolicy> CreateSlaPolicy(const Principal& caller,
                                                const v1::CreateSlaPolicyRequest& request,
                                                absl::Time deadline);
  // See SlaService.GetSlaPolicy.
  absl::StatusOr<v1::SlaPolicy> GetSlaPolicy(const Principal& caller,
                                             const v1::GetSlaPolicyRequest& request,
                                             absl::Time deadline);
  // See SlaService.ListSlaPolicies.
  absl::StatusOr<v1::ListSlaPoliciesResponse> ListSlaPolicies(
      const Principal& caller, const v1::ListSlaPoliciesRequest& request, absl::Time deadline);
  // See SlaService.UpdateSlaPolicy.
  absl::StatusOr<v1::SlaPolicy> UpdateSlaPolicy(const Principal& caller,
                                                const v1::UpdateSlaPolicyRequest& request,
                                                absl::Time deadline);
  // See SlaService.DeleteSlaPolicy.
  absl::Status DeleteSlaPolicy(const Principal& caller, const v1::DeleteSlaPolicyRequest& request,
                               absl::Time deadline);

 private:
  SlaStore* store_;
  const PageTokenCodec* page_tokens_;
  // Passes a write's result through, telling `changed_` when it succeeded.
  template <typename Result>
  Result Changed(const std::string& tenant, Result result) {
    if (result.ok() && changed_) changed_(tenant);
    return result;
  }

  const Clock* clock_;
  std::function<void(const std::string& tenant)> changed_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_SLA_MANAGER_H_
