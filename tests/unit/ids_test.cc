#include "common/ids.h"

#include <set>

#include <gtest/gtest.h>

namespace tandem {
namespace {

// Ids are 26 Crockford base32 characters and recognised as valid.
TEST(IdsTest, HaveUlidShape) {
  const std::string id = NewId();
  EXPECT_EQ(id.size(), 26u);
  EXPECT_TRUE(IsValidId(id));
  EXPECT_FALSE(IsValidId("not-an-id"));
  EXPECT_FALSE(IsValidId("01ARZ3NDEKTSV4RRFFQ69G5FAi"));  // lower case
  EXPECT_FALSE(IsValidId("01ARZ3NDEKTSV4RRFFQ69G5FAU"));  // U is not in the alphabet
}

// Ids made later sort later, even within one millisecond.
TEST(IdsTest, AreTimeOrderedAndUniqueWithinAMillisecond) {
  const absl::Time t = absl::FromUnixMillis(1'790'000'000'000);
  std::string previous = NewIdAt(t - absl::Milliseconds(1));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewIdAt(t);
    EXPECT_LT(previous, id);
    EXPECT_TRUE(seen.insert(id).second);
    previous = id;
  }
}

}  // namespace
}  // namespace tandem
