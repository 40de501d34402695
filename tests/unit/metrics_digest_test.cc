// The mergeable duration histogram (services/metrics/duration_digest.h).
#include "services/metrics/duration_digest.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace tandem::metrics {
namespace {

// Type-7 quantile of `values` by sorting: h = (n - 1) q, interpolated
// between the closest ranks.
double SortedQuantile(std::vector<int64_t> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = static_cast<double>(values.size() - 1) * q;
  const auto lower = static_cast<size_t>(std::floor(h));
  const size_t upper = std::min(lower + 1, values.size() - 1);
  return static_cast<double>(values[lower]) +
         (h - static_cast<double>(lower)) * static_cast<double>(values[upper] - values[lower]);
}

DurationDigest DigestOf(const std::vector<int64_t>& values) {
  DurationDigest digest;
  for (int64_t value : values) digest.Add(value);
  return digest;
}

// The median of an odd count is the middle value.
TEST(MetricsDigestTest, MedianOfOddCountIsTheMiddleValue) {
  const DurationDigest digest = DigestOf({90'000, 3'600'000, 60'000, 7'200'000, 120'000});
  EXPECT_EQ(digest.count(), 5);
  EXPECT_EQ(digest.total_millis(), 90'000 + 3'600'000 + 60'000 + 7'200'000 + 120'000);
  EXPECT_TRUE(digest.exact());
  EXPECT_DOUBLE_EQ(digest.Quantile(0.5), 120'000);
  EXPECT_DOUBLE_EQ(digest.Quantile(0), 60'000);
  EXPECT_DOUBLE_EQ(digest.Quantile(1), 7'200'000);
}

// The median of an even count is the mean of the two middle values.
TEST(MetricsDigestTest, MedianOfEvenCountIsMeanOfTheMiddleTwo) {
  const DurationDigest digest = DigestOf({600'000, 60'000, 1'800'000, 300'000});
  EXPECT_TRUE(digest.exact());
  EXPECT_DOUBLE_EQ(digest.Quantile(0.5), (300'000 + 600'000) / 2.0);
  EXPECT_DOUBLE_EQ(digest.Mean(), (600'000 + 60'000 + 1'800'000 + 300'000) / 4.0);
}

// p90 interpolates between closest ranks exactly as a sort does (type 7),
// including repeated values.
TEST(MetricsDigestTest, P90MatchesTypeSevenOverASort) {
  const std::vector<int64_t> values = {1'000,  5'000,   5'000,   20'000,    45'000,    45'000,
                                       90'000, 300'000, 310'000, 3'600'000, 86'400'000};
  const DurationDigest digest = DigestOf(values);
  ASSERT_TRUE(digest.exact());
  for (double q : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0}) {
    EXPECT_DOUBLE_EQ(digest.Quantile(q), SortedQuantile(values, q)) << q;
  }
  // One value is every quantile.
  EXPECT_DOUBLE_EQ(DigestOf({42}).Quantile(0.9), 42);
}

// Values below 256 ms have their own buckets; above, a bucket spans 1/128
// of its lower bound.
TEST(MetricsDigestTest, BucketsAreLinearThenLogLinear) {
  EXPECT_EQ(DurationDigest::BucketOf(0), 0);
  EXPECT_EQ(DurationDigest::BucketOf(255), 255);
  EXPECT_EQ(DurationDigest::BucketOf(256), DurationDigest::BucketOf(257));
  EXPECT_NE(DurationDigest::BucketOf(257), DurationDigest::BucketOf(258));
  EXPECT_EQ(DurationDigest::BucketOf(1 << 20), DurationDigest::BucketOf((1 << 20) + 8191));
  EXPECT_NE(DurationDigest::BucketOf(1 << 20), DurationDigest::BucketOf((1 << 20) + 8192));
  // Four years of milliseconds fit in about 4,000 buckets.
  EXPECT_LT(DurationDigest::BucketOf(int64_t{4} * 366 * 86'400'000), 4200);
  int previous = -1;
  for (int64_t v = 0; v < 5'000'000; v += 997) {
    EXPECT_GE(DurationDigest::BucketOf(v), previous);
    previous = DurationDigest::BucketOf(v);
  }
}

// Two different values in one bucket make the digest approximate; equal
// values keep it exact.
TEST(MetricsDigestTest, ExactFlipsWhenTwoValuesShareABucket) {
  DurationDigest digest = DigestOf({1'000'000, 1'000'000, 2'000'000});
  EXPECT_TRUE(digest.exact());
  ASSERT_EQ(DurationDigest::BucketOf(1'000'001), DurationDigest::BucketOf(1'000'000));
  digest.Add(1'000'001);
  EXPECT_FALSE(digest.exact());
  digest.Add(1'000'001, -1);
  EXPECT_TRUE(digest.exact());
}

// Merging then subtracting gives back the digest, bucket for bucket; a
// digest minus itself is empty.
TEST(MetricsDigestTest, MergeThenSubtractRestoresTheDigest) {
  const DurationDigest a = DigestOf({5, 300, 70'000, 70'000, 9'000'000});
  const DurationDigest b = DigestOf({300, 12'345, 9'000'001});
  DurationDigest sum = a;
  sum.Merge(b);
  EXPECT_EQ(sum.count(), 8);
  EXPECT_FALSE(sum == a);
  sum.Merge(b, -1);
  EXPECT_TRUE(sum == a);
  sum.Merge(a, -1);
  EXPECT_TRUE(sum.empty());
  EXPECT_EQ(sum.count(), 0);
  EXPECT_EQ(sum.Serialize(), "");
}

// A delta may hold negative counts (a retraction) and still round-trips.
TEST(MetricsDigestTest, SerializeRoundTripsIncludingRetractions) {
  DurationDigest digest = DigestOf({0, 1, 255, 256, 86'400'000, int64_t{1} << 40});
  digest.Add(3'600'000, -2);
  const std::string bytes = digest.Serialize();
  ASSERT_OK_AND_ASSIGN(DurationDigest parsed, DurationDigest::Parse(bytes));
  EXPECT_TRUE(parsed == digest);
  EXPECT_EQ(parsed.count(), digest.count());
  EXPECT_EQ(parsed.total_millis(), digest.total_millis());
  ASSERT_OK_AND_ASSIGN(DurationDigest empty, DurationDigest::Parse(""));
  EXPECT_TRUE(empty.empty());
  // Bucket index ≈ 12 bytes for a value of an hour: compact.
  EXPECT_LT(DigestOf({3'600'000}).Serialize().size(), 16u);
}

// Truncated or foreign bytes are DATA_LOSS, not a wrong digest.
TEST(MetricsDigestTest, ParseRefusesDamagedBytes) {
  const std::string bytes = DigestOf({1'000, 2'000'000}).Serialize();
  EXPECT_EQ(DurationDigest::Parse(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DurationDigest::Parse("\x07" + bytes.substr(1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DurationDigest::Parse(std::string("\x01\x80", 2)).status().code(),
            absl::StatusCode::kDataLoss);
}

// For many random sets, every quantile is within kRelativeError of the
// exact answer, and exact() is true only when it is exact.
TEST(MetricsDigestTest, RandomSetsStayWithinTheRelativeErrorBound) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 random(seed);
    std::lognormal_distribution<double> minutes(4.0, 2.0);  // seconds to weeks
    const int n = 1 + static_cast<int>(random() % 3000);
    std::vector<int64_t> values;
    for (int i = 0; i < n; ++i) {
      // Some seeds add a few ms so that values crowd into shared buckets.
      values.push_back(static_cast<int64_t>(minutes(random) * 60'000) +
                       (seed % 3 == 0 ? 0 : i % 7));
    }
    const DurationDigest digest = DigestOf(values);
    ASSERT_EQ(digest.count(), n);
    for (double q : {0.0, 0.1, 0.5, 0.75, 0.9, 0.99, 1.0}) {
      const double exact = SortedQuantile(values, q);
      const double read = digest.Quantile(q);
      EXPECT_LE(std::abs(read - exact), exact * DurationDigest::kRelativeError + 1e-9)
          << "seed " << seed << " q " << q << " n " << n;
      if (digest.exact()) {
        EXPECT_DOUBLE_EQ(read, exact) << "seed " << seed << " q " << q;
      }
    }
    double sum = 0;
    for (int64_t v : values) sum += static_cast<double>(v);
    EXPECT_DOUBLE_EQ(digest.Mean(), sum / n);
  }
}

}  // namespace
}  // namespace tandem::metrics
