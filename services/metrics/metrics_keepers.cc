#include "services/metrics/metrics_keepers.h"

#include "services/metrics/revenue_facts.h"
#include "services/metrics/success_facts.h"
#include "services/metrics/support_facts.h"

namespace tandem::metrics {

MetricsKeepers::MetricsKeepers(mysql::Pool* pool) {
  owned_.push_back(std::make_unique<SupportFacts>());
  owned_.push_back(std::make_unique<RevenueFacts>());
  auto success = std::make_unique<SuccessFacts>(pool);
  key_features_ = success.get();
  owned_.push_back(std::move(success));
}

MetricsKeepers::~MetricsKeepers() = default;

std::vector<FactKeeper*> MetricsKeepers::keepers() const {
  std::vector<FactKeeper*> keepers;
  keepers.reserve(owned_.size());
  for (const auto& keeper : owned_) keepers.push_back(keeper.get());
  return keepers;
}

}  // namespace tandem::metrics
