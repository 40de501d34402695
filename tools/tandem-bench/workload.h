// The calls tandem-bench makes: building each request, calling the stub
// with a deadline and the bearer token, and the data the calls need
// (tickets to read, accounts to name), created before the load starts.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_WORKLOAD_H_
#define TANDEM_TOOLS_TANDEM_BENCH_WORKLOAD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tandem/support/v1/support_service.grpc.pb.h"
#include "tools/tandem-bench/scenario.h"

namespace tandem::bench {

// The service stubs one load thread calls through.
struct ServiceStubs {
  std::unique_ptr<support::v1::SupportService::StubInterface> support;
  std::unique_ptr<success::v1::SuccessService::StubInterface> success;
};

// Opens `count` channels to `address`. Each has its own connection (gRPC
// would otherwise share one connection between channels with the same
// settings). Refuses addresses that are not on the loopback interface.
absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> OpenChannels(
    const std::string& address, int count);

// Settings of the calls.
struct WorkloadOptions {
  // Bearer token sent with every call.
  std::string token;
  // Deadline of each call.
  absl::Duration rpc_timeout = absl::Seconds(5);
  // page_size of ListTickets.
  int list_page_size = 50;
  // Prefix that makes this run's request ids unique.
  std::string run_id;
};

// Makes the scenario's calls. Call() may be used from many threads at once
// once Seed() has returned.
class Workload {
 public:
  explicit Workload(WorkloadOptions options) : options_(std::move(options)) {}

  // Creates `tickets` tickets when the scenario reads tickets and `accounts`
  // accounts when it names them, through `stubs`. Fails with the first
  // failed call's status, so that a wrong token or address stops the run
  // before any load.
  absl::Status Seed(const Scenario& scenario, ServiceStubs& stubs, int tickets, int accounts);

  // Makes one call of `op` through `stubs`; `random` picks what to read.
  grpc::Status Call(Operation op, ServiceStubs& stubs, std::mt19937_64& random);

  // Returns how many tickets and accounts were created so far (seeds
  // included): each is one event on the Support or Success feed.
  int64_t tickets_created() const { return tickets_created_.load(); }
  int64_t accounts_created() const { return accounts_created_.load(); }

 private:
  void Prepare(grpc::ClientContext& context) const;
  std::string NextRequestId();
  grpc::Status CreateTicket(ServiceStubs& stubs, const std::string& account,
                            support::v1::Ticket* created);
  grpc::Status CreateAccount(ServiceStubs& stubs, success::v1::Account* created);

  const WorkloadOptions options_;
  std::atomic<int64_t> next_request_{0};
  std::atomic<int64_t> tickets_created_{0};
  std::atomic<int64_t> accounts_created_{0};
  std::vector<std::string> ticket_names_;
  std::vector<std::string> account_names_;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_WORKLOAD_H_
