// Helpers the integration tests share for calling a service through its
// generated stub and checking what a refused call answered (see rows.h for
// checking what it wrote).
#ifndef TANDEM_TESTS_TESTING_GRPC_CALLS_H_
#define TANDEM_TESTS_TESTING_GRPC_CALLS_H_

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include "absl/strings/string_view.h"
#include "tests/testing/tokens.h"

namespace tandem::testing {

// A generated stub's blocking unary method, e.g.
// `&success::v1::SuccessService::Stub::CreateAccount`.
template <typename Stub, typename Request, typename Response>
using UnaryMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

// The field names of every google.rpc.BadRequest field violation in the
// rich error details of `status` (empty when it carries none).
std::vector<std::string> ViolatedFields(const grpc::Status& status);

// Calls `method` of `stub` with a fresh context carrying `token` (see
// Authorize) and returns the status; the answer goes to `response`.
template <typename Stub, typename Request, typename Response>
grpc::Status CallRpc(Stub& stub, UnaryMethod<Stub, Request, Response> method,
                     const Request& request, Response* response, const std::string& token) {
  grpc::ClientContext context;
  Authorize(context, token);
  return (stub.*method)(&context, request, response);
}

// Calls `method` of `stub` as `token`'s holder and expects it to fail with
// `code` and, unless `field` is empty, a BadRequest violation naming
// `field`. Failures name the request type, the request and the message.
template <typename Stub, typename Request, typename Response>
void ExpectRefused(Stub& stub, UnaryMethod<Stub, Request, Response> method, const Request& request,
                   grpc::StatusCode code, const std::string& field, const std::string& token) {
  Response response;
  const grpc::Status status = CallRpc(stub, method, request, &response, token);
  EXPECT_EQ(status.error_code(), code) << request.GetTypeName() << " " << request.ShortDebugString()
                                       << ": " << status.error_message();
  if (!field.empty()) {
    EXPECT_THAT(ViolatedFields(status), ::testing::Contains(field))
        << request.GetTypeName() << ": " << status.error_message();
  }
}

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_GRPC_CALLS_H_
