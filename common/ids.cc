#include "common/ids.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <random>

#include "absl/time/clock.h"

namespace tandem {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The last id's time and randomness, so ids made within one millisecond
// keep increasing (the randomness is incremented instead of redrawn).
struct Generator {
  std::mutex mu;
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t last_ms = 0;
  uint64_t rand_hi = 0;  // top 16 of the 80 random bits
  uint64_t rand_lo = 0;  // low 64 of the 80 random bits
};

Generator& TheGenerator() {
  static auto* generator = new Generator;
  return *generator;
}

}  // namespace

std::string NewIdAt(absl::Time now) {
  Generator& g = TheGenerator();
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now)) & ((uint64_t{1} << 48) - 1);
  uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> lock(g.mu);
    if (ms <= g.last_ms) {
      ms = g.last_ms;
      if (++g.rand_lo == 0) g.rand_hi = (g.rand_hi + 1) & 0xFFFF;
    } else {
      g.last_ms = ms;
      g.rand_hi = g.rng() & 0xFFFF;
      g.rand_lo = g.rng();
    }
    hi = g.rand_hi;
    lo = g.rand_lo;
  }
  // 128 bits: 48 time | 16 hi | 64 lo, written as 26 base32 digits (130 bits).
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<uint8_t>(hi >> 8);
  bytes[7] = static_cast<uint8_t>(hi);
  for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  std::string out(26, '0');
  // Read 5 bits at a time from the 130-bit big-endian value (2 leading zeros).
  for (int digit = 0; digit < 26; ++digit) {
    int value = 0;
    for (int b = 0; b < 5; ++b) {
      int bit_index = digit * 5 + b - 2;  // -2: the two padding bits
      int bit = 0;
      if (bit_index >= 0) bit = (bytes[bit_index / 8] >> (7 - bit_index % 8)) & 1;
      value = (value << 1) | bit;
    }
    out[digit] = kAlphabet[value];
  }
  return out;
}

std::string NewId() { return NewIdAt(absl::Now()); }

bool IsValidId(const std::string& id) {
  if (id.size() != 26 || id[0] > '7') return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' &&
                                         c != 'O' && c != 'U');
    if (!ok) return false;
  }
  return true;
}

}  // namespace tandem
