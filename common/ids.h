// Opaque, time-ordered identifiers.
#ifndef TANDEM_COMMON_IDS_H_
#define TANDEM_COMMON_IDS_H_

#include <string>

#include "absl/time/time.h"

namespace tandem {

// Returns a new 26-character ULID (Crockford base32): 48 bits of
// milliseconds since the epoch, then 80 random bits. Ids made later sort
// after ids made earlier; within one millisecond in one process they still
// increase.
std::string NewId();

// Same as NewId() but stamped with `now` (for tests and imported history).
std::string NewIdAt(absl::Time now);

// Returns true if `id` looks like an id made by NewId().
bool IsValidId(const std::string& id);

}  // namespace tandem

#endif  // TANDEM_COMMON_IDS_H_
