#include "common/pagination.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/status.h"

namespace tandem {
namespace {

constexpr size_t kMacBytes = 16;
constexpr absl::string_view kVersion = "p1";

absl::Status BadToken(absl::string_view why) {
  return InvalidField("page_token", absl::StrCat(why, "; start again without a page_token"));
}

}  // namespace

std::string PageTokenCodec::Encode(absl::string_view query_fingerprint,
                                   const std::vector<std::string>& keys) const {
  nlohmann::json body = {std::string(kVersion), std::string(query_fingerprint), keys};
  std::string payload = body.dump();
  std::string mac = HmacSha256(key_, payload).substr(0, kMacBytes);
  return absl::StrCat(absl::WebSafeBase64Escape(payload), ".", absl::WebSafeBase64Escape(mac));
}

absl::StatusOr<std::vector<std::string>> PageTokenCodec::Decode(
    absl::string_view token, absl::string_view query_fingerprint) const {
  if (token.empty()) return std::vector<std::string>{};
  if (token.size() > 4096) return BadToken("is too long");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string payload, mac;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &payload) ||
      !absl::WebSafeBase64Unescape(parts[1], &mac)) {
    return BadToken("is not a token this service issued");
  }
  if (!ConstantTimeEquals(mac, HmacSha256(key_, payload).substr(0, kMacBytes))) {
    return BadToken("is not a token this service issued");
  }
  nlohmann::json body = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!body.is_array() || body.size() != 3 || !body[0].is_string() ||
      body[0].get<std::string>() != kVersion || !body[1].is_string() ||
      !body[2].is_array()) {
    return BadToken("is not a token this service issued");
  }
  if (body[1].get<std::string>() != query_fingerprint) {
    return BadToken("belongs to a request with a different filter or order_by");
  }
  std::vector<std::string> keys;
  for (const auto& key : body[2]) {
    if (!key.is_string()) return BadToken("is not a token this service issued");
    keys.push_back(key.get<std::string>());
  }
  return keys;
}

std::string QueryFingerprint(const std::vector<std::string>& parts) {
  // Length-prefix each part so ("a", "bc") and ("ab", "c") differ.
  std::string joined;
  for (const std::string& part : parts) absl::StrAppend(&joined, part.size(), ":", part, ";");
  return Sha256Hex(joined).substr(0, 16);
}

absl::StatusOr<int> NormalizePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return default_size;
  return requested > max_size ? max_size : requested;
}

}  // namespace tandem
