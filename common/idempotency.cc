#include "common/idempotency.h"

#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status.h"

namespace tandem {

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  if (const auto* field = copy->GetDescriptor()->FindFieldByName("request_id")) {
    copy->GetReflection()->ClearField(copy.get(), field);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return Sha256Hex(absl::StrCat(copy->GetDescriptor()->full_name(), ":", bytes));
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > 128) return InvalidField("request_id", "must be at most 128 characters");
  for (char c : request_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) {
      return InvalidField("request_id",
                          "may contain only letters, digits, '-', '_', '.' and ':'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    mysql::Connection& tx, absl::string_view tenant, absl::string_view method,
    absl::string_view request_id, absl::string_view fingerprint,
    absl::string_view resource_name) {
  absl::Status inserted =
      tx.Execute("INSERT INTO idempotency_keys "
                 "(tenant_id, method, request_id, fingerprint, resource_name, create_time) "
                 "VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
                 {std::string(tenant), std::string(method), std::string(request_id),
                  std::string(fingerprint), std::string(resource_name)})
          .status();
  if (inserted.ok()) return std::nullopt;
  if (inserted.code() != absl::StatusCode::kAlreadyExists) return inserted;
  // The insert waited for any concurrent holder of the key to commit, so the
  // winning row is visible now.
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT fingerprint, resource_name FROM idempotency_keys "
                            "WHERE tenant_id = ? AND method = ? AND request_id = ?",
                            {std::string(tenant), std::string(method), std::string(request_id)}));
  if (rows.empty()) {
    return absl::AbortedError("a concurrent request with this request_id was rolled back; retry");
  }
  if (rows[0].String(0) != fingerprint) {
    return InvalidField("request_id",
                        "was already used for a different request; use a new request_id");
  }
  return rows[0].String(1);
}

}  // namespace tandem
