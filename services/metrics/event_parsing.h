// What the fact keepers share in reading the feeds' events: payloads, touch
// tiers and times as the fact tables store them.
#ifndef TANDEM_SERVICES_METRICS_EVENT_PARSING_H_
#define TANDEM_SERVICES_METRICS_EVENT_PARSING_H_

#include <string>

#include <google/protobuf/timestamp.pb.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tandem/common/v1/event_feed.pb.h"

namespace tandem::metrics {

// `t` cut to microseconds, the precision of the facts' DATETIME(6)
// columns: a fact read back equals the fact its event made, so the
// contributions added when the event arrived cancel those recomputed from
// the stored row.
absl::Time StoredTime(const google::protobuf::Timestamp& t);

// The name of a Success touch tier as the `tier` segment shows it
// ("HIGH_TOUCH"); empty when unspecified or not a tier this build knows.
std::string TouchTierName(int tier);

// Logs that `event`'s payload does not parse as its type says, so `keeper`
// skips it (one bad event must not stop the feed).
void WarnUnreadablePayload(const tandem::common::v1::Event& event, absl::string_view keeper);

// Unpacks `event`'s payload into `payload`; false (after a warning naming
// `keeper`) when it does not parse.
template <typename Payload>
bool UnpackPayload(const tandem::common::v1::Event& event, absl::string_view keeper,
                   Payload& payload) {
  if (event.payload().UnpackTo(&payload)) return true;
  WarnUnreadablePayload(event, keeper);
  return false;
}

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_EVENT_PARSING_H_
