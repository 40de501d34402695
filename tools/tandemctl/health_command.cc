// `tandemctl health`: asks every server's grpc.health.v1.Health service
// whether it is serving.
#include <future>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

using grpc::health::v1::HealthCheckResponse;

constexpr size_t kDetailWidth = 60;

// What one server said, or why it said nothing.
struct HealthReport {
  Service service;
  std::string address;
  // SERVING, NOT_SERVING or UNKNOWN as the server answered; UNREACHABLE
  // when it could not be reached in time; ERROR for any other failure.
  std::string status{};
  // The failure, as "CODE: message"; empty when the server answered.
  std::string detail{};
};

using HealthStub = grpc::health::v1::Health::StubInterface;

HealthReport Check(const CommandContext& context, Service service,
                   const absl::StatusOr<HealthStub*>& stub) {
  HealthReport report{.service = service, .address = context.clients->Address(service)};
  if (!stub.ok()) {
    report.status = "ERROR";
    report.detail = stub.status().ToString();
    return report;
  }
  grpc::ClientContext call;
  context.PrepareCall(call);
  grpc::health::v1::HealthCheckRequest request;  // The empty service: the whole server.
  HealthCheckResponse response;
  const grpc::Status status = (*stub)->Check(&call, request, &response);
  if (status.ok()) {
    report.status = HealthCheckResponse::ServingStatus_Name(response.status());
    return report;
  }
  const absl::Status failure = FromGrpcStatus(status);
  const bool unreachable = failure.code() == absl::StatusCode::kUnavailable ||
                           failure.code() == absl::StatusCode::kDeadlineExceeded;
  report.status = unreachable ? "UNREACHABLE" : "ERROR";
  report.detail = absl::StrCat(absl::StatusCodeToString(failure.code()), ": ", failure.message());
  return report;
}

}  // namespace

int RunHealth(const CommandContext& context, const Args& args) {
  CommandFlags flags("health",
                     "Checks every service with the standard gRPC health service and prints "
                     "SERVING, NOT_SERVING or UNREACHABLE for each. Exits 1 unless all serve.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  // The servers are asked at the same time, so one that hangs costs one
  // timeout rather than one per server. Stubs are made first: Clients is
  // not meant for several threads, the stubs are.
  std::vector<std::future<HealthReport>> pending;
  for (Service service : kAllServices) {
    absl::StatusOr<HealthStub*> stub = context.clients->Health(service);
    pending.push_back(std::async(
        std::launch::async, [&context, service, stub] { return Check(context, service, stub); }));
  }
  std::vector<HealthReport> reports;
  for (auto& future : pending) reports.push_back(future.get());

  bool all_serving = true;
  for (const HealthReport& report : reports) all_serving &= report.status == "SERVING";

  if (context.options.json) {
    nlohmann::ordered_json json;
    for (const HealthReport& report : reports) {
      json[std::string(ServiceName(report.service))] = {
          {"address", report.address}, {"status", report.status}, {"error", report.detail}};
    }
    *context.out << json.dump() << "\n";
  } else {
    Table table({"SERVICE", "ADDRESS", "STATUS", "ERROR"});
    for (const HealthReport& report : reports) {
      table.AddRow({std::string(ServiceName(report.service)), report.address, report.status,
                    OrDash(Truncate(report.detail, kDetailWidth))});
    }
    table.Print(*context.out);
  }
  return all_serving ? kExitOk : kExitFailure;
}

}  // namespace tandem::ctl
