// The contract every Support RPC keeps with callers: bad input is refused
// with the right code and a field violation naming the field, another
// tenant's ids are NOT_FOUND, and a refused call writes nothing; lists
// page stably while others write.
#include <atomic>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/servers.h"

namespace tandem {
namespace {

using ::tandem::testing::TestToken;
namespace sv1 = ::tandem::support::v1;
using Stub = sv1::SupportService::Stub;

class SupportContractTest : public ::testing::Test {
 protected:
  SupportContractTest()
      : success_(std::make_unique<testing::SuccessServer>()),
        support_(absl::StrCat("127.0.0.1:", success_->runner.grpc_port())),
        stub_(sv1::SupportService::NewStub(
            grpc::CreateChannel(absl::StrCat("127.0.0.1:", support_.runner.grpc_port()),
                                grpc::InsecureChannelCredentials()))) {}

  // Calls `method` as `token`'s holder.
  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<Stub, Request, Response> method, const std::string& token,
                    const Request& request, Response* response) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  // Calls and expects INVALID_ARGUMENT naming `field` (or another code and
  // no field when `field` is empty).
  template <typename Request, typename Response>
  void ExpectRefused(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                     grpc::StatusCode code, const std::string& field,
                     const std::string& token = TestToken("acme", {"admin"})) {
    testing::ExpectRefused(*stub_, method, request, code, field, token);
  }

  // Rows in the tables a write would touch, plus ticket row versions (an
  // update bumps one): nothing refused may change the sum.
  int64_t WrittenRows() {
    auto db = support_.database.pool().Acquire(absl::Now() + absl::Seconds(5));
    EXPECT_OK(db.status());
    auto rows = (*db)->Query(
        "SELECT (SELECT COUNT(*) FROM tickets) + (SELECT COUNT(*) FROM messages) + "
        "(SELECT COUNT(*) FROM ticket_changes) + (SELECT COUNT(*) FROM outbox) + "
        "(SELECT COUNT(*) FROM custom_statuses) + (SELECT COUNT(*) FROM idempotency_keys) + "
        "(SELECT COALESCE(SUM(version), 0) FROM tickets)",
        {});
    EXPECT_OK(rows.status());
    return (*rows)[0].Int(0);
  }

  sv1::Ticket NewTicket(const std::string& tenant, const std::string& subject) {
    sv1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject(subject);
    sv1::Ticket ticket;
    EXPECT_TRUE(Call(&Stub::CreateTicket, TestToken(tenant, {"agent"}), request, &ticket).ok());
    return ticket;
  }

  std::unique_ptr<testing::SuccessServer> success_;
  testing::SupportServer support_;
  std::unique_ptr<Stub> stub_;
};

constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;

TEST_F(SupportContractTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const sv1::Ticket mine = NewTicket("acme", "Mine");
  const sv1::Ticket theirs = NewTicket("globex", "Theirs");
  const std::string huge(70'000, 'x');
  const int64_t before = WrittenRows();

  {  // CreateTicket
    sv1::CreateTicketRequest r;
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket");
    r.mutable_ticket()->set_subject(huge);
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.subject");
    r.mutable_ticket()->set_subject("ok");
    r.mutable_ticket()->set_priority(static_cast<sv1::Ticket::Priority>(42));
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.priority");
    r.mutable_ticket()->set_priority(sv1::Ticket::HIGH);
    r.mutable_ticket()->set_channel(static_cast<sv1::Ticket::Channel>(-1));
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.channel");
    r.mutable_ticket()->set_channel(sv1::Ticket::EMAIL);
    r.mutable_ticket()->set_requester_email("not an address");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.requester_email");
    r.mutable_ticket()->clear_requester_email();
    r.mutable_ticket()->set_assignee("alice");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.assignee");
    r.mutable_ticket()->set_assignee("agents/01JABCDEFGHJKMNPQRSTVWXYZ0");  // no such agent
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.assignee");
    r.mutable_ticket()->clear_assignee();
    r.mutable_ticket()->set_group("groups/01JABCDEFGHJKMNPQRSTVWXYZ0");  // no such group
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.group");
    r.mutable_ticket()->clear_group();
    r.mutable_ticket()->set_requester_contact("people/1");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.requester_contact");
    // Contacts are Success's, `accounts/{account}/contacts/{contact}`.
    r.mutable_ticket()->set_requester_contact("contacts/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.requester_contact");
    r.mutable_ticket()->set_requester_contact("accounts/-/contacts/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.requester_contact");
    r.mutable_ticket()->clear_requester_contact();
    r.mutable_ticket()->add_tags("Not A Tag");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.tags[0]");
    r.mutable_ticket()->clear_tags();
    r.set_request_id(std::string(129, 'a'));
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "request_id");
    r.clear_request_id();
    r.mutable_ticket()->set_account("accounts/nope");
    ExpectRefused(&Stub::CreateTicket, r, kInvalid, "ticket.account");
  }
  {  // GetTicket
    sv1::GetTicketRequest r;
    ExpectRefused(&Stub::GetTicket, r, kInvalid, "name");
    r.set_name("tickets/../../etc");
    ExpectRefused(&Stub::GetTicket, r, kInvalid, "name");
    r.set_name(theirs.name());
    ExpectRefused(&Stub::GetTicket, r, kNotFound, "");
  }
  {  // ListTickets
    sv1::ListTicketsRequest r;
    r.set_filter("status = MAYBE");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("colour = red");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("priority > LOW");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("create_time >= \"yesterday\"");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("group = teams/1");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("assignee = alice");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("requester_contact = \"contacts/01JABCDEFGHJKMNPQRSTVWXYZ0\"");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("sla_at_risk = false");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("sla_at_risk != true");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("sla_breached = maybe");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.set_filter("sla_due_time < \"soon\"");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("subject");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListTickets, r, kInvalid, "page_size");
  }
  {  // UpdateTicket
    sv1::UpdateTicketRequest r;
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "update_mask");
    *r.mutable_ticket() = mine;
    r.mutable_update_mask()->add_paths("create_time");
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("subject");
    r.mutable_ticket()->set_subject(huge);
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "ticket.subject");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("status");
    r.mutable_ticket()->set_status(static_cast<sv1::Ticket::Status>(99));
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "ticket.status");
    r.mutable_ticket()->set_status(sv1::Ticket::CLOSED);  // NEW cannot close
    ExpectRefused(&Stub::UpdateTicket, r, grpc::StatusCode::FAILED_PRECONDITION, "");
    r.mutable_ticket()->set_status(sv1::Ticket::OPEN);
    r.mutable_ticket()->set_etag("stale");
    ExpectRefused(&Stub::UpdateTicket, r, grpc::StatusCode::ABORTED, "");
    r.mutable_ticket()->clear_etag();
    r.mutable_ticket()->set_name(theirs.name());
    ExpectRefused(&Stub::UpdateTicket, r, kNotFound, "");
    r.mutable_ticket()->set_name(mine.name());
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("group");
    r.mutable_ticket()->set_group("groups/nope");
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "ticket.group");
    r.mutable_ticket()->set_group("groups/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "ticket.group");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("custom_status");
    r.mutable_ticket()->set_custom_status("customStatuses/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::UpdateTicket, r, kInvalid, "ticket.custom_status");
  }
  {  // ListTicketChanges
    sv1::ListTicketChangesRequest r;
    ExpectRefused(&Stub::ListTicketChanges, r, kInvalid, "parent");
    r.set_parent(mine.name());
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListTicketChanges, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListTicketChanges, r, kNotFound, "");
  }
  {  // CreateMessage
    sv1::CreateMessageRequest r;
    r.set_parent(mine.name());
    ExpectRefused(&Stub::CreateMessage, r, kInvalid, "message");
    r.mutable_message()->set_author_type(sv1::Message::AGENT);
    r.mutable_message()->set_body(huge);
    ExpectRefused(&Stub::CreateMessage, r, kInvalid, "message.body");
    r.mutable_message()->set_body("hi");
    r.mutable_message()->set_author_type(static_cast<sv1::Message::AuthorType>(7));
    ExpectRefused(&Stub::CreateMessage, r, kInvalid, "message.author_type");
    r.mutable_message()->set_author_type(sv1::Message::AGENT);
    r.set_parent("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::CreateMessage, r, kInvalid, "parent");
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::CreateMessage, r, kNotFound, "");
  }
  {  // ListMessages
    sv1::ListMessagesRequest r;
    ExpectRefused(&Stub::ListMessages, r, kInvalid, "parent");
    r.set_parent(mine.name());
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListMessages, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListMessages, r, kNotFound, "");
  }
  {  // EscalateTicket
    sv1::EscalateTicketRequest r;
    r.set_name(mine.name());
    ExpectRefused(&Stub::EscalateTicket, r, kInvalid, "reason");
    r.set_reason(std::string(501, 'r'));
    ExpectRefused(&Stub::EscalateTicket, r, kInvalid, "reason");
    r.set_reason("why");
    r.set_tier(9);
    ExpectRefused(&Stub::EscalateTicket, r, kInvalid, "tier");
    r.set_tier(0);
    r.set_name(theirs.name());
    ExpectRefused(&Stub::EscalateTicket, r, kNotFound, "");
  }
  {  // RateTicket
    sv1::RateTicketRequest r;
    r.set_name(mine.name());
    ExpectRefused(&Stub::RateTicket, r, kInvalid, "rating");
    r.mutable_rating()->set_score(6);
    ExpectRefused(&Stub::RateTicket, r, kInvalid, "rating.score");
    r.mutable_rating()->set_score(5);
    r.mutable_rating()->set_comment(std::string(2001, 'c'));
    ExpectRefused(&Stub::RateTicket, r, kInvalid, "rating.comment");
    r.mutable_rating()->clear_comment();
    ExpectRefused(&Stub::RateTicket, r, grpc::StatusCode::FAILED_PRECONDITION, "");
    r.set_name(theirs.name());
    ExpectRefused(&Stub::RateTicket, r, kNotFound, "");
  }
  {  // GetAccountSupportSummary
    sv1::GetAccountSupportSummaryRequest r;
    ExpectRefused(&Stub::GetAccountSupportSummary, r, kInvalid, "account");
    r.set_account("tickets/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::GetAccountSupportSummary, r, kInvalid, "account");
  }
  {  // MergeTicket
    sv1::MergeTicketRequest r;
    ExpectRefused(&Stub::MergeTicket, r, kInvalid, "name");
    r.set_name(mine.name());
    ExpectRefused(&Stub::MergeTicket, r, kInvalid, "target");
    r.set_target(mine.name());
    ExpectRefused(&Stub::MergeTicket, r, kInvalid, "target");
    r.set_target(theirs.name());
    ExpectRefused(&Stub::MergeTicket, r, kNotFound, "");
    r.set_comment(std::string(2001, 'c'));
    ExpectRefused(&Stub::MergeTicket, r, kInvalid, "comment");
  }
  {  // ImportTicket
    sv1::ImportTicketRequest r;
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "external_id");
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "ticket");
    r.set_external_id("zendesk:1");
    r.mutable_ticket()->set_subject("Old");
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "ticket.create_time");
    *r.mutable_ticket()->mutable_create_time() = ToProtoTime(absl::Now() + absl::Hours(24));
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "ticket.create_time");
    *r.mutable_ticket()->mutable_create_time() = ToProtoTime(absl::Now() - absl::Hours(24));
    r.mutable_ticket()->set_type(static_cast<sv1::Ticket::Type>(50));
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "ticket.type");
    r.mutable_ticket()->set_type(sv1::Ticket::INCIDENT);
    sv1::Message& message = *r.add_messages();
    message.set_author_type(sv1::Message::CUSTOMER);
    message.set_body(huge);
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "messages[0].body");
    ExpectRefused(&Stub::ImportTicket, r, kInvalid, "messages[0].create_time");
    ExpectRefused(&Stub::ImportTicket, r, grpc::StatusCode::PERMISSION_DENIED, "",
                  TestToken("acme", {"agent"}));
  }
  {  // ExplainTicketSla
    sv1::ExplainTicketSlaRequest r;
    ExpectRefused(&Stub::ExplainTicketSla, r, kInvalid, "name");
    r.set_name(theirs.name());
    ExpectRefused(&Stub::ExplainTicketSla, r, kNotFound, "");
  }
  {  // Custom statuses
    sv1::CreateCustomStatusRequest create;
    ExpectRefused(&Stub::CreateCustomStatus, create, kInvalid, "custom_status");
    create.mutable_custom_status()->set_category(static_cast<sv1::Ticket::Status>(12));
    create.mutable_custom_status()->set_agent_label(std::string(65, 'l'));
    ExpectRefused(&Stub::CreateCustomStatus, create, kInvalid, "custom_status.category");
    ExpectRefused(&Stub::CreateCustomStatus, create, kInvalid, "custom_status.agent_label");
    sv1::UpdateCustomStatusRequest update;
    ExpectRefused(&Stub::UpdateCustomStatus, update, kInvalid, "update_mask");
    update.mutable_update_mask()->add_paths("agent_label");
    ExpectRefused(&Stub::UpdateCustomStatus, update, kInvalid, "custom_status");
    update.mutable_custom_status()->set_agent_label("Fine");
    ExpectRefused(&Stub::UpdateCustomStatus, update, kInvalid, "custom_status.name");
    update.mutable_custom_status()->set_name("customStatuses/01JABCDEFGHJKMNPQRSTVWXYZ0");
    ExpectRefused(&Stub::UpdateCustomStatus, update, kNotFound, "");
  }
  EXPECT_EQ(WrittenRows(), before) << "a refused call wrote something";
}

// 1,000 tickets listed in pages of 37 while four writers keep creating:
// every ticket that existed before the listing started comes back exactly
// once, and no page repeats a ticket.
TEST_F(SupportContractTest, PagesOf37ReturnEachTicketOnceUnderConcurrentCreates) {
  constexpr int kExisting = 1000;
  std::set<std::string> existing;
  {
    std::vector<std::thread> creators;
    std::mutex mutex;
    for (int w = 0; w < 4; ++w) {
      creators.emplace_back([&, w] {
        for (int i = w; i < kExisting; i += 4) {
          const sv1::Ticket ticket = NewTicket("acme", absl::StrCat("existing ", i));
          std::lock_guard<std::mutex> lock(mutex);
          existing.insert(ticket.name());
        }
      });
    }
    for (std::thread& creator : creators) creator.join();
  }
  ASSERT_EQ(existing.size(), static_cast<size_t>(kExisting));

  std::atomic<bool> listing_done{false};
  std::atomic<int> created_meanwhile{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      while (!listing_done) {
        NewTicket("acme", "meanwhile");
        ++created_meanwhile;
      }
    });
  }
  for (const char* order : {"create_time desc", "create_time"}) {
    std::multiset<std::string> seen;
    sv1::ListTicketsRequest request;
    request.set_page_size(37);
    request.set_order_by(order);
    int pages = 0;
    do {
      sv1::ListTicketsResponse page;
      ASSERT_TRUE(Call(&Stub::ListTickets, TestToken("acme", {"viewer"}), request, &page).ok());
      EXPECT_LE(page.tickets_size(), 37);
      for (const sv1::Ticket& ticket : page.tickets()) seen.insert(ticket.name());
      request.set_page_token(page.next_page_token());
      ++pages;
    } while (!request.page_token().empty() && pages < 200);
    for (const std::string& name : existing) {
      EXPECT_EQ(seen.count(name), 1u) << order << ": " << name;
    }
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size())
        << order << ": a ticket came back twice";
  }
  listing_done = true;
  for (std::thread& writer : writers) writer.join();
  EXPECT_GT(created_meanwhile.load(), 0) << "the writers never overlapped the listing";
}

}  // namespace
}  // namespace tandem
