// tandemctl: the command-line client of Tandem's services. Everything but
// the wiring to the real world lives in tandemctl_lib.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <grpc/support/log.h>

#include "common/clock.h"
#include "tools/tandemctl/clients.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/dispatch.h"

int main(int argc, char** argv) {
  using namespace tandem::ctl;
  // gRPC writes its own lines about failed connections to stderr; tandemctl
  // reports the failed call itself, so they are kept only on request.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function([](gpr_log_func_args*) {});

  const Runtime runtime{.open_clients = OpenClients,
                        .clock = &tandem::SystemClock::Get(),
                        .out = &std::cout,
                        .err = &std::cerr};
  return Dispatch(AllCommands(), std::vector<std::string>(argv + 1, argv + argc), runtime);
}
