// Conversions between absl::Time and google.protobuf.Timestamp/Duration.
#ifndef TANDEM_COMMON_PROTO_TIME_H_
#define TANDEM_COMMON_PROTO_TIME_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace tandem {

// Returns `t` as a Timestamp (microsecond precision, as stored).
inline google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t);
  google::protobuf::Timestamp out;
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest * 1000));
  return out;
}

// Returns a Timestamp as absl::Time.
inline absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// Returns `d` as a Duration.
inline google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  google::protobuf::Duration out;
  out.set_seconds(nanos / 1000000000);
  out.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return out;
}

}  // namespace tandem

#endif  // TANDEM_COMMON_PROTO_TIME_H_
