// Small hashing and encoding helpers over OpenSSL.
#ifndef TANDEM_COMMON_CRYPTO_H_
#define TANDEM_COMMON_CRYPTO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace tandem {

// Returns the SHA-256 of `data` as 64 lower-case hex characters.
std::string Sha256Hex(absl::string_view data);

// Returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// Compares two strings in time that does not depend on where they differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// Returns `length` random bytes from the operating system's generator, as
// URL-safe base64 without padding (for secrets and keys).
std::string RandomToken(int length);

}  // namespace tandem

#endif  // TANDEM_COMMON_CRYPTO_H_
