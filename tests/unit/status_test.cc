#include "common/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace tandem {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

// The early-return macros pass errors up and values through.
TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_FALSE(CheckEven(3).ok());
}

// Violations become one INVALID_ARGUMENT that lists them all.
TEST(FieldViolationsTest, BecomeOneInvalidArgumentWithEveryField) {
  FieldViolations violations;
  EXPECT_TRUE(violations.ToStatus().ok());
  violations.Add("ticket.subject", "is required");
  violations.Add("ticket.priority", "is not a known priority");
  absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("ticket.subject is required"));
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(FieldViolation{"ticket.subject", "is required"},
                          FieldViolation{"ticket.priority", "is not a known priority"}));
}

// A batch with hundreds of bad items reports the first kMaxReported and
// counts the rest, so the status still fits in gRPC's trailers.
TEST(FieldViolationsTest, ReportsTheFirstTwentyAndCountsTheRest) {
  FieldViolations violations;
  for (int i = 0; i < 500; ++i) {
    violations.Add(absl::StrCat("events[", i, "].event_id"),
                   "must be at most 128 letters, digits, '-', '_', '.' or ':'");
  }
  absl::Status status = violations.ToStatus();
  EXPECT_EQ(FieldViolationsOf(status).size(), FieldViolations::kMaxReported);
  EXPECT_EQ(FieldViolationsOf(status).front().field, "events[0].event_id");
  EXPECT_THAT(std::string(status.message()), HasSubstr("; and 480 more"));
  grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_LT(grpc_status.error_message().size() + grpc_status.error_details().size() * 4 / 3,
            6000u);
}

// The gRPC status carries the code, message and a google.rpc.BadRequest in
// its binary details, which a client can decode.
TEST(ToGrpcStatusTest, PacksBadRequestIntoStatusDetails) {
  grpc::Status grpc_status = ToGrpcStatus(InvalidField("ticket.subject", "is required"));
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(grpc_status.error_details()));
  EXPECT_EQ(rich.code(), 3);
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "ticket.subject");
}

// A retry hint survives the trip through gRPC and back.
TEST(ToGrpcStatusTest, RetryInfoRoundTrips) {
  absl::Status status = absl::ResourceExhaustedError("slow down");
  SetRetryDelay(status, absl::Milliseconds(1500));
  absl::Status back = FromGrpcStatus(ToGrpcStatus(status));
  EXPECT_EQ(back.code(), absl::StatusCode::kResourceExhausted);
  auto payload = back.GetPayload("type.googleapis.com/google.rpc.RetryInfo");
  ASSERT_TRUE(payload.has_value());
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(retry.ParseFromString(std::string(*payload)));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
  EXPECT_EQ(retry.retry_delay().nanos(), 500000000);
}

// OK maps to OK, and every canonical code keeps its number.
TEST(ToGrpcStatusTest, KeepsCanonicalCodes) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::AbortedError("x")).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace tandem
