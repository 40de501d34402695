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
#include "services/support/custom_statuses.h"
#include "services/support/ticket_import.h"
#include "services/support/ticket_sla.h"

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
  v1::Ticket ticket = PrepareNewTicket(request.ticket(), NewIdAt(now), now);

  RETURN_IF_ERROR(CheckContact(caller.tenant, ticket.requester_contact(), deadline));
  // An account taken from the contact is the contact's to answer for.
  RETURN_IF_ERROR(CheckAccount(
      caller.tenant,
      request.ticket().account().empty() ? "ticket.requester_contact" : "ticket.account", ticket,
      deadline));
  return store_->Create(caller.tenant, caller.subject, ticket, key, deadline);
}

absl::Status TicketManager::CheckAccount(const std::string& tenant, const std::string& field,
                                         v1::Ticket& ticket, absl::Time deadline) {
  if (ticket.account().empty()) return absl::OkStatus();
  absl::StatusOr<AccountFacts> facts = accounts_->Lookup(tenant, ticket.account(), deadline);
  if (facts.ok()) {
    ticket.set_account_tier(facts->tier);
    ticket.set_account_check(v1::Ticket::VERIFIED);
  } else if (facts.status().code() == absl::StatusCode::kNotFound) {
    return InvalidField(field, "does not exist in Success");
  } else {
    // Success being down must not stop Support from taking tickets.
    logging::Warn("account check deferred", {{"account", ticket.account()},
                                             {"error", std::string(facts.status().message())}});
    ticket.set_account_check(v1::Ticket::PENDING_VERIFICATION);
  }
  return absl::OkStatus();
}

absl::Status TicketManager::CheckContact(const std::string& tenant, const std::string& contact,
                                         absl::Time deadline) {
  if (contact.empty()) return absl::OkStatus();
  absl::Status found = accounts_->CheckContact(tenant, contact, deadline);
  if (found.code() == absl::StatusCode::kNotFound) {
    return InvalidField("ticket.requester_contact", "does not exist in Success");
  }
  if (!found.ok()) {
    // As for the account: Success being down must not stop Support.
    logging::Warn("contact check skipped",
                  {{"contact", contact}, {"error", std::string(found.message())}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<AdoptedAccount>> TicketManager::CheckNewContact(
    const std::string& tenant, const std::string& id, const v1::Ticket& requested,
    absl::Time deadline) {
  ASSIGN_OR_RETURN(RequesterContact contact,
                   ParseRequesterContact("ticket.requester_contact", requested.requester_contact(),
                                         /*allow_any_account=*/false));
  // A missing ticket is the first thing to tell; the update checks all of
  // this again under the ticket's lock.
  ASSIGN_OR_RETURN(v1::Ticket current, store_->Get(tenant, id, deadline));
  if (current.requester_contact() == requested.requester_contact()) return std::nullopt;
  const std::string contact_account = ResourceName("accounts", contact.account_id);
  if (!current.account().empty() && current.account() != contact_account) {
    return InvalidField(
        "ticket.requester_contact",
        absl::StrCat("must be a contact of the ticket's account ", current.account()));
  }
  RETURN_IF_ERROR(CheckContact(tenant, requested.requester_contact(), deadline));
  if (!current.account().empty()) return std::nullopt;
  v1::Ticket probe;
  probe.set_account(contact_account);
  RETURN_IF_ERROR(CheckAccount(tenant, "ticket.requester_contact", probe, deadline));
  return AdoptedAccount{
      .account = probe.account(), .tier = probe.account_tier(), .check = probe.account_check()};
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
      "requester_email", "assignee", "tag", "create_time", "update_time",
      "group", "custom_status", "imported", "sla_breached", "sla_at_risk", "sla_due_time",
      "requester_contact"};
  // kFields and TicketConditions() name the same fields.
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
                                           kFields));
  ASSIGN_OR_RETURN(std::vector<TicketCondition> conditions,
                   TicketConditions(plan.terms, clock_->Now() + sla_at_risk_window_));
  ASSIGN_OR_RETURN(TicketPage page, store_->List(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.tickets)) page.has_more = true;
  v1::ListTicketsResponse response;
  for (v1::Ticket& ticket : page.tickets) *response.add_tickets() = std::move(ticket);
  if (page.has_more && response.tickets_size() > 0) {
    const v1::Ticket& last = response.tickets(response.tickets_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Ticket> TicketManager::UpdateTicket(const Principal& caller,
                                                       const v1::UpdateTicketRequest& request,
                                                       absl::Time deadline) {
  RETURN_IF_ERROR(ValidateUpdateTicket(request));
  ASSIGN_OR_RETURN(std::string id,
                   ParseResourceName("ticket.name", "tickets", request.ticket().name()));
  // A label is looked up before the ticket is locked; the update checks it.
  std::optional<v1::CustomStatus> custom_status;
  const auto& paths = request.update_mask().paths();
  if (std::find(paths.begin(), paths.end(), "custom_status") != paths.end() &&
      !request.ticket().custom_status().empty()) {
    ASSIGN_OR_RETURN(std::string status_id,
                     ParseResourceName("ticket.custom_status", "customStatuses",
                                       request.ticket().custom_status()));
    absl::StatusOr<v1::CustomStatus> found =
        store_->GetCustomStatus(caller.tenant, status_id, deadline);
    if (found.status().code() == absl::StatusCode::kNotFound) {
      // A missing ticket is the first thing to tell.
      RETURN_IF_ERROR(store_->Get(caller.tenant, id, deadline).status());
      return InvalidField("ticket.custom_status", "does not exist");
    }
    RETURN_IF_ERROR(found.status());
    custom_status = *std::move(found);
  }
  // A new requester contact is asked of Success before the ticket is locked.
  std::optional<AdoptedAccount> adopted;
  if (std::find(paths.begin(), paths.end(), "requester_contact") != paths.end() &&
      !request.ticket().requester_contact().empty()) {
    ASSIGN_OR_RETURN(adopted, CheckNewContact(caller.tenant, id, request.ticket(), deadline));
  }
  const absl::Time now = clock_->Now();
  return store_->Update(
      caller.tenant, id,
      [&](const v1::Ticket& current, const std::string& next_etag) {
        return DecideTicketUpdate(current, request, caller.subject, now, next_etag,
                                  custom_status.has_value() ? &*custom_status : nullptr,
                                  adopted.has_value() ? &*adopted : nullptr);
      },
      deadline);
}

absl::StatusOr<v1::MergeTicketResponse> TicketManager::MergeTicket(
    const Principal& caller, const v1::MergeTicketRequest& request, absl::Time deadline) {
  RETURN_IF_ERROR(ValidateMergeTicket(request));
  ASSIGN_OR_RETURN(std::string source_id, ParseResourceName("name", "tickets", request.name()));
  ASSIGN_OR_RETURN(std::string target_id,
                   ParseResourceName("target", "tickets", request.target()));
  const absl::Time now = clock_->Now();
  const std::pair<std::string, std::string> note_ids = {NewIdAt(now), NewIdAt(now)};
  ASSIGN_OR_RETURN(auto merged,
                   store_->Merge(
                       caller.tenant, source_id, target_id,
                       [&](const v1::Ticket& source, const v1::Ticket& target,
                           const std::string& source_etag, const std::string& target_etag) {
                         return DecideMerge(source, target, request, caller.subject, now,
                                            source_etag, target_etag, note_ids);
                       },
                       deadline));
  v1::MergeTicketResponse response;
  *response.mutable_source() = std::move(merged.first);
  *response.mutable_target() = std::move(merged.second);
  return response;
}

absl::StatusOr<v1::Ticket> TicketManager::ImportTicket(const Principal& caller,
                                                       const v1::ImportTicketRequest& request,
                                                       absl::Time deadline) {
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(ValidateImportTicket(request, now));
  // Idempotent by the source system's id, not by a request id.
  const CreateKey key{.request_id = request.external_id(),
                      .fingerprint = RequestFingerprint(request)};
  absl::StatusOr<std::optional<v1::Ticket>> earlier =
      store_->FindImported(caller.tenant, key, deadline);
  if (earlier.status().code() == absl::StatusCode::kInvalidArgument) {
    return absl::AlreadyExistsError(
        absl::StrCat("external_id \"", request.external_id(),
                     "\" was already imported with other content; imports do not update "
                     "tickets"));
  }
  RETURN_IF_ERROR(earlier.status());
  if (earlier->has_value()) return **std::move(earlier);
  const absl::Time created = FromProtoTime(request.ticket().create_time());
  v1::Ticket ticket = PrepareNewTicket(request.ticket(), NewIdAt(created), created);
  RETURN_IF_ERROR(CheckContact(caller.tenant, ticket.requester_contact(), deadline));
  RETURN_IF_ERROR(CheckAccount(caller.tenant, "ticket.account", ticket, deadline));
  ASSIGN_OR_RETURN(std::vector<SlaRule> rules, SlaRules(caller.tenant, deadline));
  ASSIGN_OR_RETURN(TicketImport import,
                   ReplayImport(request, ticket, caller.subject, rules,
                                [](absl::Time at) { return NewIdAt(at); }));
  absl::StatusOr<v1::Ticket> stored = store_->Import(caller.tenant, import, key, deadline);
  if (stored.status().code() == absl::StatusCode::kInvalidArgument) {
    // A concurrent import of the same external_id with other content won.
    return absl::AlreadyExistsError(absl::StrCat(
        "external_id \"", request.external_id(), "\" was already imported with other content"));
  }
  return stored;
}

absl::StatusOr<std::vector<SlaRule>> TicketManager::SlaRules(const std::string& tenant,
                                                             absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<StoredSlaPolicy> policies,
                   store_->LoadSlaPolicies(tenant, deadline));
  return CompileRules(policies);
}

absl::StatusOr<v1::SlaExplanation> TicketManager::ExplainTicketSla(
    const Principal& caller, const v1::ExplainTicketSlaRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "tickets", request.name()));
  ASSIGN_OR_RETURN(v1::Ticket ticket, store_->Get(caller.tenant, id, deadline));
  ASSIGN_OR_RETURN(std::vector<SlaRule> rules, SlaRules(caller.tenant, deadline));
  v1::SlaExplanation explanation =
      ExplainSla(ticket.sla(), rules, TicketFacts::Of(ticket), clock_->Now());
  explanation.set_ticket(ticket.name());
  return explanation;
}

absl::StatusOr<int> TicketManager::SweepSlaBreaches(int limit, absl::Time deadline) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(auto due, store_->FindSlaDue(now, limit, deadline));
  std::map<std::string, std::vector<SlaRule>> rules_of;  // per tenant, this round
  int swept = 0;
  for (const auto& [tenant, id] : due) {
    absl::Status done = [&]() -> absl::Status {
      if (!rules_of.contains(tenant)) {
        absl::StatusOr<std::vector<SlaRule>> rules = SlaRules(tenant, deadline);
        // Policies that no longer compile (INTERNAL) leave the tickets without
        // targets; failing to read them skips the ticket.
        if (!rules.ok() && rules.status().code() != absl::StatusCode::kInternal) {
          return rules.status();
        }
        rules_of[tenant] = rules.ok() ? *std::move(rules) : std::vector<SlaRule>{};
      }
      // Decided under the row lock: a reply may have met the target since.
      return store_
          ->Update(
              tenant, id,
              [&](const v1::Ticket& current, const std::string& next_etag) {
                return absl::StatusOr<TicketUpdate>(
                    DecideSlaSweep(current, rules_of[tenant], now, next_etag));
              },
              deadline)
          .status();
    }();
    if (done.code() == absl::StatusCode::kUnavailable) return done;  // the database is down
    if (!done.ok()) {
      // One bad ticket must not stop the sweep for every tenant.
      logging::Error("SLA sweep skipped a ticket", {{"tenant", tenant}, {"ticket", id},
                                                    {"error", std::string(done.message())}});
      continue;
    }
    ++swept;
  }
  return swept;
}

absl::StatusOr<v1::CustomStatus> TicketManager::CreateCustomStatus(
    const Principal& caller, const v1::CreateCustomStatusRequest& request, absl::Time deadline) {
  RETURN_IF_ERROR(ValidateCreateCustomStatus(request));
  const absl::Time now = clock_->Now();
  v1::CustomStatus status = request.custom_status();
  status.set_name(ResourceName("customStatuses", NewIdAt(now)));
  status.set_agent_label(std::string(absl::StripAsciiWhitespace(status.agent_label())));
  status.set_active(true);
  status.clear_etag();
  *status.mutable_create_time() = ToProtoTime(now);
  *status.mutable_update_time() = ToProtoTime(now);
  return store_->CreateCustomStatus(caller.tenant, status, CreateKeyOf(request),
                                    kMaxCustomStatuses, deadline);
}

absl::StatusOr<v1::ListCustomStatusesResponse> TicketManager::ListCustomStatuses(
    const Principal& caller, const v1::ListCustomStatusesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<v1::CustomStatus> statuses,
                   store_->ListCustomStatuses(caller.tenant, request.show_inactive(), deadline));
  v1::ListCustomStatusesResponse response;
  for (v1::CustomStatus& status : statuses) *response.add_custom_statuses() = std::move(status);
  return response;
}

absl::StatusOr<v1::CustomStatus> TicketManager::UpdateCustomStatus(
    const Principal& caller, const v1::UpdateCustomStatusRequest& request, absl::Time deadline) {
  RETURN_IF_ERROR(ValidateUpdateCustomStatus(request));
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("custom_status.name", "customStatuses",
                                                     request.custom_status().name()));
  const absl::Time now = clock_->Now();
  return store_->UpdateCustomStatus(
      caller.tenant, id,
      [&](const v1::CustomStatus& current, const std::string& next_etag) {
        return DecideCustomStatusUpdate(current, request, now, next_etag);
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
    const std::string id = ResourceIdOf(ticket.name());
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
    if (ticket.status().code() == absl::StatusCode::kUnavailable) return ticket.status();
    if (!ticket.ok()) {
      // One bad ticket must not keep every other solved ticket open.
      logging::Error("auto-close skipped a ticket", {{"tenant", tenant}, {"ticket", id},
                                                     {"error", std::string(ticket.status().message())}});
      continue;
    }
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
    response.set_next_page_token(page_tokens_->Encode(fingerprint, {ResourceIdOf(last)}));
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
    response.set_next_page_token(page_tokens_->Encode(fingerprint, {ResourceIdOf(last)}));
  }
  return response;
}

}  // namespace tandem::support
