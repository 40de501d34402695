// Runs a program as a child process, for end-to-end and fault tests that
// need real server binaries.
#ifndef TANDEM_TESTS_TESTING_CHILD_PROCESS_H_
#define TANDEM_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tandem::testing {

// A started child; killed (SIGKILL) on destruction if still running.
class ChildProcess {
 public:
  // Starts `argv[0]` with `argv` and the current environment plus `env`;
  // stdout and stderr go to `log_file`.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::map<std::string, std::string>& env,
                                            const std::string& log_file);
  // A handle to no process.
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  // Sends `signal_number` to the child.
  void Signal(int signal_number) const;

  // Waits up to `timeout` for the child to exit; returns its exit code
  // (128 + signal if killed), or DEADLINE_EXCEEDED.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Returns true while the child has not exited.
  bool Running();

  pid_t pid() const { return pid_; }
  const std::string& log_file() const { return log_file_; }

 private:
  ChildProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_file_;
};

// Waits up to `timeout` for a server's --ready-file and returns its
// {"grpc_port":N,"metrics_port":M} as a pair. Fails early if `process`
// exits first.
absl::StatusOr<std::pair<int, int>> WaitForReadyFile(const std::string& path,
                                                     ChildProcess& process,
                                                     absl::Duration timeout);

// Returns the last `max_bytes` of a file (for failure messages).
std::string TailOf(const std::string& path, size_t max_bytes = 4000);

// Makes a fresh temporary directory and returns its path.
std::string MakeTempDir(const std::string& prefix);

// Returns a TCP port on 127.0.0.1 that was free a moment ago (the kernel
// picks it; for servers that cannot take port 0, like a MariaDB restarted
// on the same port).
int PickFreePort();

// Fetches http://127.0.0.1:<port><path> and returns the whole response.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// Returns the path of the source tree (set at build time).
std::string SourceDir();
// Returns the path of the build tree (set at build time).
std::string BuildDir();

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_CHILD_PROCESS_H_
