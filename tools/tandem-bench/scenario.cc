#include "tools/tandem-bench/scenario.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::bench {

absl::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kCreateTicket:
      return "CreateTicket";
    case Operation::kGetTicket:
      return "GetTicket";
    case Operation::kListTickets:
      return "ListTickets";
    case Operation::kCreateAccount:
      return "CreateAccount";
    case Operation::kCreateTicketWithAccount:
      return "CreateTicket+account";
  }
  return "unknown";
}

bool Scenario::Uses(Operation op) const {
  for (const WeightedOperation& entry : mix) {
    if (entry.op == op && entry.weight > 0) return true;
  }
  return false;
}

int Scenario::TotalWeight() const {
  int total = 0;
  for (const WeightedOperation& entry : mix) total += entry.weight;
  return total;
}

Operation Scenario::Pick(uint64_t draw) const {
  const int total = TotalWeight();
  if (total <= 0) return mix.front().op;
  int64_t point = static_cast<int64_t>(draw % static_cast<uint64_t>(total));
  for (const WeightedOperation& entry : mix) {
    if (point < entry.weight) return entry.op;
    point -= entry.weight;
  }
  return mix.back().op;
}

const std::vector<Scenario>& AllScenarios() {
  static const auto* const scenarios = new std::vector<Scenario>{
      {"create-ticket", "CreateTicket without an account: one write transaction plus its event",
       {{Operation::kCreateTicket, 1}}},
      {"get-ticket", "GetTicket of random pre-created tickets: a primary-key read",
       {{Operation::kGetTicket, 1}}},
      {"list-tickets", "ListTickets, first page, newest first: an index range read",
       {{Operation::kListTickets, 1}}},
      {"create-account", "CreateAccount: a write transaction on Success plus its event",
       {{Operation::kCreateAccount, 1}}},
      {"ticket-with-account",
       "CreateTicket naming a pre-created account: Support calls Success's GetAccount",
       {{Operation::kCreateTicketWithAccount, 1}}},
      {"mixed", "20% CreateTicket, 60% GetTicket, 20% ListTickets",
       {{Operation::kCreateTicket, 20},
        {Operation::kGetTicket, 60},
        {Operation::kListTickets, 20}}},
  };
  return *scenarios;
}

absl::StatusOr<Scenario> ScenarioNamed(absl::string_view name) {
  std::vector<std::string> names;
  for (const Scenario& scenario : AllScenarios()) {
    if (scenario.name == name) return scenario;
    names.push_back(scenario.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("--scenario: unknown scenario \"", name,
                                                 "\"; choose one of ", absl::StrJoin(names, ", ")));
}

}  // namespace tandem::bench
