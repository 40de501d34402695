#include "common/call_annotations.h"

#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace tandem {
namespace {

struct Table {
  std::mutex mu;
  absl::flat_hash_map<const void*, CallAnnotation> entries;
};

Table& TheTable() {
  static auto* table = new Table;
  return *table;
}

}  // namespace

void CallAnnotations::Set(const void* key, absl::string_view tenant, absl::string_view subject) {
  Table& table = TheTable();
  std::lock_guard<std::mutex> lock(table.mu);
  table.entries[key] = CallAnnotation{std::string(tenant), std::string(subject)};
}

CallAnnotation CallAnnotations::Take(const void* key) {
  Table& table = TheTable();
  std::lock_guard<std::mutex> lock(table.mu);
  auto it = table.entries.find(key);
  if (it == table.entries.end()) return {};
  CallAnnotation annotation = std::move(it->second);
  table.entries.erase(it);
  return annotation;
}

}  // namespace tandem
