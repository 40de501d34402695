// The top of tandemctl: global flags, finding the command, help.
//
//   tandemctl [global flags] <noun> [<verb>] [flags]
//
// Global flags may also follow the command (`tandemctl tickets list --json`).
#ifndef TANDEM_TOOLS_TANDEMCTL_DISPATCH_H_
#define TANDEM_TOOLS_TANDEMCTL_DISPATCH_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "tools/tandemctl/clients.h"
#include "tools/tandemctl/command.h"

namespace tandem::ctl {

// What a run of tandemctl uses from the outside world.
struct Runtime {
  // Opens the clients for the addresses in the global flags.
  std::function<std::unique_ptr<Clients>(const Endpoints&)> open_clients;
  const Clock* clock = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

// Runs the command `args` (the words after "tandemctl") names, out of
// `commands`, and returns the process exit code: 0, 1 when it failed, 2
// for a bad command line.
int Dispatch(const std::vector<Command>& commands, const std::vector<std::string>& args,
             const Runtime& runtime);

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_DISPATCH_H_
