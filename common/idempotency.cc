#include "common/idempotency.h"

#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status.h"

namespace tandem {

namespace {

absl::Status ReusedRequestId() {
  return InvalidField("request_id", "was already used for a different request; use a new request_id");
}

}  // namespace

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

CreateKey CreateKeyOf(const google::protobuf::Message& request) {
  CreateKey key;
  const auto* field = request.GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) key.request_id = request.GetReflection()->GetString(request, field);
  if (!key.request_id.empty()) key.fingerprint = RequestFingerprint(request);
  return key;
}

void CheckRequestId(absl::string_view request_id, FieldViolations& violations) {
  if (request_id.size() > 128) {
    violations.Add("request_id", "must be at most 128 characters");
    return;
  }
  for (char c : request_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) {
      violations.Add("request_id", "may contain only letters, digits, '-', '_', '.' and ':'");
      return;
    }
  }
}

absl::StatusOr<std::optional<std::string>> FindCreated(mysql::Pool& pool, absl::Time deadline,
                                                       absl::string_view tenant,
                                                       absl::string_view method,
                                                       const CreateKey& key) {
  if (key.request_id.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool.Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT fingerprint, resource_name FROM idempotency_keys "
                             "WHERE tenant_id = ? AND method = ? AND request_id = ?",
                             {std::string(tenant), std::string(method), key.request_id}));
  if (rows.empty()) return std::nullopt;
  if (rows[0].String(0) != key.fingerprint) return ReusedRequestId();
  return rows[0].String(1);
}

absl::StatusOr<std::string> CreateOnce(
    mysql::Pool& pool, absl::Time deadline, absl::string_view tenant, absl::string_view method,
    const CreateKey& key, const std::string& resource_name,
    const std::function<absl::Status(mysql::Transaction&)>& insert) {
  std::optional<std::string> earlier;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(pool, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        if (!key.request_id.empty()) {
          ASSIGN_OR_RETURN(earlier, ClaimRequestId(tx.connection(), tenant, method, key.request_id,
                                                   key.fingerprint, resource_name));
          if (earlier.has_value()) return absl::OkStatus();
        }
        return insert(tx);
      }));
  return earlier.value_or(resource_name);
}

absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    mysql::Connection& tx, absl::string_view tenant, absl::string_view method,
    absl::string_view request_id, absl::string_view fingerprint, absl::string_view resource_name) {
  absl::Status inserted =
      tx.Execute(
            "INSERT INTO idempotency_keys "
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
  if (rows[0].String(0) != fingerprint) return ReusedRequestId();
  return rows[0].String(1);
}

}  // namespace tandem
