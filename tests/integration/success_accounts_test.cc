// Success's accounts, stage history and contacts against real MariaDB,
// through the real gRPC server and generated stubs: the contract (bad input
// refused with the field named and nothing written, other tenants'
// objects NOT_FOUND, idempotent creates, stale etags ABORTED), the events
// written with each change, list filters and orders, and the in-transaction
// functions other parts of Success call.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "services/success/mysql_account_store.h"
#include "services/success/mysql_contact_store.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/revenue.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::StatusIs;
using ::tandem::testing::TestToken;
using ::testing::ElementsAre;
namespace v1 = ::tandem::success::v1;
using Stub = v1::SuccessService::Stub;

constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
constexpr char kMissingAccount[] = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0";

class SuccessAccountsTest : public ::testing::Test {
 protected:
  SuccessAccountsTest()
      : stub_(v1::SuccessService::NewStub(
            grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                                grpc::InsecureChannelCredentials()))) {}

  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                    Response* response,
                    const std::string& token = TestToken("acme", {"csm"}, absl::Hours(1))) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  // Calls and expects `code`, with a violation on `field` when it is set.
  template <typename Request, typename Response>
  void ExpectRefused(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                     grpc::StatusCode code, const std::string& field,
                     const std::string& token = TestToken("acme", {"csm"})) {
    testing::ExpectRefused(*stub_, method, request, code, field, token);
  }

  v1::Account CreateAccount(const std::string& display_name, const std::string& tenant = "acme",
                            const std::string& request_id = "") {
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(display_name);
    request.set_request_id(request_id);
    v1::Account account;
    const grpc::Status status =
        Call(&Stub::CreateAccount, request, &account, TestToken(tenant, {"csm"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account;
  }

  v1::Contact CreateContact(const v1::Account& account, const std::string& email,
                            std::vector<v1::Contact::Role> roles = {}) {
    v1::CreateContactRequest request;
    request.set_parent(account.name());
    request.mutable_contact()->set_display_name(email.substr(0, email.find('@')));
    request.mutable_contact()->set_email(email);
    for (v1::Contact::Role role : roles) request.mutable_contact()->add_roles(role);
    v1::Contact contact;
    const grpc::Status status = Call(&Stub::CreateContact, request, &contact);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return contact;
  }

  absl::Status Sql(const std::string& sql, const std::vector<mysql::Value>& params = {}) {
    ASSIGN_OR_RETURN(mysql::PooledConnection db, server_.database.pool().Acquire());
    return db->Execute(sql, params).status();
  }

  int64_t Count(const std::string& sql, const std::vector<mysql::Value>& params = {}) {
    return testing::CountRows(server_.database.pool(), sql, params);
  }

  // Rows of every table a write touches plus row versions: a refused call
  // changes none of them.
  int64_t WrittenRows() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM contacts) + "
        "(SELECT COUNT(*) FROM stage_changes) + (SELECT COUNT(*) FROM outbox) + "
        "(SELECT COUNT(*) FROM idempotency_keys) + (SELECT COUNT(*) FROM account_reviews) + "
        "(SELECT COALESCE(SUM(version), 0) FROM accounts) + "
        "(SELECT COALESCE(SUM(version), 0) FROM contacts)");
  }

  // The event types written about `subject`, oldest first.
  std::vector<std::string> EventTypes(const std::string& subject) {
    std::vector<std::string> types;
    auto db = server_.database.pool().Acquire();
    if (!db.ok()) return types;
    auto rows =
        (*db)->Query("SELECT event_type FROM outbox WHERE subject = ? ORDER BY id", {subject});
    if (rows.ok()) {
      for (const auto& row : *rows) types.push_back(row.String(0));
    }
    return types;
  }

  // The payload of the newest event of `type` about `subject`.
  template <typename Message>
  Message LastEvent(const std::string& subject, const std::string& type) {
    return testing::LastEvent<Message>(server_.database.pool(), subject, type);
  }

  testing::SuccessServer server_;
  std::unique_ptr<Stub> stub_;
};

// A created account carries every new field, and its event says so.
TEST_F(SuccessAccountsTest, CreateStoresContractFieldsAndEmitsThemInAccountCreated) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name("Acme");
  request.mutable_account()->set_seats_licensed(25);
  request.mutable_account()->set_touch_tier(v1::HIGH_TOUCH);
  const absl::Time start = absl::Now() - absl::Hours(24 * 400);  // history from a CRM
  *request.mutable_account()->mutable_contract_start_time() = ToProtoTime(start);
  *request.mutable_account()->mutable_renewal_time() = ToProtoTime(start + absl::Hours(24 * 730));
  v1::Account created;
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, &created).ok());
  v1::Account read;
  v1::GetAccountRequest get;
  get.set_name(created.name());
  ASSERT_TRUE(Call(&Stub::GetAccount, get, &read).ok());
  EXPECT_EQ(read.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(read.seats_licensed(), 25);
  EXPECT_EQ(read.tier_source(), v1::Account::MANUAL);
  EXPECT_EQ(FromProtoTime(read.contract_start_time()),
            absl::FromUnixMicros(absl::ToUnixMicros(start)));
  const auto event = LastEvent<v1::AccountCreated>(created.name(), "AccountCreated");
  EXPECT_EQ(event.account().seats_licensed(), 25);
  EXPECT_EQ(event.account().tier_source(), v1::Account::MANUAL);
  EXPECT_TRUE(event.account().has_renewal_time());
  // Its history starts with ONBOARDING, and a first review is queued.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM stage_changes WHERE to_stage = 1"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews WHERE account_id = ?",
                  {ResourceIdOf(created.name())}),
            1);
}

// A tier given at create is a manual tier change from none: a
// tier_changes row and a TierChanged event after AccountCreated. Without
// one the default tier records no change.
TEST_F(SuccessAccountsTest, ManualTierAtCreateIsRecordedAsATierChange) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name("Acme");
  request.mutable_account()->set_touch_tier(v1::HIGH_TOUCH);
  v1::Account created;
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, &created).ok());
  EXPECT_THAT(EventTypes(created.name()), ElementsAre("AccountCreated", "TierChanged"));
  const auto event = LastEvent<v1::TierChanged>(created.name(), "TierChanged");
  EXPECT_EQ(event.account().touch_tier(), v1::HIGH_TOUCH);
  EXPECT_EQ(event.change().from_tier(), v1::TOUCH_TIER_UNSPECIFIED);
  EXPECT_EQ(event.change().to_tier(), v1::HIGH_TOUCH);
  EXPECT_EQ(event.change().source(), v1::Account::MANUAL);
  EXPECT_FALSE(event.change().actor().empty());
  EXPECT_EQ(event.change().change_time().seconds(), created.create_time().seconds());
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM tier_changes WHERE account_id = ? AND to_tier = ? AND "
            "source = ?",
            {ResourceIdOf(created.name()), int64_t{v1::HIGH_TOUCH}, int64_t{v1::Account::MANUAL}}),
      1);

  request.mutable_account()->set_display_name("Globex");
  request.mutable_account()->clear_touch_tier();
  v1::Account plain;
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, &plain).ok());
  EXPECT_THAT(EventTypes(plain.name()), ElementsAre("AccountCreated"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tier_changes"), 1);
}

// Support asks with a service token and still gets the tier; MRR and ARR
// are read back derived.
TEST_F(SuccessAccountsTest, ServiceTokenReadsAccountWithArr) {
  const v1::Account account = CreateAccount("Acme");
  ASSERT_OK(
      Sql("UPDATE accounts SET mrr_minor = 10000 WHERE id = ?", {ResourceIdOf(account.name())}));
  v1::GetAccountRequest get;
  get.set_name(account.name());
  v1::Account read;
  ASSERT_TRUE(Call(&Stub::GetAccount, get, &read, TestToken("acme", {"service"})).ok());
  EXPECT_EQ(read.touch_tier(), v1::TECH_TOUCH);
  EXPECT_EQ(read.arr_minor(), 120000);
}

// An update changes the masked fields only, bumps the etag, records a stage
// change with its event, queues a review and emits AccountUpdated.
TEST_F(SuccessAccountsTest, UpdateRecordsStageChangeAndEvents) {
  const v1::Account account = CreateAccount("Acme");
  ASSERT_OK(Sql("DELETE FROM account_reviews"));
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name(account.name());
  request.mutable_account()->set_etag(account.etag());
  request.mutable_account()->set_owner("csm-7");
  request.mutable_account()->set_plan("ignored: not in the mask");
  request.mutable_account()->set_lifecycle_stage(v1::Account::ADOPTION);
  request.mutable_update_mask()->add_paths("owner");
  request.mutable_update_mask()->add_paths("lifecycle_stage");
  v1::Account updated;
  ASSERT_TRUE(Call(&Stub::UpdateAccount, request, &updated).ok());
  EXPECT_EQ(updated.owner(), "csm-7");
  EXPECT_EQ(updated.plan(), "");
  EXPECT_EQ(updated.lifecycle_stage(), v1::Account::ADOPTION);
  EXPECT_NE(updated.etag(), account.etag());
  v1::Account read;
  v1::GetAccountRequest get;
  get.set_name(account.name());
  ASSERT_TRUE(Call(&Stub::GetAccount, get, &read).ok());
  EXPECT_EQ(read.SerializeAsString(), updated.SerializeAsString());
  EXPECT_THAT(EventTypes(account.name()),
              ElementsAre("AccountCreated", "AccountUpdated", "StageChanged"));
  const auto changed = LastEvent<v1::StageChanged>(account.name(), "StageChanged");
  EXPECT_EQ(changed.change().from_stage(), v1::Account::ONBOARDING);
  EXPECT_EQ(changed.change().to_stage(), v1::Account::ADOPTION);
  EXPECT_EQ(changed.change().actor(), "tester");  // the test token's subject
  EXPECT_EQ(changed.account().owner(), "csm-7");
  const auto event = LastEvent<v1::AccountUpdated>(account.name(), "AccountUpdated");
  EXPECT_THAT(event.changed_fields().paths(), ElementsAre("lifecycle_stage", "owner"));
  EXPECT_EQ(event.previous().owner(), "");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews"), 1);

  v1::ListStageChangesRequest list;
  list.set_parent(account.name());
  list.set_page_size(1);
  v1::ListStageChangesResponse page;
  ASSERT_TRUE(Call(&Stub::ListStageChanges, list, &page).ok());
  ASSERT_EQ(page.stage_changes_size(), 1);
  EXPECT_EQ(page.stage_changes(0).to_stage(), v1::Account::ONBOARDING);
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(Call(&Stub::ListStageChanges, list, &page).ok());
  ASSERT_EQ(page.stage_changes_size(), 1);
  EXPECT_EQ(page.stage_changes(0).to_stage(), v1::Account::ADOPTION);
  EXPECT_EQ(page.next_page_token(), "");

  // The same values again change nothing and write nothing.
  const int64_t before = WrittenRows();
  request.mutable_account()->set_etag(updated.etag());
  v1::Account same;
  ASSERT_TRUE(Call(&Stub::UpdateAccount, request, &same).ok());
  EXPECT_EQ(same.etag(), updated.etag());
  EXPECT_EQ(WrittenRows(), before);
}

// A stale etag is ABORTED and writes nothing.
TEST_F(SuccessAccountsTest, StaleEtagIsAbortedAndWritesNothing) {
  const v1::Account account = CreateAccount("Acme");
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name(account.name());
  request.mutable_account()->set_owner("csm-2");
  request.mutable_update_mask()->add_paths("owner");
  v1::Account updated;
  ASSERT_TRUE(Call(&Stub::UpdateAccount, request, &updated).ok());
  const int64_t before = WrittenRows();
  request.mutable_account()->set_etag(account.etag());  // stale now
  request.mutable_account()->set_owner("csm-3");
  ExpectRefused(&Stub::UpdateAccount, request, grpc::StatusCode::ABORTED, "");
  v1::DeleteAccountRequest del;
  del.set_name(account.name());
  del.set_etag(account.etag());
  ExpectRefused(&Stub::DeleteAccount, del, grpc::StatusCode::ABORTED, "");
  EXPECT_EQ(WrittenRows(), before);
}

// Two writers holding the same etag: exactly one wins, the other is
// ABORTED and must read again.
TEST_F(SuccessAccountsTest, ConcurrentUpdatesWithOneEtagLetOneWin) {
  const v1::Account account = CreateAccount("Acme");
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      v1::UpdateAccountRequest request;
      request.mutable_account()->set_name(account.name());
      request.mutable_account()->set_etag(account.etag());
      request.mutable_account()->set_owner(absl::StrCat("csm-", i));
      request.mutable_update_mask()->add_paths("owner");
      v1::Account updated;
      const grpc::Status status = Call(&Stub::UpdateAccount, request, &updated);
      if (status.ok()) ++ok;
      if (status.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), 3);
  EXPECT_EQ(Count("SELECT version FROM accounts"), 2);
}

// A CHURNED account (set by the ledger) keeps its stage, currency and row.
TEST_F(SuccessAccountsTest, ChurnedAccountRefusesStageCurrencyAndDelete) {
  const v1::Account account = CreateAccount("Acme");
  ASSERT_OK(
      Sql("UPDATE accounts SET lifecycle_stage = 5, churn_time = UTC_TIMESTAMP(6), "
          "churn_reason = 'budget' WHERE id = ?",
          {ResourceIdOf(account.name())}));
  const int64_t before = WrittenRows();
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name(account.name());
  request.mutable_account()->set_lifecycle_stage(v1::Account::ADOPTION);
  request.mutable_update_mask()->add_paths("lifecycle_stage");
  v1::Account response;
  grpc::Status status = Call(&Stub::UpdateAccount, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("REACTIVATION"));
  request.mutable_update_mask()->set_paths(0, "currency_code");
  request.mutable_account()->set_currency_code("EUR");
  ExpectRefused(&Stub::UpdateAccount, request, grpc::StatusCode::FAILED_PRECONDITION, "");
  v1::DeleteAccountRequest del;
  del.set_name(account.name());
  ExpectRefused(&Stub::DeleteAccount, del, grpc::StatusCode::FAILED_PRECONDITION, "");
  EXPECT_EQ(WrittenRows(), before);
  v1::GetAccountRequest get;
  get.set_name(account.name());
  ASSERT_TRUE(Call(&Stub::GetAccount, get, &response).ok());
  EXPECT_EQ(response.churn_reason(), "budget");
  EXPECT_TRUE(response.has_churn_time());
}

// A retried create returns the first account; the key with another
// request is refused.
TEST_F(SuccessAccountsTest, CreatesAreIdempotentByRequestId) {
  const v1::Account first = CreateAccount("Acme", "acme", "req-1");
  const v1::Account again = CreateAccount("Acme", "acme", "req-1");
  EXPECT_EQ(first.name(), again.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM accounts"), 1);
  v1::CreateAccountRequest other;
  other.mutable_account()->set_display_name("Globex");
  other.set_request_id("req-1");
  ExpectRefused(&Stub::CreateAccount, other, kInvalid, "request_id");

  v1::CreateContactRequest contact;
  contact.set_parent(first.name());
  contact.mutable_contact()->set_display_name("Ada");
  contact.mutable_contact()->set_email("ada@acme.test");
  contact.set_request_id("req-c");
  v1::Contact a, b;
  ASSERT_TRUE(Call(&Stub::CreateContact, contact, &a).ok());
  ASSERT_TRUE(Call(&Stub::CreateContact, contact, &b).ok());
  EXPECT_EQ(a.name(), b.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 1);
}

// Filters and orders: renewal window, renewal order with the unscheduled
// last across pages, MRR order, health band.
TEST_F(SuccessAccountsTest, ListFiltersByRenewalWindowAndOrdersByRenewalAndMrr) {
  const absl::Time now = absl::Now();
  std::vector<v1::Account> accounts;
  for (int days : {200, 30, 60, -1}) {
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(absl::StrCat("in ", days));
    if (days > 0) {
      *request.mutable_account()->mutable_renewal_time() =
          ToProtoTime(now + absl::Hours(24 * days));
    }
    v1::Account account;
    ASSERT_TRUE(Call(&Stub::CreateAccount, request, &account).ok());
    accounts.push_back(account);
  }
  CreateAccount("Other tenant", "globex");
  auto names = [](const v1::ListAccountsResponse& response) {
    std::vector<std::string> out;
    for (const auto& account : response.accounts()) out.push_back(account.display_name());
    return out;
  };
  v1::ListAccountsRequest request;
  request.set_renewal_within_days(90);
  request.set_order_by("renewal_time");
  v1::ListAccountsResponse response;
  ASSERT_TRUE(Call(&Stub::ListAccounts, request, &response).ok());
  EXPECT_THAT(names(response), ElementsAre("in 30", "in 60"));

  request.clear_renewal_within_days();
  request.set_page_size(1);
  std::vector<std::string> all;
  do {
    ASSERT_TRUE(Call(&Stub::ListAccounts, request, &response).ok());
    for (const auto& name : names(response)) all.push_back(name);
    request.set_page_token(response.next_page_token());
  } while (!response.next_page_token().empty());
  EXPECT_THAT(all, ElementsAre("in 30", "in 60", "in 200", "in -1"));

  // Descending, the unscheduled still come last, newest id first, and
  // tokens resume among them.
  accounts.push_back(CreateAccount("in -2"));
  request.set_order_by("renewal_time desc");
  request.clear_page_token();
  all.clear();
  do {
    ASSERT_TRUE(Call(&Stub::ListAccounts, request, &response).ok());
    for (const auto& name : names(response)) all.push_back(name);
    request.set_page_token(response.next_page_token());
  } while (!response.next_page_token().empty());
  EXPECT_THAT(all, ElementsAre("in 200", "in 60", "in 30", "in -2", "in -1"));

  ASSERT_OK(Sql("UPDATE accounts SET mrr_minor = 500, health_band = 1 WHERE id = ?",
                {ResourceIdOf(accounts[0].name())}));
  ASSERT_OK(
      Sql("UPDATE accounts SET mrr_minor = 900 WHERE id = ?", {ResourceIdOf(accounts[3].name())}));
  request = {};
  request.set_order_by("mrr_minor desc");
  request.set_page_size(2);
  ASSERT_TRUE(Call(&Stub::ListAccounts, request, &response).ok());
  EXPECT_THAT(names(response), ElementsAre("in -1", "in 200"));
  request = {};
  request.set_filter("health_band = RED");
  ASSERT_TRUE(Call(&Stub::ListAccounts, request, &response).ok());
  EXPECT_THAT(names(response), ElementsAre("in 200"));
}

// Contacts: roles round-trip, e-mail unique per account, role filter,
// lookup by id alone, update and delete with events; deleting the account
// takes its contacts.
TEST_F(SuccessAccountsTest, ContactsLifecycle) {
  const v1::Account acme = CreateAccount("Acme");
  const v1::Account initech = CreateAccount("Initech");
  const v1::Contact ada =
      CreateContact(acme, "ada@acme.test", {v1::Contact::USER, v1::Contact::CHAMPION});
  EXPECT_THAT(ada.roles(), ElementsAre(v1::Contact::CHAMPION, v1::Contact::USER));
  CreateContact(acme, "bob@acme.test", {v1::Contact::USER});
  CreateContact(initech, "ADA@acme.test");  // same address, another account

  v1::CreateContactRequest duplicate;
  duplicate.set_parent(acme.name());
  duplicate.mutable_contact()->set_display_name("Ada again");
  duplicate.mutable_contact()->set_email("ADA@ACME.TEST");
  ExpectRefused(&Stub::CreateContact, duplicate, grpc::StatusCode::ALREADY_EXISTS, "");

  v1::ListContactsRequest list;
  list.set_parent(acme.name());
  list.set_filter("role = CHAMPION");
  v1::ListContactsResponse contacts;
  ASSERT_TRUE(Call(&Stub::ListContacts, list, &contacts).ok());
  ASSERT_EQ(contacts.contacts_size(), 1);
  EXPECT_EQ(contacts.contacts(0).name(), ada.name());
  list.set_parent("accounts/-");
  list.set_filter("role != CHAMPION");
  ASSERT_TRUE(Call(&Stub::ListContacts, list, &contacts).ok());
  EXPECT_EQ(contacts.contacts_size(), 2);

  v1::GetContactRequest get;
  get.set_name(absl::StrCat("accounts/-/contacts/", ResourceIdOf(ada.name())));
  v1::Contact read;
  ASSERT_TRUE(Call(&Stub::GetContact, get, &read).ok());
  EXPECT_EQ(read.name(), ada.name());
  get.set_name(absl::StrCat(initech.name(), "/contacts/", ResourceIdOf(ada.name())));
  ExpectRefused(&Stub::GetContact, get, kNotFound, "");

  v1::UpdateContactRequest update;
  *update.mutable_contact() = ada;
  update.mutable_contact()->set_title("VP Ops");
  update.mutable_contact()->clear_roles();
  update.mutable_contact()->add_roles(v1::Contact::EXECUTIVE_SPONSOR);
  update.mutable_update_mask()->add_paths("title");
  update.mutable_update_mask()->add_paths("roles");
  v1::Contact updated;
  ASSERT_TRUE(Call(&Stub::UpdateContact, update, &updated).ok());
  EXPECT_EQ(updated.title(), "VP Ops");
  EXPECT_THAT(updated.roles(), ElementsAre(v1::Contact::EXECUTIVE_SPONSOR));
  ExpectRefused(&Stub::UpdateContact, update, grpc::StatusCode::ABORTED, "");  // stale etag

  {  // Playbooks read recipients inside their transaction.
    auto tx = mysql::Transaction::Begin(server_.database.pool(), absl::InfiniteFuture());
    ASSERT_OK(tx.status());
    ASSERT_OK_AND_ASSIGN(auto sponsors,
                         success::LoadAccountContacts(*tx, "acme", ResourceIdOf(acme.name()),
                                                      {v1::Contact::EXECUTIVE_SPONSOR}));
    ASSERT_EQ(sponsors.size(), 1u);
    EXPECT_EQ(sponsors[0].email(), "ada@acme.test");
  }

  v1::DeleteContactRequest del;
  del.set_name(ada.name());
  del.set_etag(updated.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(Call(&Stub::DeleteContact, del, &empty).ok());
  EXPECT_THAT(EventTypes(ada.name()),
              ElementsAre("ContactCreated", "ContactUpdated", "ContactDeleted"));

  v1::DeleteAccountRequest delete_account;
  delete_account.set_name(acme.name());
  ASSERT_TRUE(Call(&Stub::DeleteAccount, delete_account, &empty).ok());
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM contacts WHERE account_id = ?", {ResourceIdOf(acme.name())}), 0);
  EXPECT_EQ(EventTypes(acme.name()).back(), "AccountDeleted");
  v1::GetAccountRequest get_account;
  get_account.set_name(acme.name());
  ExpectRefused(&Stub::GetAccount, get_account, kNotFound, "");
}

// LoadAccountFacts reads the row inside the caller's transaction.
TEST_F(SuccessAccountsTest, LoadAccountFactsReadsTheRow) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name("Acme");
  request.mutable_account()->set_owner("csm-9");
  request.mutable_account()->set_seats_licensed(12);
  *request.mutable_account()->mutable_renewal_time() = ToProtoTime(absl::Now() + absl::Hours(48));
  v1::Account account;
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, &account).ok());
  auto tx = mysql::Transaction::Begin(server_.database.pool(), absl::InfiniteFuture());
  ASSERT_OK(tx.status());
  success::AccountFacts facts;
  ASSERT_OK(success::LoadAccountFacts(*tx, "acme", ResourceIdOf(account.name()), facts));
  EXPECT_EQ(facts.owner, "csm-9");
  EXPECT_EQ(facts.seats_licensed, 12);
  EXPECT_EQ(facts.tier, v1::TECH_TOUCH);
  EXPECT_TRUE(facts.renewal_time.has_value());
  EXPECT_THAT(success::LoadAccountFacts(*tx, "globex", ResourceIdOf(account.name()), facts),
              StatusIs(absl::StatusCode::kNotFound));
}

// Every RPC refuses bad input with the right code and field, another
// tenant's objects are NOT_FOUND, readers cannot write, and nothing is
// written by any of it.
TEST_F(SuccessAccountsTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const v1::Account mine = CreateAccount("Mine");
  const v1::Account theirs = CreateAccount("Theirs", "globex");
  const v1::Contact contact = CreateContact(mine, "ada@acme.test");
  const std::string huge(300, 'x');
  const int64_t before = WrittenRows();

  {  // CreateAccount
    v1::CreateAccountRequest r;
    ExpectRefused(&Stub::CreateAccount, r, kInvalid, "account");
    r.mutable_account()->set_display_name(huge);
    ExpectRefused(&Stub::CreateAccount, r, kInvalid, "account.display_name");
    r.mutable_account()->set_display_name("ok");
    r.mutable_account()->set_seats_licensed(-3);
    ExpectRefused(&Stub::CreateAccount, r, kInvalid, "account.seats_licensed");
    r.mutable_account()->set_seats_licensed(3);
    *r.mutable_account()->mutable_contract_start_time() =
        ToProtoTime(absl::Now() + absl::Hours(24 * 500));
    ExpectRefused(&Stub::CreateAccount, r, kInvalid, "account.contract_start_time");
    r.mutable_account()->clear_contract_start_time();
    r.mutable_account()->set_currency_code("dollars");
    ExpectRefused(&Stub::CreateAccount, r, kInvalid, "account.currency_code");
    r.mutable_account()->clear_currency_code();
    r.set_request_id("no spaces allowed");
    ExpectRefused(&Stub::CreateAccount, r, kInvalid, "request_id");
    r.clear_request_id();
    ExpectRefused(&Stub::CreateAccount, r, grpc::StatusCode::PERMISSION_DENIED, "",
                  TestToken("acme", {"viewer"}));
  }
  {  // GetAccount
    v1::GetAccountRequest r;
    ExpectRefused(&Stub::GetAccount, r, kInvalid, "name");
    r.set_name("accounts/../x");
    ExpectRefused(&Stub::GetAccount, r, kInvalid, "name");
    r.set_name(theirs.name());
    ExpectRefused(&Stub::GetAccount, r, kNotFound, "");
  }
  {  // ListAccounts
    v1::ListAccountsRequest r;
    r.set_filter("touch_tier = GOLD");
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "filter");
    r.set_filter("mrr_minor > 5");
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "filter");
    r.set_filter("renewal_time < \"soon\"");
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("display_name");
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_renewal_within_days(-5);
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "renewal_within_days");
    r.clear_renewal_within_days();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListAccounts, r, kInvalid, "page_size");
  }
  {  // UpdateAccount
    v1::UpdateAccountRequest r;
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "update_mask");
    *r.mutable_account() = mine;
    r.mutable_update_mask()->add_paths("touch_tier");
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "update_mask");
    r.mutable_update_mask()->set_paths(0, "mrr_minor");
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "update_mask");
    r.mutable_update_mask()->set_paths(0, "lifecycle_stage");
    r.mutable_account()->set_lifecycle_stage(v1::Account::CHURNED);
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "account.lifecycle_stage");
    r.mutable_update_mask()->set_paths(0, "display_name");
    r.mutable_account()->set_display_name(" ");
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "account.display_name");
    r.mutable_update_mask()->set_paths(0, "renewal_time");
    r.mutable_account()->mutable_renewal_time()->set_seconds(-10);
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "account.renewal_time");
    r.mutable_update_mask()->set_paths(0, "owner");
    r.mutable_account()->set_name("accounts/nope");
    ExpectRefused(&Stub::UpdateAccount, r, kInvalid, "account.name");
    r.mutable_account()->set_name(theirs.name());
    ExpectRefused(&Stub::UpdateAccount, r, kNotFound, "");
    r.mutable_account()->set_name(mine.name());
    ExpectRefused(&Stub::UpdateAccount, r, grpc::StatusCode::PERMISSION_DENIED, "",
                  TestToken("acme", {"agent"}));
  }
  {  // DeleteAccount
    v1::DeleteAccountRequest r;
    ExpectRefused(&Stub::DeleteAccount, r, kInvalid, "name");
    r.set_name(theirs.name());
    ExpectRefused(&Stub::DeleteAccount, r, kNotFound, "");
    r.set_name(kMissingAccount);
    ExpectRefused(&Stub::DeleteAccount, r, kNotFound, "");
  }
  {  // ListStageChanges
    v1::ListStageChangesRequest r;
    ExpectRefused(&Stub::ListStageChanges, r, kInvalid, "parent");
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListStageChanges, r, kNotFound, "");
    r.set_parent(mine.name());
    r.set_order_by("to_stage");
    ExpectRefused(&Stub::ListStageChanges, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListStageChanges, r, kInvalid, "page_token");
  }
  {  // CreateContact
    v1::CreateContactRequest r;
    ExpectRefused(&Stub::CreateContact, r, kInvalid, "parent");
    r.set_parent(mine.name());
    ExpectRefused(&Stub::CreateContact, r, kInvalid, "contact");
    r.mutable_contact()->set_display_name("Bob");
    r.mutable_contact()->set_email("bob");
    ExpectRefused(&Stub::CreateContact, r, kInvalid, "contact.email");
    r.mutable_contact()->set_email("bob@acme.test");
    r.mutable_contact()->add_roles(static_cast<v1::Contact::Role>(9));
    ExpectRefused(&Stub::CreateContact, r, kInvalid, "contact.roles[0]");
    r.mutable_contact()->clear_roles();
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::CreateContact, r, kNotFound, "");
    r.set_parent(kMissingAccount);
    ExpectRefused(&Stub::CreateContact, r, kNotFound, "");
    r.set_parent(mine.name());
    r.mutable_contact()->set_email("ADA@acme.test");
    ExpectRefused(&Stub::CreateContact, r, grpc::StatusCode::ALREADY_EXISTS, "");
  }
  {  // GetContact
    v1::GetContactRequest r;
    ExpectRefused(&Stub::GetContact, r, kInvalid, "name");
    r.set_name("contacts/1");
    ExpectRefused(&Stub::GetContact, r, kInvalid, "name");
    r.set_name(contact.name());
    ExpectRefused(&Stub::GetContact, r, kNotFound, "", TestToken("globex", {"csm"}));
  }
  {  // ListContacts
    v1::ListContactsRequest r;
    ExpectRefused(&Stub::ListContacts, r, kInvalid, "parent");
    r.set_parent(mine.name());
    r.set_filter("role = BOSS");
    ExpectRefused(&Stub::ListContacts, r, kInvalid, "filter");
    r.set_filter("title = CTO");
    ExpectRefused(&Stub::ListContacts, r, kInvalid, "filter");
    r.clear_filter();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListContacts, r, kInvalid, "page_size");
    r.clear_page_size();
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListContacts, r, kNotFound, "");
  }
  {  // UpdateContact
    v1::UpdateContactRequest r;
    ExpectRefused(&Stub::UpdateContact, r, kInvalid, "update_mask");
    *r.mutable_contact() = contact;
    r.mutable_update_mask()->add_paths("etag");
    ExpectRefused(&Stub::UpdateContact, r, kInvalid, "update_mask");
    r.mutable_update_mask()->set_paths(0, "email");
    r.mutable_contact()->set_email("");
    ExpectRefused(&Stub::UpdateContact, r, kInvalid, "contact.email");
    r.mutable_contact()->set_email("new@acme.test");
    r.mutable_contact()->set_name("accounts/x/contacts/y");
    ExpectRefused(&Stub::UpdateContact, r, kInvalid, "contact.name");
    r.mutable_contact()->set_name(contact.name());
    ExpectRefused(&Stub::UpdateContact, r, kNotFound, "", TestToken("globex", {"csm"}));
  }
  {  // DeleteContact
    v1::DeleteContactRequest r;
    ExpectRefused(&Stub::DeleteContact, r, kInvalid, "name");
    r.set_name(absl::StrCat(theirs.name(), "/contacts/", ResourceIdOf(contact.name())));
    ExpectRefused(&Stub::DeleteContact, r, kNotFound, "");
    r.set_name(contact.name());
    r.set_etag("stale");
    ExpectRefused(&Stub::DeleteContact, r, grpc::StatusCode::ABORTED, "");
  }
  EXPECT_EQ(WrittenRows(), before);
}

}  // namespace
}  // namespace tandem
