// The tenants' compiled SLA rules, kept for a short time so that ticket
// writes do not read and compile every policy each time. Writes through
// SlaService in this process invalidate a tenant at once; other replicas'
// writes are seen within the time to live.
#ifndef TANDEM_SERVICES_SUPPORT_SLA_RULE_CACHE_H_
#define TANDEM_SERVICES_SUPPORT_SLA_RULE_CACHE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "services/support/sla_clock.h"

namespace tandem::support {

class SlaRuleCache {
 public:
  using Rules = std::shared_ptr<const std::vector<SlaRule>>;
  using Loader = std::function<absl::StatusOr<std::vector<SlaRule>>()>;

  SlaRuleCache(const Clock* clock, absl::Duration time_to_live)
      : clock_(clock), time_to_live_(time_to_live) {}

  // Returns the tenant's rules, calling `load` (outside the lock) when
  // there are none younger than the time to live.
  absl::StatusOr<Rules> Get(const std::string& tenant, const Loader& load);

  // Forgets the tenant's rules; a load that began before is not kept.
  void Invalidate(const std::string& tenant);

 private:
  struct Entry {
    Rules rules;
    absl::Time loaded = absl::InfinitePast();
    uint64_t generation = 0;  // bumped by Invalidate
  };

  const Clock* clock_;
  const absl::Duration time_to_live_;
  absl::Mutex mutex_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_SLA_RULE_CACHE_H_
