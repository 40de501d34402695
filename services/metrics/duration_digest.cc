#include "services/metrics/duration_digest.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "absl/status/status.h"

namespace tandem::metrics {
namespace {

constexpr int64_t kLinearLimit = int64_t{1} << DurationDigest::kSignificantBits;
constexpr int kSubBuckets = 1 << (DurationDigest::kSignificantBits - 1);
// The first byte of every non-empty encoding, so the format can change.
constexpr char kFormatVersion = 1;

// Zigzag maps signed to unsigned so that small magnitudes stay short.
unsigned __int128 ZigZag(__int128 value) {
  return value < 0 ? ((static_cast<unsigned __int128>(-(value + 1))) << 1) | 1
                   : static_cast<unsigned __int128>(value) << 1;
}

__int128 UnZigZag(unsigned __int128 value) {
  return (value & 1) != 0 ? -static_cast<__int128>(value >> 1) - 1
                          : static_cast<__int128>(value >> 1);
}

void PutVarint(unsigned __int128 value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool GetVarint(absl::string_view& in, unsigned __int128& value) {
  value = 0;
  for (int shift = 0; shift < 128; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    value |= static_cast<unsigned __int128>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

int DurationDigest::BucketOf(int64_t millis) {
  if (millis < kLinearLimit) return static_cast<int>(std::max<int64_t>(millis, 0));
  // Octave e holds [2^e, 2^(e+1)) in kSubBuckets buckets of width 2^(e-7).
  const int exponent = 63 - std::countl_zero(static_cast<uint64_t>(millis));
  const int shift = exponent - (kSignificantBits - 1);
  const int sub = static_cast<int>(millis >> shift) - kSubBuckets;
  return static_cast<int>(kLinearLimit) + (exponent - kSignificantBits) * kSubBuckets + sub;
}

void DurationDigest::Add(int64_t millis, int64_t times) {
  if (times == 0) return;
  // A negative duration (clocks of two machines disagreeing) counts as zero.
  millis = std::max<int64_t>(millis, 0);
  const int index = BucketOf(millis);
  Bucket& bucket = buckets_[index];
  bucket.count += times;
  bucket.sum += millis * times;
  bucket.sum_squares += static_cast<__int128>(millis) * millis * times;
  count_ += times;
  total_ += millis * times;
  Tidy(index);
}

void DurationDigest::Merge(const DurationDigest& other, int sign) {
  for (const auto& [index, theirs] : other.buckets_) {
    Bucket& bucket = buckets_[index];
    bucket.count += sign * theirs.count;
    bucket.sum += sign * theirs.sum;
    bucket.sum_squares += sign * theirs.sum_squares;
    Tidy(index);
  }
  count_ += sign * other.count_;
  total_ += sign * other.total_;
}

void DurationDigest::Tidy(int index) {
  auto it = buckets_.find(index);
  if (it != buckets_.end() && it->second.count == 0 && it->second.sum == 0 &&
      it->second.sum_squares == 0) {
    buckets_.erase(it);
  }
}

double DurationDigest::Quantile(double q) const {
  if (count_ <= 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double h = static_cast<double>(count_ - 1) * q;
  const auto lower_rank = static_cast<int64_t>(std::floor(h));
  const int64_t upper_rank = std::min(lower_rank + 1, count_ - 1);
  // Walk the buckets once, reading the values at both ranks (0-based).
  double lower = 0;
  double upper = 0;
  bool have_lower = false;
  int64_t seen = 0;
  for (const auto& [index, bucket] : buckets_) {
    if (bucket.count <= 0) continue;  // only an unbalanced delta has these
    seen += bucket.count;
    const double mean = static_cast<double>(bucket.sum) / static_cast<double>(bucket.count);
    if (!have_lower && lower_rank < seen) {
      lower = mean;
      have_lower = true;
    }
    if (upper_rank < seen) {
      upper = mean;
      break;
    }
  }
  return lower + (h - static_cast<double>(lower_rank)) * (upper - lower);
}

double DurationDigest::Mean() const {
  if (count_ <= 0) return 0;
  return static_cast<double>(total_) / static_cast<double>(count_);
}

bool DurationDigest::exact() const {
  for (const auto& [index, bucket] : buckets_) {
    if (bucket.count <= 0) return false;
    // Every value equal ⇔ n·Σx² = (Σx)² (zero variance).
    if (static_cast<__int128>(bucket.count) * bucket.sum_squares !=
        static_cast<__int128>(bucket.sum) * bucket.sum) {
      return false;
    }
  }
  return true;
}

std::string DurationDigest::Serialize() const {
  std::string out;
  if (buckets_.empty()) return out;
  out.push_back(kFormatVersion);
  int previous = 0;
  for (const auto& [index, bucket] : buckets_) {
    PutVarint(static_cast<unsigned __int128>(index - previous), out);
    previous = index;
    PutVarint(ZigZag(bucket.count), out);
    PutVarint(ZigZag(bucket.sum), out);
    PutVarint(ZigZag(bucket.sum_squares), out);
  }
  return out;
}

absl::StatusOr<DurationDigest> DurationDigest::Parse(absl::string_view bytes) {
  DurationDigest digest;
  if (bytes.empty()) return digest;
  if (bytes.front() != kFormatVersion) {
    return absl::DataLossError("duration digest: unknown encoding version");
  }
  bytes.remove_prefix(1);
  int64_t index = 0;
  bool first = true;
  const int64_t max_index = BucketOf(std::numeric_limits<int64_t>::max());
  while (!bytes.empty()) {
    unsigned __int128 step, count, sum, sum_squares;
    if (!GetVarint(bytes, step) || !GetVarint(bytes, count) || !GetVarint(bytes, sum) ||
        !GetVarint(bytes, sum_squares)) {
      return absl::DataLossError("duration digest: truncated bucket");
    }
    if (step > static_cast<unsigned __int128>(max_index) || (!first && step == 0) ||
        index + static_cast<int64_t>(step) > max_index) {
      return absl::DataLossError("duration digest: bucket index out of order or range");
    }
    index += static_cast<int64_t>(step);
    first = false;
    Bucket bucket;
    bucket.count = static_cast<int64_t>(UnZigZag(count));
    bucket.sum = static_cast<int64_t>(UnZigZag(sum));
    bucket.sum_squares = UnZigZag(sum_squares);
    if (bucket.count == 0 && bucket.sum == 0 && bucket.sum_squares == 0) {
      return absl::DataLossError("duration digest: empty bucket stored");
    }
    digest.buckets_[static_cast<int>(index)] = bucket;
    digest.count_ += bucket.count;
    digest.total_ += bucket.sum;
  }
  return digest;
}

}  // namespace tandem::metrics
