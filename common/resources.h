// Resource names (`tickets/{id}`), etags and update masks.
#ifndef TANDEM_COMMON_RESOURCES_H_
#define TANDEM_COMMON_RESOURCES_H_

#include <cstdint>
#include <set>
#include <string>

#include <google/protobuf/field_mask.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status.h"

namespace tandem {

// Returns "<collection>/<id>".
std::string ResourceName(absl::string_view collection, absl::string_view id);

// Returns the id in `name`, which must be "<collection>/<id>" with an id made
// by NewId(). Otherwise INVALID_ARGUMENT on `field`. An id of the right
// shape that does not exist is the caller's NOT_FOUND to give.
absl::StatusOr<std::string> ParseResourceName(absl::string_view field,
                                              absl::string_view collection,
                                              absl::string_view name);

// Returns the last segment of `name`, the id of the resource it names:
// "parents/p1/children/c7" -> "c7". Unchecked, for names this system made
// (stored or from its own events); a name without '/' is returned whole.
// Requests' names go through ParseResourceName instead.
std::string ResourceIdOf(absl::string_view name);

// Returns the etag of a resource at `version` (a counter bumped on every
// change).
std::string EtagFor(absl::string_view id, int64_t version);

// Returns OK if `given` is empty or equals `current`, else ABORTED telling
// the caller to read the resource again.
absl::Status CheckEtag(absl::string_view given, absl::string_view current);

// Checks the mask of an update: it names at least one path and each is in
// `updatable` (violations on "update_mask", listing what may be updated).
// Returns the paths it names.
std::set<std::string> CheckUpdateMask(const google::protobuf::FieldMask& mask,
                                      const std::set<std::string>& updatable,
                                      FieldViolations& violations);

}  // namespace tandem

#endif  // TANDEM_COMMON_RESOURCES_H_
