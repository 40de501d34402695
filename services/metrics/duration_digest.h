// A mergeable histogram of durations from which medians and percentiles of
// any union of days are read without keeping every value.
//
// Values are milliseconds. Below 2^kSignificantBits ms each value has its own
// bucket; above, a bucket spans 1/2^(kSignificantBits-1) of its lower bound
// (log-linear, as in HDR histograms), so at most ~4,000 buckets cover four
// years. Each bucket keeps the count, sum and sum of squares of its values:
// a quantile is read from the mean of the bucket holding its rank, which is
// exact when the bucket's values are all equal (their variance is zero, which
// the sum of squares tells) and otherwise within one bucket width, a relative
// error of at most kRelativeError. Counts may go negative in a delta (a
// retraction) and merging is plain addition, so rollups add and subtract
// digests exactly.
#ifndef TANDEM_SERVICES_METRICS_DURATION_DIGEST_H_
#define TANDEM_SERVICES_METRICS_DURATION_DIGEST_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::metrics {

class DurationDigest {
 public:
  static constexpr int kSignificantBits = 8;
  // Largest relative error of a quantile read from a non-exact digest.
  static constexpr double kRelativeError = 1.0 / (1 << (kSignificantBits - 1));

  // Adds `times` copies of `millis` (>= 0); a negative `times` removes them.
  void Add(int64_t millis, int64_t times = 1);
  // Adds (sign 1) or subtracts (sign -1) every value of `other`.
  void Merge(const DurationDigest& other, int sign = 1);

  // Number of values (net of removals).
  int64_t count() const { return count_; }
  // Sum of the values in milliseconds.
  int64_t total_millis() const { return total_; }
  // True when no bucket holds anything (every count and sum is zero).
  bool empty() const { return buckets_.empty(); }

  // The q-quantile (0 <= q <= 1) in milliseconds by linear interpolation
  // between closest ranks (h = (n - 1) q; type 7): q = 0.5 is the median,
  // the mean of the two middle values when n is even. Requires count() > 0.
  double Quantile(double q) const;
  // Mean in milliseconds. Requires count() > 0.
  double Mean() const;
  // True when every bucket holds copies of one value, so every quantile is
  // exact.
  bool exact() const;

  // A compact, stable byte encoding (empty string for an empty digest).
  std::string Serialize() const;
  static absl::StatusOr<DurationDigest> Parse(absl::string_view bytes);

  friend bool operator==(const DurationDigest& a, const DurationDigest& b) {
    return a.count_ == b.count_ && a.total_ == b.total_ && a.buckets_ == b.buckets_;
  }

  // Bucket index of a value (exposed for tests).
  static int BucketOf(int64_t millis);

 private:
  struct Bucket {
    int64_t count = 0;
    int64_t sum = 0;
    __int128 sum_squares = 0;
    friend bool operator==(const Bucket& a, const Bucket& b) {
      return a.count == b.count && a.sum == b.sum && a.sum_squares == b.sum_squares;
    }
  };
  // Drops a bucket whose count, sum and sum of squares all reached zero.
  void Tidy(int index);

  std::map<int, Bucket> buckets_;
  int64_t count_ = 0;
  int64_t total_ = 0;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_DURATION_DIGEST_H_
