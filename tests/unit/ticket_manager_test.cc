#include "services/support/ticket_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "tests/testing/mocks.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::MockAccountDirectory;
using ::tandem::testing::MockTicketStore;
using ::tandem::testing::StatusIs;
using ::testing::_;
using ::testing::Contains;
using ::testing::Field;
using ::testing::Invoke;
using ::testing::Return;

constexpr char kAccount[] = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0";

class TicketManagerTest : public ::testing::Test {
 protected:
  TicketManagerTest()
      : clock_(absl::FromUnixSeconds(1'790'000'000)),
        codec_("key"),
        manager_(&store_, &accounts_, &codec_, &clock_) {
    // The store echoes what it is asked to create.
    ON_CALL(store_, Create(_, _, _, _, _))
        .WillByDefault(Invoke([](const std::string&, const std::string&, const v1::Ticket& ticket,
                                 const CreateKey&, absl::Time) { return ticket; }));
  }

  static v1::CreateTicketRequest Request(const std::string& subject) {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject(subject);
    return request;
  }

  absl::StatusOr<v1::Ticket> Create(const v1::CreateTicketRequest& request) {
    return manager_.CreateTicket({"acme", "agent-1", {"agent"}}, request, absl::InfiniteFuture());
  }

  FakeClock clock_;
  PageTokenCodec codec_;
  ::testing::StrictMock<MockTicketStore> store_;
  ::testing::StrictMock<MockAccountDirectory> accounts_;
  TicketManager manager_;
};

// Every bad field is reported at once, and nothing is stored.
TEST_F(TicketManagerTest, InvalidRequestReportsEveryFieldAndStoresNothing) {
  v1::CreateTicketRequest request = Request("   ");
  request.mutable_ticket()->set_description(std::string(70000, 'x'));
  request.mutable_ticket()->set_requester_email("not-an-email");
  request.mutable_ticket()->set_account("tickets/123");
  request.mutable_ticket()->set_priority(static_cast<v1::Ticket::Priority>(42));
  request.mutable_ticket()->add_tags("Has Spaces");
  request.set_request_id("bad id!");
  absl::StatusOr<v1::Ticket> ticket = Create(request);
  EXPECT_THAT(ticket, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(ticket.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "request_id", "ticket.subject", "ticket.description",
                          "ticket.requester_email", "ticket.account", "ticket.priority",
                          "ticket.tags[0]"));
}

// A request without a ticket names the missing field.
TEST_F(TicketManagerTest, MissingTicketIsInvalid) {
  absl::StatusOr<v1::Ticket> ticket = Create(v1::CreateTicketRequest{});
  EXPECT_THAT(ticket, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(ticket.status())[0].field, "ticket");
}

// Defaults fill unset fields; output-only fields from the caller are ignored.
TEST_F(TicketManagerTest, CreateAppliesDefaultsAndIgnoresOutputOnlyFields) {
  v1::CreateTicketRequest request = Request("  Printer on fire ");
  request.mutable_ticket()->set_status(v1::Ticket::CLOSED);
  request.mutable_ticket()->set_name("tickets/forged");
  request.mutable_ticket()->add_tags("b");
  request.mutable_ticket()->add_tags("a");
  request.mutable_ticket()->add_tags("b");
  EXPECT_CALL(store_, Create("acme", "agent-1", _, Field(&CreateKey::request_id, ""), _));
  ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(request));
  EXPECT_EQ(ticket.subject(), "Printer on fire");
  EXPECT_EQ(ticket.status(), v1::Ticket::NEW);
  EXPECT_EQ(ticket.channel(), v1::Ticket::API);
  EXPECT_EQ(ticket.type(), v1::Ticket::QUESTION);
  EXPECT_EQ(ticket.priority(), v1::Ticket::NORMAL);
  EXPECT_NE(ticket.name(), "tickets/forged");
  EXPECT_THAT(ticket.tags(), ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(ticket.create_time().seconds(), 1'790'000'000);
  EXPECT_EQ(ticket.account_check(), v1::Ticket::ACCOUNT_CHECK_UNSPECIFIED);
}

// A known account gives the ticket its tier and marks it verified.
TEST_F(TicketManagerTest, VerifiedAccountGivesTier) {
  EXPECT_CALL(accounts_, Lookup("acme", kAccount, _))
      .WillOnce(Return(AccountFacts{success::v1::HIGH_TOUCH}));
  EXPECT_CALL(store_, Create(_, _, _, _, _));
  v1::CreateTicketRequest request = Request("Help");
  request.mutable_ticket()->set_account(kAccount);
  ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(request));
  EXPECT_EQ(ticket.account_tier(), success::v1::HIGH_TOUCH);
  EXPECT_EQ(ticket.account_check(), v1::Ticket::VERIFIED);
}

// An account Success does not know is the caller's mistake.
TEST_F(TicketManagerTest, UnknownAccountIsInvalidArgument) {
  EXPECT_CALL(accounts_, Lookup(_, _, _)).WillOnce(Return(absl::NotFoundError("no")));
  v1::CreateTicketRequest request = Request("Help");
  request.mutable_ticket()->set_account(kAccount);
  absl::StatusOr<v1::Ticket> ticket = Create(request);
  EXPECT_THAT(ticket, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(ticket.status())[0].field, "ticket.account");
}

// Success being down still creates the ticket, pending verification.
TEST_F(TicketManagerTest, UnreachableSuccessStillCreatesTicket) {
  EXPECT_CALL(accounts_, Lookup(_, _, _)).WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_CALL(store_, Create(_, _, _, _, _));
  v1::CreateTicketRequest request = Request("Help");
  request.mutable_ticket()->set_account(kAccount);
  ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(request));
  EXPECT_EQ(ticket.account_check(), v1::Ticket::PENDING_VERIFICATION);
  EXPECT_EQ(ticket.account_tier(), success::v1::TOUCH_TIER_UNSPECIFIED);
}

// A retry is answered from the first result without asking Success again.
TEST_F(TicketManagerTest, RetryIsAnsweredWithoutCallingSuccess) {
  v1::Ticket earlier;
  earlier.set_name("tickets/01JABCDEFGHJKMNPQRSTVWXYZ0");
  EXPECT_CALL(store_, FindCreated("acme", Field(&CreateKey::request_id, "r-1"), _))
      .WillOnce(Return(std::optional<v1::Ticket>(earlier)));
  v1::CreateTicketRequest request = Request("Help");
  request.mutable_ticket()->set_account(kAccount);
  request.set_request_id("r-1");
  ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(request));
  EXPECT_EQ(ticket.name(), earlier.name());
}

// A request id reaches the store with a fingerprint that ignores the id.
TEST_F(TicketManagerTest, RequestIdIsPassedWithFingerprint) {
  EXPECT_CALL(store_, FindCreated(_, _, _))
      .Times(2)
      .WillRepeatedly(Return(std::optional<v1::Ticket>()));
  std::vector<CreateKey> keys;
  EXPECT_CALL(store_, Create(_, _, _, _, _))
      .Times(2)
      .WillRepeatedly(Invoke([&](const std::string&, const std::string&, const v1::Ticket& t,
                                 const CreateKey& key, absl::Time) {
        keys.push_back(key);
        return t;
      }));
  v1::CreateTicketRequest request = Request("Help");
  request.set_request_id("r-1");
  ASSERT_OK(Create(request));
  request.set_request_id("r-2");
  ASSERT_OK(Create(request));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].request_id, "r-1");
  EXPECT_FALSE(keys[0].fingerprint.empty());
  EXPECT_EQ(keys[0].fingerprint, keys[1].fingerprint);
}

// Filters become typed conditions; a bad enum name is refused.
TEST_F(TicketManagerTest, ListTranslatesFilterIntoConditions) {
  EXPECT_CALL(store_, List("acme", Contains(Field(&TicketCondition::value, "2")), _, _))
      .WillOnce(Return(TicketPage{}));
  v1::ListTicketsRequest request;
  request.set_filter("status = OPEN AND account = accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");
  EXPECT_OK(manager_.ListTickets({"acme", "a", {"agent"}}, request, absl::InfiniteFuture()));
  request.set_filter("status = DONE");
  EXPECT_THAT(manager_.ListTickets({"acme", "a", {"agent"}}, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_filter("priority > LOW");  // enums are not ordered
  EXPECT_THAT(manager_.ListTickets({"acme", "a", {"agent"}}, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_filter("create_time >= yesterday");
  EXPECT_THAT(manager_.ListTickets({"acme", "a", {"agent"}}, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

constexpr char kContact[] =
    "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0/contacts/01JABCDEFGHJKMNPQRSTVWXYZC";

// A requester contact Success does not know is refused, naming the field,
// and nothing is stored.
TEST_F(TicketManagerTest, UnknownContactIsInvalidArgument) {
  EXPECT_CALL(accounts_, CheckContact("acme", kContact, _))
      .WillOnce(Return(absl::NotFoundError("no")));
  v1::CreateTicketRequest request = Request("Help");
  request.mutable_ticket()->set_account(kAccount);
  request.mutable_ticket()->set_requester_contact(kContact);
  absl::StatusOr<v1::Ticket> ticket = Create(request);
  EXPECT_THAT(ticket, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(FieldViolationsOf(ticket.status()).size(), 1);
  EXPECT_EQ(FieldViolationsOf(ticket.status())[0].field, "ticket.requester_contact");
  EXPECT_THAT(FieldViolationsOf(ticket.status())[0].description,
              ::testing::HasSubstr("does not exist in Success"));
}

// A ticket without an account takes its contact's; with Success down the
// contact is taken as given and the account is pending, as for an account.
TEST_F(TicketManagerTest, ContactWhileSuccessIsDownIsAcceptedWithItsAccount) {
  EXPECT_CALL(accounts_, CheckContact(_, _, _)).WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_CALL(accounts_, Lookup("acme", kAccount, _))
      .WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_CALL(store_, Create(_, _, _, _, _));
  v1::CreateTicketRequest request = Request("Help");
  request.mutable_ticket()->set_requester_contact(kContact);
  ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(request));
  EXPECT_EQ(ticket.account(), kAccount);
  EXPECT_EQ(ticket.requester_contact(), kContact);
  EXPECT_EQ(ticket.account_check(), v1::Ticket::PENDING_VERIFICATION);
}

// An update naming a contact of another account is refused before Success
// is asked.
TEST_F(TicketManagerTest, UpdateToAnotherAccountsContactIsRefusedWithoutAsking) {
  v1::Ticket current;
  current.set_name("tickets/01JABCDEFGHJKMNPQRSTVWXYZ5");
  current.set_account("accounts/01JABCDEFGHJKMNPQRSTVWXYZ9");
  EXPECT_CALL(store_, Get("acme", "01JABCDEFGHJKMNPQRSTVWXYZ5", _)).WillOnce(Return(current));
  v1::UpdateTicketRequest request;
  request.mutable_ticket()->set_name(current.name());
  request.mutable_ticket()->set_requester_contact(kContact);
  request.mutable_update_mask()->add_paths("requester_contact");
  absl::StatusOr<v1::Ticket> updated =
      manager_.UpdateTicket({"acme", "a", {"agent"}}, request, absl::InfiniteFuture());
  EXPECT_THAT(updated, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(updated.status())[0].field, "ticket.requester_contact");
}

// A malformed name is INVALID_ARGUMENT before any lookup.
TEST_F(TicketManagerTest, GetWithMalformedNameIsInvalid) {
  v1::GetTicketRequest request;
  request.set_name("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");
  EXPECT_THAT(manager_.GetTicket({"acme", "a", {"agent"}}, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tandem::support
