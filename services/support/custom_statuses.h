// The rules of custom status labels as pure functions: what a valid label
// is, and what an update does to one.
#ifndef TANDEM_SERVICES_SUPPORT_CUSTOM_STATUSES_H_
#define TANDEM_SERVICES_SUPPORT_CUSTOM_STATUSES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tandem/support/v1/support_service.pb.h"

namespace tandem::support {

// The most labels a tenant may have; a short list agents can choose from.
inline constexpr int kMaxCustomStatuses = 100;

// Checks a create request: a category that can carry labels (OPEN,
// PENDING, ON_HOLD, SOLVED; NEW and CLOSED are states, not work), a label
// of 1-64 characters, a description of at most 500 bytes.
absl::Status ValidateCreateCustomStatus(const v1::CreateCustomStatusRequest& request);

// Checks an update request: a name, a mask of updatable fields, values.
absl::Status ValidateUpdateCustomStatus(const v1::UpdateCustomStatusRequest& request);

// Decides an update of `current`: etag checked, masked fields copied; the
// result keeps `current`'s etag when nothing changed.
absl::StatusOr<v1::CustomStatus> DecideCustomStatusUpdate(
    const v1::CustomStatus& current, const v1::UpdateCustomStatusRequest& request,
    absl::Time now, const std::string& next_etag);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_CUSTOM_STATUSES_H_
