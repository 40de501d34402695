#include "services/support/ticket_rules.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/support/ticket_lifecycle.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxSubject = 250;
constexpr size_t kMaxDescription = 65536;
constexpr size_t kMaxEmail = 254;
constexpr int kMaxTags = 20;
constexpr size_t kMaxTag = 64;
constexpr size_t kMaxAssignee = 128;
constexpr size_t kMaxReason = 500;
constexpr size_t kMaxComment = 2000;
constexpr int kTopTier = 3;

bool ValidTag(const std::string& tag) {
  return !tag.empty() && tag.size() <= kMaxTag && std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool ValidEmail(const std::string& email) {
  const size_t at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == std::string::npos &&
         std::none_of(email.begin(), email.end(),
                      [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}

// The fields UpdateTicket may change.
const std::set<std::string>& UpdatableFields() {
  static const auto* const kFields =
      new std::set<std::string>{"subject", "description", "requester_email", "type",
                                "priority", "status", "tags", "assignee", "group",
                                "custom_status", "requester_contact"};
  return *kFields;
}

// Returns `tags` sorted and without duplicates.
std::vector<std::string> NormalizedTags(
    const google::protobuf::RepeatedPtrField<std::string>& tags) {
  std::set<std::string> unique(tags.begin(), tags.end());
  return {unique.begin(), unique.end()};
}

// Returns a field's value as history text.
std::string FieldText(const v1::Ticket& ticket, absl::string_view field) {
  if (field == "subject") return ticket.subject();
  if (field == "description") return ticket.description();
  if (field == "requester_email") return ticket.requester_email();
  if (field == "type") return v1::Ticket::Type_Name(ticket.type());
  if (field == "priority") return v1::Ticket::Priority_Name(ticket.priority());
  if (field == "status") return v1::Ticket::Status_Name(ticket.status());
  if (field == "tags") return absl::StrJoin(ticket.tags(), ",");
  if (field == "assignee") return ticket.assignee();
  if (field == "custom_status") return ticket.custom_status();
  if (field == "group") return ticket.group();
  if (field == "requester_contact") return ticket.requester_contact();
  if (field == "account") return ticket.account();
  return "";
}

// Copies `field` from `from` into `to`.
void CopyField(const v1::Ticket& from, absl::string_view field, v1::Ticket& to) {
  if (field == "subject") to.set_subject(std::string(absl::StripAsciiWhitespace(from.subject())));
  if (field == "description") to.set_description(from.description());
  if (field == "requester_email") to.set_requester_email(from.requester_email());
  if (field == "type") to.set_type(from.type());
  if (field == "priority") to.set_priority(from.priority());
  if (field == "status") to.set_status(from.status());
  if (field == "assignee") to.set_assignee(from.assignee());
  if (field == "custom_status") to.set_custom_status(from.custom_status());
  if (field == "group") to.set_group(from.group());
  if (field == "requester_contact") to.set_requester_contact(from.requester_contact());
  if (field == "tags") {
    to.clear_tags();
    for (const std::string& tag : NormalizedTags(from.tags())) to.add_tags(tag);
  }
}

}  // namespace

absl::StatusOr<RequesterContact> ParseRequesterContact(absl::string_view field,
                                                       absl::string_view name,
                                                       bool allow_any_account) {
  if (name.empty()) return InvalidField(std::string(field), "is required");
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  const bool any = allow_any_account && parts.size() == 4 && parts[1] == "-";
  if (parts.size() != 4 || parts[0] != "accounts" || parts[2] != "contacts" ||
      !(any || IsValidId(parts[1])) || !IsValidId(parts[3])) {
    return InvalidField(std::string(field),
                        allow_any_account
                            ? "must look like accounts/{account}/contacts/{contact} (the "
                              "account may be -)"
                            : "must look like accounts/{account}/contacts/{contact}");
  }
  return RequesterContact{.account_id = parts[1], .contact_id = parts[3]};
}

std::string RequesterContactName(absl::string_view account_id, absl::string_view contact_id) {
  return absl::StrCat("accounts/", account_id, "/contacts/", contact_id);
}

void CheckTicketFields(const v1::Ticket& ticket,
                       const std::function<bool(absl::string_view)>& checked,
                       FieldViolations& violations) {
  if (checked("subject")) {
    if (absl::StripAsciiWhitespace(ticket.subject()).empty()) {
      violations.Add("ticket.subject", "is required");
    } else if (ticket.subject().size() > kMaxSubject) {
      violations.Add("ticket.subject", absl::StrCat("must be at most ", kMaxSubject, " bytes"));
    }
  }
  if (checked("description") && ticket.description().size() > kMaxDescription) {
    violations.Add("ticket.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
  if (checked("requester_email") && !ticket.requester_email().empty() &&
      (ticket.requester_email().size() > kMaxEmail || !ValidEmail(ticket.requester_email()))) {
    violations.Add("ticket.requester_email", "must be an e-mail address of at most 254 characters");
  }
  if (checked("account") && !ticket.account().empty() &&
      !ParseResourceName("ticket.account", "accounts", ticket.account()).ok()) {
    violations.Add("ticket.account", "must look like accounts/{id}");
  }
  if (checked("channel") && !v1::Ticket::Channel_IsValid(ticket.channel())) {
    violations.Add("ticket.channel", "is not a known channel");
  }
  if (checked("type") && !v1::Ticket::Type_IsValid(ticket.type())) {
    violations.Add("ticket.type", "is not a known type");
  }
  if (checked("priority") && !v1::Ticket::Priority_IsValid(ticket.priority())) {
    violations.Add("ticket.priority", "is not a known priority");
  }
  if (checked("assignee") && !ticket.assignee().empty() &&
      !ParseResourceName("ticket.assignee", "agents", ticket.assignee()).ok()) {
    violations.Add("ticket.assignee", "must look like agents/{id}, or be empty");
  }
  if (checked("requester_contact") && !ticket.requester_contact().empty()) {
    auto contact = ParseRequesterContact("ticket.requester_contact", ticket.requester_contact(),
                                         /*allow_any_account=*/false);
    if (!contact.ok()) {
      violations.Add("ticket.requester_contact",
                     "must look like accounts/{account}/contacts/{contact}, or be empty");
    } else if (checked("account") && !ticket.account().empty() &&
               ParseResourceName("ticket.account", "accounts", ticket.account()).ok() &&
               ticket.account() != ResourceName("accounts", contact->account_id)) {
      violations.Add("ticket.requester_contact",
                     absl::StrCat("must be a contact of the ticket's account ", ticket.account()));
    }
  }
  if (checked("group") && !ticket.group().empty() &&
      !ParseResourceName("ticket.group", "groups", ticket.group()).ok()) {
    violations.Add("ticket.group", "must look like groups/{id}, or be empty");
  }
  if (checked("tags")) {
    if (ticket.tags_size() > kMaxTags) {
      violations.Add("ticket.tags", absl::StrCat("must have at most ", kMaxTags, " tags"));
    }
    for (int i = 0; i < ticket.tags_size(); ++i) {
      if (!ValidTag(ticket.tags(i))) {
        violations.Add(absl::StrCat("ticket.tags[", i, "]"),
                       "must be 1-64 characters of a-z, 0-9, '-', '_' or '.'");
      }
    }
  }
}

v1::Ticket PrepareNewTicket(const v1::Ticket& requested, const std::string& id,
                            absl::Time create_time) {
  v1::Ticket ticket = requested;
  ticket.set_name(ResourceName("tickets", id));
  ticket.set_subject(std::string(absl::StripAsciiWhitespace(ticket.subject())));
  if (ticket.channel() == v1::Ticket::CHANNEL_UNSPECIFIED) ticket.set_channel(v1::Ticket::API);
  if (ticket.type() == v1::Ticket::TYPE_UNSPECIFIED) ticket.set_type(v1::Ticket::QUESTION);
  if (ticket.priority() == v1::Ticket::PRIORITY_UNSPECIFIED) {
    ticket.set_priority(v1::Ticket::NORMAL);
  }
  ticket.set_status(v1::Ticket::NEW);
  ticket.set_escalation_tier(1);
  ticket.clear_escalation_reason();
  ticket.clear_satisfaction();
  ticket.clear_custom_status();
  ticket.clear_merged_into();
  ticket.clear_merged_tickets();
  ticket.clear_imported();
  ticket.clear_external_id();
  ticket.clear_reopen_count();
  ticket.clear_solve_time();
  ticket.clear_close_time();
  ticket.clear_first_response_time();
  ticket.clear_agent_reply_count();
  const std::vector<std::string> tags = NormalizedTags(ticket.tags());
  ticket.clear_tags();
  for (const std::string& tag : tags) ticket.add_tags(tag);
  ticket.set_account_tier(success::v1::TOUCH_TIER_UNSPECIFIED);
  ticket.set_account_check(v1::Ticket::ACCOUNT_CHECK_UNSPECIFIED);
  if (ticket.account().empty() && !ticket.requester_contact().empty()) {
    // A ticket from a known contact is about the contact's account.
    auto contact = ParseRequesterContact("ticket.requester_contact", ticket.requester_contact(),
                                         /*allow_any_account=*/false);
    if (contact.ok()) ticket.set_account(ResourceName("accounts", contact->account_id));
  }
  ticket.clear_etag();
  *ticket.mutable_create_time() = ToProtoTime(create_time);
  *ticket.mutable_update_time() = ToProtoTime(create_time);
  return ticket;
}

absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& request) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_ticket()) {
    violations.Add("ticket", "is required");
    return violations.ToStatus();
  }
  CheckTicketFields(
      request.ticket(), [](absl::string_view) { return true; }, violations);
  return violations.ToStatus();
}

absl::Status ValidateUpdateTicket(const v1::UpdateTicketRequest& request) {
  FieldViolations violations;
  if (!request.has_ticket()) violations.Add("ticket", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableFields(), violations);
  if (!violations.empty()) return violations.ToStatus();
  if (!ParseResourceName("ticket.name", "tickets", request.ticket().name()).ok()) {
    violations.Add("ticket.name", "must look like tickets/{id}");
  }
  const v1::Ticket& ticket = request.ticket();
  CheckTicketFields(
      ticket, [&](absl::string_view field) { return paths.contains(std::string(field)); },
      violations);
  // Updating to "unspecified" has no meaning.
  if (paths.contains("type") && ticket.type() == v1::Ticket::TYPE_UNSPECIFIED) {
    violations.Add("ticket.type", "must be set");
  }
  if (paths.contains("priority") && ticket.priority() == v1::Ticket::PRIORITY_UNSPECIFIED) {
    violations.Add("ticket.priority", "must be set");
  }
  if (paths.contains("status") && (!v1::Ticket::Status_IsValid(ticket.status()) ||
                                   ticket.status() == v1::Ticket::STATUS_UNSPECIFIED)) {
    violations.Add("ticket.status", "must be a known status");
  }
  if (paths.contains("custom_status") && !ticket.custom_status().empty() &&
      !ParseResourceName("ticket.custom_status", "customStatuses", ticket.custom_status()).ok()) {
    violations.Add("ticket.custom_status", "must look like customStatuses/{id}, or be empty");
  }
  return violations.ToStatus();
}

absl::StatusOr<TicketUpdate> DecideAccountCheck(const v1::Ticket& current,
                                                const absl::StatusOr<AccountFacts>& facts,
                                                absl::Time now, const std::string& next_etag) {
  TicketUpdate update;
  update.ticket = current;
  const bool known = facts.ok();
  const bool unknown = !known && facts.status().code() == absl::StatusCode::kNotFound;
  if (current.account_check() != v1::Ticket::PENDING_VERIFICATION || (!known && !unknown)) {
    return update;  // nothing to do, or ask again later
  }
  v1::Ticket& after = update.ticket;
  after.set_account_check(known ? v1::Ticket::VERIFIED : v1::Ticket::UNKNOWN_ACCOUNT);
  if (known) after.set_account_tier(facts->tier);
  *after.mutable_update_time() = ToProtoTime(now);
  after.set_etag(next_etag);
  v1::TicketChange& change = update.changes.emplace_back();
  change.set_actor(std::string(kAccountCheckActor));
  change.set_field("account_check");
  change.set_old_value(v1::Ticket::AccountCheck_Name(current.account_check()));
  change.set_new_value(
      known ? absl::StrCat(v1::Ticket::AccountCheck_Name(after.account_check()), " (",
                           success::v1::TouchTier_Name(after.account_tier()), ")")
            : v1::Ticket::AccountCheck_Name(after.account_check()));
  *change.mutable_change_time() = ToProtoTime(now);
  auto updated = std::make_unique<v1::TicketUpdated>();
  *updated->mutable_ticket() = after;
  updated->add_changed_fields("account_check");
  if (known) updated->add_changed_fields("account_tier");
  updated->set_previous_status(current.status());
  updated->set_actor(std::string(kAccountCheckActor));
  update.events.push_back(std::move(updated));
  return update;
}

absl::Status ValidateCreateMessage(const v1::CreateMessageRequest& request) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!ParseResourceName("parent", "tickets", request.parent()).ok()) {
    violations.Add("parent", "must look like tickets/{id}");
  }
  if (!request.has_message()) {
    violations.Add("message", "is required");
    return violations.ToStatus();
  }
  CheckMessageFields(request.message(), "message", violations);
  return violations.ToStatus();
}

void CheckMessageFields(const v1::Message& message, const std::string& prefix,
                        FieldViolations& violations) {
  if (!v1::Message::AuthorType_IsValid(message.author_type()) ||
      message.author_type() == v1::Message::AUTHOR_TYPE_UNSPECIFIED) {
    violations.Add(prefix + ".author_type", "must be CUSTOMER, AGENT or SYSTEM");
  }
  if (message.body().empty() || message.body().size() > kMaxDescription) {
    violations.Add(prefix + ".body", absl::StrCat("must be 1 to ", kMaxDescription, " bytes"));
  }
  if (!message.author_email().empty() &&
      (message.author_email().size() > kMaxEmail || !ValidEmail(message.author_email()))) {
    violations.Add(prefix + ".author_email",
                   "must be an e-mail address of at most 254 characters");
  }
  if (message.internal() && message.author_type() == v1::Message::CUSTOMER) {
    violations.Add(prefix + ".internal", "customers cannot write internal notes");
  }
}

absl::StatusOr<MessagePosting> DecideMessagePosting(const v1::Ticket& current,
                                                    const v1::Message& message, absl::Time now,
                                                    const std::string& next_etag) {
  if (current.status() == v1::Ticket::CLOSED) {
    return absl::FailedPreconditionError(
        "the ticket is CLOSED and takes no more messages; open a follow-up ticket");
  }
  MessagePosting posting;
  posting.message = message;
  const bool is_public = !message.internal();
  const bool agent_reply = is_public && message.author_type() == v1::Message::AGENT;
  const bool customer_reply = is_public && message.author_type() == v1::Message::CUSTOMER;

  // A status the message moves the ticket to, through the same rules (and
  // history, and events) as UpdateTicket.
  v1::Ticket::Status next_status = current.status();
  if (agent_reply && current.status() == v1::Ticket::NEW) next_status = v1::Ticket::OPEN;
  if (customer_reply &&
      (current.status() == v1::Ticket::PENDING || current.status() == v1::Ticket::SOLVED)) {
    next_status = v1::Ticket::OPEN;
  }
  TicketUpdate& update = posting.ticket_update;
  update.ticket = current;
  if (next_status != current.status()) {
    v1::UpdateTicketRequest status_change;
    status_change.mutable_ticket()->set_status(next_status);
    status_change.mutable_update_mask()->add_paths("status");
    ASSIGN_OR_RETURN(update,
                     DecideTicketUpdate(current, status_change, message.author(), now, next_etag));
    posting.ticket_changed = true;
  }
  v1::Ticket& after = update.ticket;
  bool first_response = false;
  if (agent_reply) {
    after.set_agent_reply_count(current.agent_reply_count() + 1);
    if (!current.has_first_response_time()) {
      *after.mutable_first_response_time() = message.create_time();
      first_response = true;
    }
    posting.ticket_changed = true;
  }
  if (posting.ticket_changed) {
    *after.mutable_update_time() = ToProtoTime(now);
    after.set_etag(next_etag);
  }
  auto replied = std::make_unique<v1::TicketReplied>();
  *replied->mutable_ticket() = after;
  *replied->mutable_message() = message;
  replied->set_first_response(first_response);
  if (first_response) {
    *replied->mutable_first_response_duration() =
        ToProtoDuration(FromProtoTime(message.create_time()) - FromProtoTime(current.create_time()));
  }
  update.events.push_back(std::move(replied));
  return posting;
}

absl::Status ValidateEscalateTicket(const v1::EscalateTicketRequest& request) {
  FieldViolations violations;
  if (!ParseResourceName("name", "tickets", request.name()).ok()) {
    violations.Add("name", "must look like tickets/{id}");
  }
  if (request.tier() != 0 && (request.tier() < 2 || request.tier() > kTopTier)) {
    violations.Add("tier", "must be 2 or 3, or 0 for the next tier");
  }
  if (absl::StripAsciiWhitespace(request.reason()).empty() ||
      request.reason().size() > kMaxReason) {
    violations.Add("reason", absl::StrCat("must be 1 to ", kMaxReason, " bytes"));
  }
  return violations.ToStatus();
}

absl::StatusOr<TicketUpdate> DecideEscalation(const v1::Ticket& current,
                                              const v1::EscalateTicketRequest& request,
                                              const std::string& actor, absl::Time now,
                                              const std::string& next_etag) {
  RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag()));
  if (current.status() == v1::Ticket::SOLVED || current.status() == v1::Ticket::CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("a ", v1::Ticket::Status_Name(current.status()),
                     " ticket cannot be escalated; reopen it first"));
  }
  const int target = request.tier() == 0 ? current.escalation_tier() + 1 : request.tier();
  if (target > kTopTier) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ticket is already at the highest tier, ", kTopTier));
  }
  if (target <= current.escalation_tier()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ticket is already at tier ", current.escalation_tier(), "; escalate to a higher one"));
  }
  TicketUpdate update;
  update.ticket = current;
  v1::Ticket& after = update.ticket;
  after.set_escalation_tier(target);
  after.set_escalation_reason(std::string(absl::StripAsciiWhitespace(request.reason())));
  *after.mutable_update_time() = ToProtoTime(now);
  after.set_etag(next_etag);
  v1::TicketChange& change = update.changes.emplace_back();
  change.set_actor(actor);
  change.set_field("escalation_tier");
  change.set_old_value(absl::StrCat(current.escalation_tier()));
  change.set_new_value(absl::StrCat(target, ": ", after.escalation_reason()));
  *change.mutable_change_time() = ToProtoTime(now);
  auto escalated = std::make_unique<v1::TicketEscalated>();
  *escalated->mutable_ticket() = after;
  escalated->set_previous_tier(current.escalation_tier());
  escalated->set_reason(after.escalation_reason());
  escalated->set_actor(actor);
  update.events.push_back(std::move(escalated));
  return update;
}

absl::Status ValidateRateTicket(const v1::RateTicketRequest& request) {
  FieldViolations violations;
  if (!ParseResourceName("name", "tickets", request.name()).ok()) {
    violations.Add("name", "must look like tickets/{id}");
  }
  if (!request.has_rating()) {
    violations.Add("rating", "is required");
    return violations.ToStatus();
  }
  if (request.rating().score() < 1 || request.rating().score() > 5) {
    violations.Add("rating.score", "must be 1 to 5");
  }
  if (request.rating().comment().size() > kMaxComment) {
    violations.Add("rating.comment", absl::StrCat("must be at most ", kMaxComment, " bytes"));
  }
  return violations.ToStatus();
}

absl::StatusOr<TicketUpdate> DecideRating(const v1::Ticket& current,
                                          const v1::SatisfactionRating& rating,
                                          const std::string& actor, absl::Time now,
                                          const std::string& next_etag) {
  if (current.status() != v1::Ticket::SOLVED) {
    return absl::FailedPreconditionError(
        absl::StrCat("only a SOLVED ticket can be rated; this one is ",
                     v1::Ticket::Status_Name(current.status())));
  }
  TicketUpdate update;
  update.ticket = current;
  const v1::SatisfactionRating& before = current.satisfaction();
  if (current.has_satisfaction() && before.score() == rating.score() &&
      before.comment() == rating.comment()) {
    return update;  // the same rating again changes nothing
  }
  v1::Ticket& after = update.ticket;
  v1::SatisfactionRating& stored = *after.mutable_satisfaction();
  stored.set_score(rating.score());
  stored.set_comment(rating.comment());
  *stored.mutable_rate_time() = ToProtoTime(now);
  stored.set_rated_agent(current.assignee());  // who the rating counts for
  *after.mutable_update_time() = ToProtoTime(now);
  after.set_etag(next_etag);
  v1::TicketChange& change = update.changes.emplace_back();
  change.set_actor(actor);
  change.set_field("satisfaction");
  change.set_old_value(current.has_satisfaction() ? absl::StrCat(before.score()) : "");
  change.set_new_value(absl::StrCat(rating.score()));
  *change.mutable_change_time() = ToProtoTime(now);
  auto rated = std::make_unique<v1::TicketRated>();
  *rated->mutable_ticket() = after;
  *rated->mutable_rating() = stored;
  rated->set_previous_score(current.has_satisfaction() ? before.score() : 0);
  update.events.push_back(std::move(rated));
  return update;
}

absl::StatusOr<TicketUpdate> DecideTicketUpdate(const v1::Ticket& current,
                                                const v1::UpdateTicketRequest& request,
                                                const std::string& actor, absl::Time now,
                                                const std::string& next_etag,
                                                const v1::CustomStatus* custom_status,
                                                const AdoptedAccount* adopted) {
  RETURN_IF_ERROR(CheckEtag(request.ticket().etag(), current.etag()));
  TicketUpdate update;
  update.ticket = current;
  v1::Ticket& after = update.ticket;
  std::set<std::string> paths(request.update_mask().paths().begin(),
                              request.update_mask().paths().end());
  for (const std::string& path : paths) CopyField(request.ticket(), path, after);
  if (paths.contains("requester_contact") && !after.requester_contact().empty() &&
      after.requester_contact() != current.requester_contact()) {
    ASSIGN_OR_RETURN(RequesterContact contact,
                     ParseRequesterContact("ticket.requester_contact", after.requester_contact(),
                                           /*allow_any_account=*/false));
    const std::string contact_account = ResourceName("accounts", contact.account_id);
    if (!current.account().empty() && current.account() != contact_account) {
      return InvalidField(
          "ticket.requester_contact",
          absl::StrCat("must be a contact of the ticket's account ", current.account()));
    }
    if (current.account().empty()) {
      // The ticket takes the contact's account, as Success described it.
      if (adopted == nullptr || adopted->account != contact_account) {
        return absl::AbortedError(
            "the ticket changed while its new contact was checked with Success; try again");
      }
      after.set_account(adopted->account);
      after.set_account_tier(adopted->tier);
      after.set_account_check(adopted->check);
      paths.insert("account");
    }
  }
  if (paths.contains("custom_status") && !after.custom_status().empty()) {
    // The label decides the status category.
    if (custom_status == nullptr || custom_status->name() != after.custom_status()) {
      return absl::InternalError("the custom status was not resolved before the update");
    }
    if (!custom_status->active() && current.custom_status() != after.custom_status()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "custom status ", custom_status->name(), " is inactive; activate it first"));
    }
    if (paths.contains("status") && request.ticket().status() != custom_status->category()) {
      return InvalidField("ticket.status",
                          absl::StrCat("contradicts the custom status, whose category is ",
                                       v1::Ticket::Status_Name(custom_status->category())));
    }
    after.set_status(custom_status->category());
  } else if (!paths.contains("custom_status") && after.status() != current.status()) {
    after.clear_custom_status();  // a label belongs to the status it was set in
  }
  RETURN_IF_ERROR(CheckStatusChange(current.status(), after.status()));
  std::vector<std::string> changed;
  if (current.custom_status() != after.custom_status()) paths.insert("custom_status");
  if (current.status() != after.status()) paths.insert("status");
  for (const std::string& path : paths) {
    const std::string before_text = FieldText(current, path);
    const std::string after_text = FieldText(after, path);
    if (before_text == after_text) continue;
    changed.push_back(path);
    v1::TicketChange& change = update.changes.emplace_back();
    change.set_actor(actor);
    change.set_field(path);
    change.set_old_value(before_text);
    change.set_new_value(after_text);
    *change.mutable_change_time() = ToProtoTime(now);
  }
  if (changed.empty()) return update;  // nothing to write
  const bool status_changed = current.status() != after.status();
  if (status_changed && IsReopen(current.status(), after.status())) {
    after.set_reopen_count(current.reopen_count() + 1);
    after.clear_solve_time();
  }
  if (status_changed && after.status() == v1::Ticket::SOLVED) {
    *after.mutable_solve_time() = ToProtoTime(now);
  }
  if (status_changed && after.status() == v1::Ticket::CLOSED) {
    *after.mutable_close_time() = ToProtoTime(now);
  }
  *after.mutable_update_time() = ToProtoTime(now);
  after.set_etag(next_etag);

  auto updated = std::make_unique<v1::TicketUpdated>();
  *updated->mutable_ticket() = after;
  for (const std::string& field : changed) updated->add_changed_fields(field);
  updated->set_previous_status(current.status());
  updated->set_actor(actor);
  update.events.push_back(std::move(updated));
  if (status_changed && after.status() == v1::Ticket::SOLVED) {
    auto solved = std::make_unique<v1::TicketSolved>();
    *solved->mutable_ticket() = after;
    solved->set_actor(actor);
    *solved->mutable_resolution_duration() =
        ToProtoDuration(now - FromProtoTime(after.create_time()));
    update.events.push_back(std::move(solved));
  } else if (status_changed && IsReopen(current.status(), after.status())) {
    auto reopened = std::make_unique<v1::TicketReopened>();
    *reopened->mutable_ticket() = after;
    reopened->set_actor(actor);
    update.events.push_back(std::move(reopened));
  } else if (status_changed && after.status() == v1::Ticket::CLOSED) {
    auto closed = std::make_unique<v1::TicketClosed>();
    *closed->mutable_ticket() = after;
    closed->set_actor(actor);
    update.events.push_back(std::move(closed));
  }
  return update;
}

absl::Status ValidateMergeTicket(const v1::MergeTicketRequest& request) {
  FieldViolations violations;
  auto source = ParseResourceName("name", "tickets", request.name());
  auto target = ParseResourceName("target", "tickets", request.target());
  if (!source.ok()) violations.Add("name", "must look like tickets/{id}");
  if (!target.ok()) violations.Add("target", "must look like tickets/{id}");
  if (source.ok() && target.ok() && *source == *target) {
    violations.Add("target", "must be another ticket than `name`");
  }
  if (request.comment().size() > kMaxComment) {
    violations.Add("comment", absl::StrCat("must be at most ", kMaxComment, " bytes"));
  }
  return violations.ToStatus();
}

absl::StatusOr<MergeOutcome> DecideMerge(const v1::Ticket& source, const v1::Ticket& target,
                                         const v1::MergeTicketRequest& request,
                                         const std::string& actor, absl::Time now,
                                         const std::string& source_next_etag,
                                         const std::string& target_next_etag,
                                         const std::pair<std::string, std::string>& note_ids) {
  RETURN_IF_ERROR(CheckEtag(request.etag(), source.etag()));
  if (!source.merged_into().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(source.name(), " was already merged into ", source.merged_into()));
  }
  for (const v1::Ticket* ticket : {&source, &target}) {
    if (ticket->status() == v1::Ticket::CLOSED) {
      return absl::FailedPreconditionError(
          absl::StrCat(ticket->name(), " is CLOSED; closed tickets cannot be merged"));
    }
  }
  const std::string comment(absl::StripAsciiWhitespace(request.comment()));
  auto note = [&](const v1::Ticket& on, const std::string& id, std::string body) {
    v1::Message message;
    message.set_name(absl::StrCat(on.name(), "/messages/", id));
    message.set_author_type(v1::Message::SYSTEM);
    message.set_author(actor);
    message.set_internal(true);
    if (!comment.empty()) absl::StrAppend(&body, "\n\n", comment);
    if (body.size() > kMaxDescription) body.resize(kMaxDescription);
    message.set_body(std::move(body));
    *message.mutable_create_time() = ToProtoTime(now);
    return message;
  };
  MergeOutcome outcome;
  outcome.notes.push_back(note(source, note_ids.first,
                               absl::StrCat("Merged into ", target.name(), ".")));
  outcome.notes.push_back(note(target, note_ids.second,
                               absl::StrCat(source.name(), " (\"", source.subject(),
                                            "\") was merged into this ticket. Its description:\n\n",
                                            source.description())));

  // The source closes whatever its status: a merge is not a solve, so no
  // solve time is stamped.
  TicketUpdate& from = outcome.source;
  from.ticket = source;
  v1::Ticket& closed = from.ticket;
  closed.set_status(v1::Ticket::CLOSED);
  closed.clear_custom_status();
  closed.set_merged_into(target.name());
  *closed.mutable_close_time() = ToProtoTime(now);
  *closed.mutable_update_time() = ToProtoTime(now);
  closed.set_etag(source_next_etag);
  auto record = [&](TicketUpdate& update, const std::string& field, std::string old_value,
                    std::string new_value) {
    v1::TicketChange& change = update.changes.emplace_back();
    change.set_actor(actor);
    change.set_field(field);
    change.set_old_value(std::move(old_value));
    change.set_new_value(std::move(new_value));
    *change.mutable_change_time() = ToProtoTime(now);
  };
  record(from, "status", v1::Ticket::Status_Name(source.status()), "CLOSED");
  record(from, "merged_into", "", target.name());

  TicketUpdate& into = outcome.target;
  into.ticket = target;
  v1::Ticket& merged = into.ticket;
  merged.add_merged_tickets(source.name());
  *merged.mutable_update_time() = ToProtoTime(now);
  merged.set_etag(target_next_etag);
  record(into, "merged_tickets", absl::StrJoin(target.merged_tickets(), ","),
         absl::StrJoin(merged.merged_tickets(), ","));

  auto source_updated = std::make_unique<v1::TicketUpdated>();
  *source_updated->mutable_ticket() = closed;
  source_updated->add_changed_fields("status");
  source_updated->add_changed_fields("merged_into");
  source_updated->set_previous_status(source.status());
  source_updated->set_actor(actor);
  from.events.push_back(std::move(source_updated));
  auto source_closed = std::make_unique<v1::TicketClosed>();
  *source_closed->mutable_ticket() = closed;
  source_closed->set_actor(actor);
  from.events.push_back(std::move(source_closed));
  auto merge_event = std::make_unique<v1::TicketMerged>();
  *merge_event->mutable_source() = closed;
  *merge_event->mutable_target() = merged;
  merge_event->set_actor(actor);
  from.events.push_back(std::move(merge_event));
  auto target_updated = std::make_unique<v1::TicketUpdated>();
  *target_updated->mutable_ticket() = merged;
  target_updated->add_changed_fields("merged_tickets");
  target_updated->set_previous_status(target.status());
  target_updated->set_actor(actor);
  into.events.push_back(std::move(target_updated));
  // Every message is announced, the merge notes too.
  for (size_t i = 0; i < outcome.notes.size(); ++i) {
    TicketUpdate& update = i == 0 ? from : into;
    auto replied = std::make_unique<v1::TicketReplied>();
    *replied->mutable_ticket() = update.ticket;
    *replied->mutable_message() = outcome.notes[i];
    update.events.push_back(std::move(replied));
  }
  return outcome;
}

absl::StatusOr<std::vector<TicketCondition>> TicketConditions(const std::vector<FilterTerm>& terms,
                                                              absl::Time at_risk_until) {
  enum class Kind { kEnum, kText, kAccount, kTime, kResource, kBool, kAtRisk, kContact };
  struct FieldSpec {
    TicketField field;
    Kind kind;
    const google::protobuf::EnumDescriptor* values = nullptr;  // for kEnum
    const char* collection = nullptr;                          // for kResource
  };
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"status", {TicketField::kStatus, Kind::kEnum, v1::Ticket::Status_descriptor()}},
      {"priority", {TicketField::kPriority, Kind::kEnum, v1::Ticket::Priority_descriptor()}},
      {"channel", {TicketField::kChannel, Kind::kEnum, v1::Ticket::Channel_descriptor()}},
      {"type", {TicketField::kType, Kind::kEnum, v1::Ticket::Type_descriptor()}},
      {"account", {TicketField::kAccount, Kind::kAccount}},
      {"requester_email", {TicketField::kRequesterEmail, Kind::kText}},
      {"assignee", {TicketField::kAssignee, Kind::kResource, nullptr, "agents"}},
      {"sla_breached", {TicketField::kSlaBreached, Kind::kBool}},
      {"sla_due_time", {TicketField::kSlaDueTime, Kind::kTime}},
      {"sla_at_risk", {TicketField::kSlaDueTime, Kind::kAtRisk}},
      {"tag", {TicketField::kTag, Kind::kText}},
      {"create_time", {TicketField::kCreateTime, Kind::kTime}},
      {"update_time", {TicketField::kUpdateTime, Kind::kTime}},
      {"group", {TicketField::kGroup, Kind::kResource, nullptr, "groups"}},
      {"requester_contact", {TicketField::kRequesterContact, Kind::kContact}},
      {"custom_status", {TicketField::kCustomStatus, Kind::kResource, nullptr, "customStatuses"}},
      {"imported", {TicketField::kImported, Kind::kBool}},
  };
  std::vector<TicketCondition> conditions;
  for (const FilterTerm& term : terms) {
    const FieldSpec& spec = kSpecs->at(term.field);
    TicketCondition condition{.field = spec.field, .op = term.op, .value = term.value};
    if (spec.kind != Kind::kTime) RETURN_IF_ERROR(RequireEquality(term));
    switch (spec.kind) {
      case Kind::kEnum: {
        ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *spec.values));
        break;
      }
      case Kind::kAccount: {
        auto id = ParseResourceName("filter", "accounts", term.value);
        if (!id.ok()) return InvalidField("filter", "account must look like accounts/{id}");
        condition.value = *id;
        break;
      }
      case Kind::kTime: {
        ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
        break;
      }
      case Kind::kResource: {
        auto id = ParseResourceName("filter", spec.collection, term.value);
        if (!id.ok()) {
          return InvalidField("filter", absl::StrCat(term.field, " must look like ",
                                                     spec.collection, "/{id}"));
        }
        condition.value = *id;
        break;
      }
      case Kind::kContact: {
        // The ticket's account is its contact's, so the account part of the
        // name filters on the ticket's account; `-` matches any.
        auto contact = ParseRequesterContact("filter", term.value, /*allow_any_account=*/true);
        if (!contact.ok()) {
          return InvalidField(
              "filter",
              "requester_contact must look like "
              "accounts/{account}/contacts/{contact}, or accounts/-/contacts/{contact}");
        }
        condition.value = contact->contact_id;
        // `!=` needs only the contact: contact ids are unique across accounts.
        if (contact->account_id != "-" && term.op == FilterOp::kEq) {
          conditions.push_back(TicketCondition{
              .field = TicketField::kAccount, .op = FilterOp::kEq, .value = contact->account_id});
        }
        break;
      }
      case Kind::kAtRisk: {
        // Due within the window (or overdue and not yet marked).
        if (term.op != FilterOp::kEq || term.value != "true") {
          return InvalidField("filter", "sla_at_risk takes only `= true`");
        }
        condition.op = FilterOp::kLe;
        ASSIGN_OR_RETURN(condition.value,
                         TimeFilterValue({.field = term.field,
                                          .value = absl::FormatTime(absl::RFC3339_full,
                                                                    at_risk_until,
                                                                    absl::UTCTimeZone())}));
        break;
      }
      case Kind::kBool: {
        if (term.value != "true" && term.value != "false") {
          return InvalidField("filter", absl::StrCat(term.field, " must be true or false"));
        }
        condition.value = term.value == "true" ? "1" : "0";
        break;
      }
      case Kind::kText:
        break;
    }
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

}  // namespace tandem::support
