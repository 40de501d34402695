#include "services/support/sla_rule_cache.h"

namespace tandem::support {

absl::StatusOr<SlaRuleCache::Rules> SlaRuleCache::Get(const std::string& tenant,
                                                      const Loader& load) {
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mutex_);
    Entry& entry = entries_[tenant];
    if (entry.rules != nullptr && clock_->Now() - entry.loaded < time_to_live_) {
      return entry.rules;
    }
    generation = entry.generation;
  }
  const absl::Time started = clock_->Now();
  absl::StatusOr<std::vector<SlaRule>> loaded = load();
  if (!loaded.ok()) return loaded.status();
  Rules rules = std::make_shared<const std::vector<SlaRule>>(*std::move(loaded));
  absl::MutexLock lock(&mutex_);
  Entry& entry = entries_[tenant];
  if (entry.generation == generation) {  // not invalidated while loading
    entry.rules = rules;
    entry.loaded = started;
  }
  return rules;
}

void SlaRuleCache::Invalidate(const std::string& tenant) {
  absl::MutexLock lock(&mutex_);
  Entry& entry = entries_[tenant];
  entry.rules = nullptr;
  ++entry.generation;
}

}  // namespace tandem::support
