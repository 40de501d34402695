// Per-call facts learned inside a handler (the caller's tenant and subject)
// that the access-log interceptor reads when the call ends.
#ifndef TANDEM_COMMON_CALL_ANNOTATIONS_H_
#define TANDEM_COMMON_CALL_ANNOTATIONS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace tandem {

// What a handler learned about its call.
struct CallAnnotation {
  std::string tenant;
  std::string subject;
};

// A process-wide table keyed by the call's server context.
class CallAnnotations {
 public:
  // Records the tenant and subject of the call behind `key`.
  static void Set(const void* key, absl::string_view tenant, absl::string_view subject);
  // Returns and forgets what was recorded for `key` (empty if nothing).
  static CallAnnotation Take(const void* key);
};

}  // namespace tandem

#endif  // TANDEM_COMMON_CALL_ANNOTATIONS_H_
