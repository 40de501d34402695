#include "services/support/ticket_manager.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::support {

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
  ticket.set_escalation_tier(1);
  ticket.clear_escalation_reason();
  ticket.clear_satisfaction();
  std::set<std::string> unique_tags(ticket.tags().begin(), ticket.tags().end());
  ticket.clear_tags();
  for (const std::string& tag : unique_tags) ticket.add_tags(tag);
  ticket.set_account_tier(success::v1::TOUCH_TIER_UNSPECIFIED);
  ticket.set_account_check(v1::Ticket::ACCOUNT_CHECK_UNSPECIFIED);
  ticket.clear_etag();
  *ticket.mutable_create_time() = ToProtoTime(now);
  *ticket.mutable_update_time() = ToProtoTime(now);

  if (!ticket.account().empty()) {
    absl::StatusOr<AccountFacts> facts =
        accounts_->Lookup(caller.tenant, ticket.account(), deadline);
    if (facts.ok()) {
      ticket.set_account_tier(facts->tier);
      ticket.set_account_check(v1::Ticket::VERIFIED);
    } else if (facts.status().code() == absl::StatusCode::kNotFound) {
      return InvalidField("ticket.account", "does not exist in Success");
    } else {
      // Success being down must not stop Support from taking tickets.
      logging::Warn("account check deferred", {{"account", ticket.account()},
                                               {"error", std::string(facts.status().message())}});
      ticket.set_account_check(v1::Ticket::PENDING_VERIFICATION);
    }
  }
  return store_->Create(caller.tenant, caller.subject, ticket, key, deadline);
}

absl::StatusOr<v1::Ticket> TicketManager::GetTicket(const Principal& caller,
                                                    const v1::GetTicketRequest& request,
                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "tickets", request.name()));
  return store_->Get(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListTicketsResponse> TicketManager::ListTickets(
    const Principal& caller, const v1::ListTicketsRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {
      "status", "priority", "channel",  "type",        "account",
      "requester_email", "assignee", "tag", "create_time", "update_time"};
  // kFields and TicketConditions() name the same fields.
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
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

absl::StatusOr<v1::Ticket> TicketManager::UpdateTicket(const Principal& caller,
                                                       const v1::UpdateTicketRequest& request,
                                                       absl::Time deadline) {
  RETURN_IF_ERROR(ValidateUpdateTicket(request));
  ASSIGN_OR_RETURN(std::string id,
                   ParseResourceName("ticket.name", "tickets", request.ticket().name()));
  const absl::Time now = clock_->Now();
  return store_->Update(
      caller.tenant, id,
      [&](const v1::Ticket& current, const std::string& next_etag) {
        return DecideTicketUpdate(current, request, caller.subject, now, next_etag);
      },
      deadline);
}

absl::StatusOr<v1::Ticket> TicketManager::EscalateTicket(const Principal& caller,
                                                         const v1::EscalateTicketRequest& request,
                                                         absl::Time deadline) {
  RETURN_IF_ERROR(ValidateEscalateTicket(request));
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "tickets", request.name()));
  const absl::Time now = clock_->Now();
  return store_->Update(
      caller.tenant, id,
      [&](const v1::Ticket& current, const std::string& next_etag) {
        return DecideEscalation(current, request, caller.subject, now, next_etag);
      },
      deadline);
}

absl::StatusOr<v1::Ticket> TicketManager::RateTicket(const Principal& caller,
                                                     const v1::RateTicketRequest& request,
                                                     absl::Time deadline) {
  RETURN_IF_ERROR(ValidateRateTicket(request));
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "tickets", request.name()));
  const absl::Time now = clock_->Now();
  return store_->Update(
      caller.tenant, id,
      [&](const v1::Ticket& current, const std::string& next_etag) {
        return DecideRating(current, request.rating(), caller.subject, now, next_etag);
      },
      deadline);
}

absl::StatusOr<v1::AccountSupportSummary> TicketManager::GetAccountSupportSummary(
    const Principal& caller, const v1::GetAccountSupportSummaryRequest& request,
    absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseResourceName("account", "accounts", request.account()));
  const absl::Time now = clock_->Now();
  v1::AccountSupportSummary summary;
  summary.set_account(request.account());
  *summary.mutable_compute_time() = ToProtoTime(now);
  RETURN_IF_ERROR(store_->SummarizeAccount(caller.tenant, account_id, now, summary, deadline));
  return summary;
}

absl::StatusOr<int> TicketManager::RecheckPendingAccounts(int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(auto pending, store_->FindPendingAccountChecks(limit, deadline));
  int settled = 0;
  for (const auto& [tenant, ticket] : pending) {
    // Asked outside the ticket's transaction: a peer call must not hold a
    // row lock.
    absl::StatusOr<AccountFacts> facts = accounts_->Lookup(tenant, ticket.account(), deadline);
    if (!facts.ok() && facts.status().code() != absl::StatusCode::kNotFound) {
      return facts.status();  // Success is still unreachable: try the rest next round
    }
    const absl::Time now = clock_->Now();
    const std::string id = ticket.name().substr(ticket.name().find('/') + 1);
    ASSIGN_OR_RETURN(v1::Ticket after,
                     store_->Update(
                         tenant, id,
                         [&](const v1::Ticket& current, const std::string& next_etag) {
                           return DecideAccountCheck(current, facts, now, next_etag);
                         },
                         deadline));
    if (after.account_check() != v1::Ticket::PENDING_VERIFICATION) ++settled;
  }
  return settled;
}

absl::StatusOr<int> TicketManager::CloseSolvedTickets(absl::Duration after, int limit,
                                                      absl::Time deadline) {
  const absl::Time now = clock_->Now();
  const absl::Time cutoff = now - after;
  ASSIGN_OR_RETURN(auto due, store_->FindSolvedBefore(cutoff, limit, deadline));
  int closed = 0;
  for (const auto& [tenant, id] : due) {
    absl::StatusOr<v1::Ticket> ticket = store_->Update(
        tenant, id,
        [&](const v1::Ticket& current,
            const std::string& next_etag) -> absl::StatusOr<TicketUpdate> {
          // Re-checked under the lock: a reply may have reopened it meanwhile,
          // or another replica closed it.
          if (current.status() != v1::Ticket::SOLVED ||
              FromProtoTime(current.solve_time()) > cutoff) {
            return TicketUpdate{.ticket = current};
          }
          v1::UpdateTicketRequest close;
          close.mutable_ticket()->set_status(v1::Ticket::CLOSED);
          close.mutable_update_mask()->add_paths("status");
          return DecideTicketUpdate(current, close, std::string(kAutoCloseActor), now, next_etag);
        },
        deadline);
    if (!ticket.ok()) return ticket.status();
    if (ticket->status() == v1::Ticket::CLOSED) ++closed;
  }
  return closed;
}

absl::StatusOr<v1::Message> TicketManager::CreateMessage(const Principal& caller,
                                                         const v1::CreateMessageRequest& request,
                                                         absl::Time deadline) {
  RETURN_IF_ERROR(ValidateCreateMessage(request));
  ASSIGN_OR_RETURN(std::string ticket_id, ParseResourceName("parent", "tickets", request.parent()));
  const absl::Time now = clock_->Now();
  v1::Message message = request.message();
  message.set_name(absl::StrCat(request.parent(), "/messages/", NewIdAt(now)));
  message.set_author(caller.subject);
  *message.mutable_create_time() = ToProtoTime(now);
  return store_->AddMessage(
      caller.tenant, ticket_id, CreateKeyOf(request), message.name(),
      [&](const v1::Ticket& current, const std::string& next_etag) {
        return DecideMessagePosting(current, message, now, next_etag);
      },
      deadline);
}

absl::StatusOr<v1::ListMessagesResponse> TicketManager::ListMessages(
    const Principal& caller, const v1::ListMessagesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("parent", "tickets", request.parent()));
  ASSIGN_OR_RETURN(int page_size, NormalizePageSize(request.page_size(), 50, 500));
  const std::string fingerprint =
      QueryFingerprint({caller.tenant, request.parent(), request.public_only() ? "public" : "all"});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   page_tokens_->Decode(request.page_token(), fingerprint));
  if (keys.size() > 1) return InvalidField("page_token", "is not a token this service issued");
  RETURN_IF_ERROR(store_->Get(caller.tenant, id, deadline).status());
  ASSIGN_OR_RETURN(MessagePage page,
                   store_->ListMessages(caller.tenant, id, keys.empty() ? "" : keys[0], page_size,
                                        request.public_only(), deadline));
  v1::ListMessagesResponse response;
  for (v1::Message& message : page.messages) *response.add_messages() = std::move(message);
  if (page.has_more && response.messages_size() > 0) {
    const std::string& last = response.messages(response.messages_size() - 1).name();
    response.set_next_page_token(
        page_tokens_->Encode(fingerprint, {last.substr(last.rfind('/') + 1)}));
  }
  return response;
}

absl::StatusOr<v1::ListTicketChangesResponse> TicketManager::ListTicketChanges(
    const Principal& caller, const v1::ListTicketChangesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("parent", "tickets", request.parent()));
  ASSIGN_OR_RETURN(int page_size, NormalizePageSize(request.page_size(), 100, 500));
  const std::string fingerprint = QueryFingerprint({caller.tenant, request.parent()});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   page_tokens_->Decode(request.page_token(), fingerprint));
  if (keys.size() > 1) return InvalidField("page_token", "is not a token this service issued");
  // The ticket must exist in the caller's tenant (NOT_FOUND otherwise).
  RETURN_IF_ERROR(store_->Get(caller.tenant, id, deadline).status());
  ASSIGN_OR_RETURN(
      TicketChangePage page,
      store_->ListChanges(caller.tenant, id, keys.empty() ? "" : keys[0], page_size, deadline));
  v1::ListTicketChangesResponse response;
  for (v1::TicketChange& change : page.changes) *response.add_changes() = std::move(change);
  if (page.has_more && response.changes_size() > 0) {
    const std::string& last = response.changes(response.changes_size() - 1).name();
    response.set_next_page_token(
        page_tokens_->Encode(fingerprint, {last.substr(last.rfind('/') + 1)}));
  }
  return response;
}

}  // namespace tandem::support
