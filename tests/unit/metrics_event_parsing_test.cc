// What the fact keepers share in reading events: stored times, tier names
// and payloads that may not parse.
#include "services/metrics/event_parsing.h"

#include <gtest/gtest.h>

#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::metrics {
namespace {

namespace sv1 = success::v1;

TEST(EventParsingTest, StoredTimeKeepsMicrosecondsAndDropsNanoseconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(1700000000);
  t.set_nanos(123456789);
  EXPECT_EQ(StoredTime(t), absl::FromUnixMicros(int64_t{1700000000} * 1000000 + 123456));
  // Before 1970 the seconds are negative and the nanos still count up.
  t.set_seconds(-1);
  t.set_nanos(999999);
  EXPECT_EQ(StoredTime(t), absl::FromUnixMicros(-1000000 + 999));
}

TEST(EventParsingTest, TouchTierNameIsEmptyForUnspecifiedAndUnknownTiers) {
  EXPECT_EQ(TouchTierName(sv1::HIGH_TOUCH), "HIGH_TOUCH");
  EXPECT_EQ(TouchTierName(sv1::TOUCH_TIER_UNSPECIFIED), "");
  EXPECT_EQ(TouchTierName(97), "");
}

TEST(EventParsingTest, UnpackPayloadRefusesAPayloadOfAnotherType) {
  common::v1::Event event;
  sv1::TierChanged changed;
  changed.mutable_account()->set_name("accounts/a1");
  event.mutable_payload()->PackFrom(changed);

  sv1::TierChanged unpacked;
  ASSERT_TRUE(UnpackPayload(event, "test", unpacked));
  EXPECT_EQ(unpacked.account().name(), "accounts/a1");
  sv1::AccountUpdated other;
  EXPECT_FALSE(UnpackPayload(event, "test", other));
}

}  // namespace
}  // namespace tandem::metrics
