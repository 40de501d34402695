#include "common/periodic.h"

#include "common/logging.h"

namespace tandem {

void PeriodicTask::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_),
                              [this] { return stopping_; })) {
      lock.unlock();
      if (absl::Status status = work_(); !status.ok()) {
        logging::Warn("periodic task failed", {{"task", name_}, {"error", status.ToString()}});
      }
      lock.lock();
    }
  });
}

void PeriodicTask::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tandem
