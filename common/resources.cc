#include "common/resources.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/status.h"

namespace tandem {

std::string ResourceName(absl::string_view collection, absl::string_view id) {
  return absl::StrCat(collection, "/", id);
}

std::string ResourceIdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<std::string> ParseResourceName(absl::string_view field,
                                              absl::string_view collection,
                                              absl::string_view name) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (name.empty()) return InvalidField(std::string(field), "is required");
  if (!absl::StartsWith(name, prefix) || !IsValidId(std::string(name.substr(prefix.size())))) {
    return InvalidField(std::string(field),
                        absl::StrCat("must look like ", collection, "/{id}"));
  }
  return std::string(name.substr(prefix.size()));
}

std::string EtagFor(absl::string_view id, int64_t version) {
  return Sha256Hex(absl::StrCat(id, "@", version)).substr(0, 20);
}

absl::Status CheckEtag(absl::string_view given, absl::string_view current) {
  if (given.empty() || given == current) return absl::OkStatus();
  return absl::AbortedError(
      "the etag does not match: the resource changed since you read it; read it again and "
      "retry");
}

std::set<std::string> CheckUpdateMask(const google::protobuf::FieldMask& mask,
                                      const std::set<std::string>& updatable,
                                      FieldViolations& violations) {
  if (mask.paths_size() == 0) {
    violations.Add("update_mask", "must name at least one field to change");
  }
  std::set<std::string> paths;
  for (const std::string& path : mask.paths()) {
    if (!updatable.contains(path)) {
      violations.Add("update_mask", absl::StrCat("\"", path, "\" cannot be updated; updatable ",
                                                 "fields: ", absl::StrJoin(updatable, ", ")));
    }
    paths.insert(path);
  }
  return paths;
}

}  // namespace tandem
