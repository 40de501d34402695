#include "services/support/custom_statuses.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxLabel = 64;
constexpr size_t kMaxDescription = 500;

const std::set<std::string>& UpdatableFields() {
  static const auto* const kFields =
      new std::set<std::string>{"agent_label", "customer_label", "description", "active"};
  return *kFields;
}

void CheckLabels(const v1::CustomStatus& status, bool check_agent_label, bool check_customer_label,
                 bool check_description, FieldViolations& violations) {
  if (check_agent_label) {
    const absl::string_view label = absl::StripAsciiWhitespace(status.agent_label());
    if (label.empty() || status.agent_label().size() > kMaxLabel) {
      violations.Add("custom_status.agent_label",
                     absl::StrCat("must be 1 to ", kMaxLabel, " bytes"));
    }
  }
  if (check_customer_label && status.customer_label().size() > kMaxLabel) {
    violations.Add("custom_status.customer_label",
                   absl::StrCat("must be at most ", kMaxLabel, " bytes"));
  }
  if (check_description && status.description().size() > kMaxDescription) {
    violations.Add("custom_status.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
}

}  // namespace

absl::Status ValidateCreateCustomStatus(const v1::CreateCustomStatusRequest& request) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_custom_status()) {
    violations.Add("custom_status", "is required");
    return violations.ToStatus();
  }
  const v1::CustomStatus& status = request.custom_status();
  switch (status.category()) {
    case v1::Ticket::OPEN:
    case v1::Ticket::PENDING:
    case v1::Ticket::ON_HOLD:
    case v1::Ticket::SOLVED:
      break;
    default:
      violations.Add("custom_status.category", "must be OPEN, PENDING, ON_HOLD or SOLVED");
  }
  CheckLabels(status, true, true, true, violations);
  return violations.ToStatus();
}

absl::Status ValidateUpdateCustomStatus(const v1::UpdateCustomStatusRequest& request) {
  FieldViolations violations;
  if (!request.has_custom_status()) violations.Add("custom_status", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableFields(), violations);
  if (!violations.empty()) return violations.ToStatus();
  if (!ParseResourceName("custom_status.name", "customStatuses", request.custom_status().name())
           .ok()) {
    violations.Add("custom_status.name", "must look like customStatuses/{id}");
  }
  CheckLabels(request.custom_status(), paths.contains("agent_label"),
              paths.contains("customer_label"), paths.contains("description"), violations);
  return violations.ToStatus();
}

absl::StatusOr<v1::CustomStatus> DecideCustomStatusUpdate(
    const v1::CustomStatus& current, const v1::UpdateCustomStatusRequest& request,
    absl::Time now, const std::string& next_etag) {
  RETURN_IF_ERROR(CheckEtag(request.custom_status().etag(), current.etag()));
  const v1::CustomStatus& from = request.custom_status();
  v1::CustomStatus after = current;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "agent_label") {
      after.set_agent_label(std::string(absl::StripAsciiWhitespace(from.agent_label())));
    }
    if (path == "customer_label") after.set_customer_label(from.customer_label());
    if (path == "description") after.set_description(from.description());
    if (path == "active") after.set_active(from.active());
  }
  if (after.agent_label() == current.agent_label() &&
      after.customer_label() == current.customer_label() &&
      after.description() == current.description() && after.active() == current.active()) {
    return current;
  }
  after.set_etag(next_etag);
  *after.mutable_update_time() = ToProtoTime(now);
  return after;
}

}  // namespace tandem::support
