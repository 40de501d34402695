// Runs a piece of work every interval on a thread of its own, until
// stopped. For sweepers and daily recomputations.
#ifndef TANDEM_COMMON_PERIODIC_H_
#define TANDEM_COMMON_PERIODIC_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace tandem {

// Calls `work` every `interval` (first call after one interval); logs its
// failures under `name`.
class PeriodicTask {
 public:
  PeriodicTask(std::string name, absl::Duration interval, std::function<absl::Status()> work)
      : name_(std::move(name)), interval_(interval), work_(std::move(work)) {}
  ~PeriodicTask() { Stop(); }

  // Starts the thread.
  void Start();
  // Stops the thread after the call in progress, if any. Idempotent.
  void Stop();

 private:
  const std::string name_;
  const absl::Duration interval_;
  const std::function<absl::Status()> work_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tandem

#endif  // TANDEM_COMMON_PERIODIC_H_
