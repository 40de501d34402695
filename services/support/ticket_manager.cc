#include "services/support/ticket_manager.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxSubject = 250;
constexpr size_t kMaxDescription = 65536;
constexpr size_t kMaxEmail = 254;
constexpr int kMaxTags = 20;
constexpr size_t kMaxTag = 64;

bool ValidTag(const std::string& tag) {
  return !tag.empty() && tag.size() <= kMaxTag &&
         std::all_of(tag.begin(), tag.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
         });
}

bool ValidEmail(const std::string& email) {
  const size_t at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == std::string::npos &&
         std::none_of(email.begin(), email.end(),
                      [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}

}  // namespace

absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& request) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_ticket()) {
    violations.Add("ticket", "is required");
    return violations.ToStatus();
  }
  const v1::Ticket& ticket = request.ticket();
  if (absl::StripAsciiWhitespace(ticket.subject()).empty()) {
    violations.Add("ticket.subject", "is required");
  } else if (ticket.subject().size() > kMaxSubject) {
    violations.Add("ticket.subject", absl::StrCat("must be at most ", kMaxSubject, " bytes"));
  }
  if (ticket.description().size() > kMaxDescription) {
    violations.Add("ticket.description", absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
  if (!ticket.requester_email().empty() &&
      (ticket.requester_email().size() > kMaxEmail || !ValidEmail(ticket.requester_email()))) {
    violations.Add("ticket.requester_email", "must be an e-mail address of at most 254 characters");
  }
  if (!ticket.account().empty()) {
    if (auto id = ParseResourceName("ticket.account", "accounts", ticket.account()); !id.ok()) {
      violations.Add("ticket.account", "must look like accounts/{id}");
    }
  }
  if (!v1::Ticket::Channel_IsValid(ticket.channel())) {
    violations.Add("ticket.channel", "is not a known channel");
  }
  if (!v1::Ticket::Type_IsValid(ticket.type())) violations.Add("ticket.type", "is not a known type");
  if (!v1::Ticket::Priority_IsValid(ticket.priority())) {
    violations.Add("ticket.priority", "is not a known priority");
  }
  if (ticket.tags_size() > kMaxTags) {
    violations.Add("ticket.tags", absl::StrCat("must have at most ", kMaxTags, " tags"));
  }
  for (int i = 0; i < ticket.tags_size(); ++i) {
    if (!ValidTag(ticket.tags(i))) {
      violations.Add(absl::StrCat("ticket.tags[", i, "]"),
                     "must be 1-64 characters of a-z, 0-9, '-', '_' or '.'");
    }
  }
  return violations.ToStatus();
}

absl::StatusOr<std::vector<TicketCondition>> TicketConditions(
    const std::vector<FilterTerm>& terms) {
  struct FieldSpec {
    TicketField field;
    const google::protobuf::EnumDescriptor* values;  // null: free text
  };
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"status", {TicketField::kStatus, v1::Ticket::Status_descriptor()}},
      {"priority", {TicketField::kPriority, v1::Ticket::Priority_descriptor()}},
      {"channel", {TicketField::kChannel, v1::Ticket::Channel_descriptor()}},
      {"type", {TicketField::kType, v1::Ticket::Type_descriptor()}},
      {"account", {TicketField::kAccount, nullptr}},
      {"requester_email", {TicketField::kRequesterEmail, nullptr}},
  };
  std::vector<TicketCondition> conditions;
  for (const FilterTerm& term : terms) {
    const FieldSpec& spec = kSpecs->at(term.field);
    TicketCondition condition{.field = spec.field, .negated = term.negated, .value = term.value};
    if (spec.values != nullptr) {
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *spec.values));
    } else if (spec.field == TicketField::kAccount) {
      auto id = ParseResourceName("filter", "accounts", term.value);
      if (!id.ok()) return InvalidField("filter", "account must look like accounts/{id}");
      condition.value = *id;
    }
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

absl::StatusOr<v1::Ticket> TicketManager::CreateTicket(const Principal& caller,
                                                       const v1::CreateTicketRequest& request,
                                                       absl::Time deadline) {
  RETURN_IF_ERROR(ValidateCreateTicket(request));
  const CreateKey key = CreateKeyOf(request);
  if (!key.request_id.empty()) {
    // A retry is answered from the first result, without asking Success
    // again (whose answer may have changed since).
    ASSIGN_OR_RETURN(std::optional<v1::Ticket> earlier,
                     store_->FindCreated(caller.tenant, key, deadline));
    if (earlier.has_value()) return *std::move(earlier);
  }
  const absl::Time now = clock_->Now();
  v1::Ticket ticket = request.ticket();
  ticket.set_name(ResourceName("tickets", NewIdAt(now)));
  ticket.set_subject(std::string(absl::StripAsciiWhitespace(ticket.subject())));
  if (ticket.channel() == v1::Ticket::CHANNEL_UNSPECIFIED) ticket.set_channel(v1::Ticket::API);
  if (ticket.type() == v1::Ticket::TYPE_UNSPECIFIED) ticket.set_type(v1::Ticket::QUESTION);
  if (ticket.priority() == v1::Ticket::PRIORITY_UNSPECIFIED) {
    ticket.set_priority(v1::Ticket::NORMAL);
  }
  ticket.set_status(v1::Ticket::NEW);
  std::set<std::string> unique_tags(ticket.tags().begin(), ticket.tags().end());
  ticket.clear_tags();
  for (const std::string& tag : unique_tags) ticket.add_tags(tag);
  ticket.set_account_tier(success::v1::TOUCH_TIER_UNSPECIFIED);
  ticket.set_account_check(v1::Ticket::ACCOUNT_CHECK_UNSPECIFIED);
  ticket.clear_etag();
  *ticket.mutable_create_time() = ToProtoTime(now);
  *ticket.mutable_update_time() = ToProtoTime(now);

  if (!ticket.account().empty()) {
    absl::StatusOr<AccountFacts> facts = accounts_->Lookup(caller.tenant, ticket.account(), deadline);
    if (facts.ok()) {
      ticket.set_account_tier(facts->tier);
      ticket.set_account_check(v1::Ticket::VERIFIED);
    } else if (facts.status().code() == absl::StatusCode::kNotFound) {
      return InvalidField("ticket.account", "does not exist in Success");
    } else {
      // Success being down must not stop Support from taking tickets.
      logging::Warn("account check deferred",
                    {{"account", ticket.account()}, {"error", std::string(facts.status().message())}});
      ticket.set_account_check(v1::Ticket::PENDING_VERIFICATION);
    }
  }
  return store_->Create(caller.tenant, ticket, key, deadline);
}

absl::StatusOr<v1::Ticket> TicketManager::GetTicket(const Principal& caller,
                                                    const v1::GetTicketRequest& request,
                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "tickets", request.name()));
  return store_->Get(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListTicketsResponse> TicketManager::ListTickets(
    const Principal& caller, const v1::ListTicketsRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"status", "priority", "channel",
                                                "type",   "account",  "requester_email"};
  // kFields and TicketConditions() name the same fields.
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanList(*page_tokens_, caller.tenant,
                            {request.page_size(), request.page_token(), request.filter(),
                             request.order_by()},
                            kFields));
  ASSIGN_OR_RETURN(std::vector<TicketCondition> conditions, TicketConditions(plan.terms));
  ASSIGN_OR_RETURN(TicketPage page, store_->List(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.tickets)) page.has_more = true;
  v1::ListTicketsResponse response;
  for (v1::Ticket& ticket : page.tickets) *response.add_tickets() = std::move(ticket);
  if (page.has_more && response.tickets_size() > 0) {
    const v1::Ticket& last = response.tickets(response.tickets_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan,
        {FromProtoTime(last.create_time()), last.name().substr(last.name().find('/') + 1)}));
  }
  return response;
}

}  // namespace tandem::support
