#include "tools/tandem-bench/workload.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "tools/tandem-bench/options.h"

namespace tandem::bench {
namespace {

// A description of typical length, so that rows and events are not toy-sized.
constexpr absl::string_view kDescription =
    "The customer reports that the export to CSV stops half way with no error message. "
    "It started after the last update; they have retried from two browsers and cleared "
    "the cache. They need the export for a board meeting on Friday.";

absl::Status Failed(const grpc::Status& status, absl::string_view what) {
  absl::Status failed = FromGrpcStatus(status);
  return absl::Status(failed.code(), absl::StrCat(what, ": ", failed.message()));
}

}  // namespace

absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> OpenChannels(
    const std::string& address, int count) {
  RETURN_IF_ERROR(CheckLoopbackAddress(address));
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // A private subchannel pool gives each channel its own TCP connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

void Workload::Prepare(grpc::ClientContext& context) const {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
}

std::string Workload::NextRequestId() {
  return absl::StrCat(options_.run_id, "-", next_request_.fetch_add(1, std::memory_order_relaxed));
}

grpc::Status Workload::CreateTicket(ServiceStubs& stubs, const std::string& account,
                                    support::v1::Ticket* created) {
  support::v1::CreateTicketRequest request;
  request.set_request_id(NextRequestId());
  support::v1::Ticket& ticket = *request.mutable_ticket();
  ticket.set_subject(absl::StrCat("Export stops half way (", request.request_id(), ")"));
  ticket.set_description(std::string(kDescription));
  ticket.set_requester_email("pat@example.com");
  ticket.set_channel(support::v1::Ticket::EMAIL);
  ticket.set_priority(support::v1::Ticket::HIGH);
  ticket.add_tags("export");
  ticket.add_tags("bench");
  if (!account.empty()) ticket.set_account(account);
  grpc::ClientContext context;
  Prepare(context);
  grpc::Status status = stubs.support->CreateTicket(&context, request, created);
  if (status.ok()) tickets_created_.fetch_add(1, std::memory_order_relaxed);
  return status;
}

grpc::Status Workload::CreateAccount(ServiceStubs& stubs, success::v1::Account* created) {
  success::v1::CreateAccountRequest request;
  request.set_request_id(NextRequestId());
  success::v1::Account& account = *request.mutable_account();
  account.set_display_name(absl::StrCat("Bench Corp ", request.request_id()));
  account.set_plan("enterprise");
  account.set_touch_tier(success::v1::HIGH_TOUCH);
  grpc::ClientContext context;
  Prepare(context);
  grpc::Status status = stubs.success->CreateAccount(&context, request, created);
  if (status.ok()) accounts_created_.fetch_add(1, std::memory_order_relaxed);
  return status;
}

absl::Status Workload::Seed(const Scenario& scenario, ServiceStubs& stubs, int tickets,
                            int accounts) {
  if (scenario.Uses(Operation::kGetTicket)) {
    for (int i = 0; i < tickets; ++i) {
      support::v1::Ticket ticket;
      grpc::Status status = CreateTicket(stubs, "", &ticket);
      if (!status.ok()) return Failed(status, "creating the tickets to read");
      ticket_names_.push_back(ticket.name());
    }
    if (ticket_names_.empty()) {
      return absl::InvalidArgumentError("--seed-tickets must be at least 1 for this scenario");
    }
  }
  if (scenario.Uses(Operation::kCreateTicketWithAccount)) {
    for (int i = 0; i < accounts; ++i) {
      success::v1::Account account;
      grpc::Status status = CreateAccount(stubs, &account);
      if (!status.ok()) return Failed(status, "creating the accounts to name");
      account_names_.push_back(account.name());
    }
    if (account_names_.empty()) {
      return absl::InvalidArgumentError("--seed-accounts must be at least 1 for this scenario");
    }
  }
  // Check every other service the scenario calls with one cheap read.
  if (scenario.Uses(Operation::kCreateTicket) || scenario.Uses(Operation::kListTickets)) {
    support::v1::ListTicketsRequest request;
    request.set_page_size(1);
    support::v1::ListTicketsResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stubs.support->ListTickets(&context, request, &response);
    if (!status.ok()) return Failed(status, "checking Support");
  }
  if (scenario.Uses(Operation::kCreateAccount)) {
    success::v1::ListAccountsRequest request;
    request.set_page_size(1);
    success::v1::ListAccountsResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stubs.success->ListAccounts(&context, request, &response);
    if (!status.ok()) return Failed(status, "checking Success");
  }
  return absl::OkStatus();
}

grpc::Status Workload::Call(Operation op, ServiceStubs& stubs, std::mt19937_64& random) {
  switch (op) {
    case Operation::kCreateTicket: {
      support::v1::Ticket created;
      return CreateTicket(stubs, "", &created);
    }
    case Operation::kCreateTicketWithAccount: {
      support::v1::Ticket created;
      return CreateTicket(stubs, account_names_[random() % account_names_.size()], &created);
    }
    case Operation::kGetTicket: {
      support::v1::GetTicketRequest request;
      request.set_name(ticket_names_[random() % ticket_names_.size()]);
      support::v1::Ticket ticket;
      grpc::ClientContext context;
      Prepare(context);
      return stubs.support->GetTicket(&context, request, &ticket);
    }
    case Operation::kListTickets: {
      support::v1::ListTicketsRequest request;
      request.set_page_size(options_.list_page_size);
      support::v1::ListTicketsResponse response;
      grpc::ClientContext context;
      Prepare(context);
      return stubs.support->ListTickets(&context, request, &response);
    }
    case Operation::kCreateAccount: {
      success::v1::Account created;
      return CreateAccount(stubs, &created);
    }
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown operation");
}

}  // namespace tandem::bench
