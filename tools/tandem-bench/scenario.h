// The scenarios tandem-bench runs: which RPCs, in what proportions.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_SCENARIO_H_
#define TANDEM_TOOLS_TANDEM_BENCH_SCENARIO_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::bench {

// One kind of call the load generator makes.
enum class Operation {
  kCreateTicket,
  kGetTicket,
  kListTickets,
  kCreateAccount,
  // CreateTicket naming an existing account, so Support calls Success.
  kCreateTicketWithAccount,
};

// Every Operation, in the order reports list them.
inline constexpr std::array<Operation, 5> kAllOperations = {
    Operation::kCreateTicket, Operation::kGetTicket, Operation::kListTickets,
    Operation::kCreateAccount, Operation::kCreateTicketWithAccount};

// Returns the index of `op` in kAllOperations, for per-operation arrays.
inline constexpr int IndexOf(Operation op) { return static_cast<int>(op); }

// Returns the name reports use for `op`, e.g. "GetTicket" or
// "CreateTicket+account".
absl::string_view OperationName(Operation op);

// An operation and its share of a scenario's calls.
struct WeightedOperation {
  Operation op;
  int weight;
};

// A named mix of operations.
struct Scenario {
  std::string name;
  // What the scenario measures, one line.
  std::string description;
  std::vector<WeightedOperation> mix;

  // Returns true if any operation of the mix is `op`.
  bool Uses(Operation op) const;
  // Returns the sum of the weights.
  int TotalWeight() const;
  // Picks the operation that `draw` (any number) falls on, in proportion to
  // the weights: draw % TotalWeight() walks the mix in order.
  Operation Pick(uint64_t draw) const;
};

// Returns the scenario called `name`, or INVALID_ARGUMENT listing the known
// names.
absl::StatusOr<Scenario> ScenarioNamed(absl::string_view name);

// Returns every scenario, in the order run.sh runs them.
const std::vector<Scenario>& AllScenarios();

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_SCENARIO_H_
