#include "common/handler.h"

#include "common/logging.h"

namespace tandem {

absl::Status HideInternalDetail(absl::Status status) {
  if (status.code() != absl::StatusCode::kInternal) return status;
  logging::Error("internal error", {{"detail", std::string(status.message())}});
  return absl::InternalError("internal error; the server log has the details");
}

}  // namespace tandem
