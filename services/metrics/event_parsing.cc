#include "services/metrics/event_parsing.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "tandem/success/v1/account.pb.h"

namespace tandem::metrics {

absl::Time StoredTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Microseconds(t.nanos() / 1000);
}

std::string TouchTierName(int tier) {
  namespace sv1 = ::tandem::success::v1;
  if (tier == sv1::TOUCH_TIER_UNSPECIFIED || !sv1::TouchTier_IsValid(tier)) return "";
  return sv1::TouchTier_Name(static_cast<sv1::TouchTier>(tier));
}

void WarnUnreadablePayload(const tandem::common::v1::Event& event, absl::string_view keeper) {
  logging::Warn(
      absl::StrCat("event payload does not parse; skipped by the ", keeper, " facts"),
      {{"event_id", event.event_id()}, {"source", event.source()}, {"type", event.type()}});
}

}  // namespace tandem::metrics
