#include "services/success/account_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "tests/testing/mocks.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::MockAccountStore;
using ::tandem::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Invoke;
using ::testing::UnorderedElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);
constexpr char kAccountName[] = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0";

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

class AccountManagerTest : public ::testing::Test {
 protected:
  AccountManagerTest() : clock_(kNow), codec_("key"), manager_(&store_, &codec_, &clock_) {
    ON_CALL(store_, Create(_, _, _, _, _))
        .WillByDefault(Invoke([](const std::string&, const v1::Account& account, const CreateKey&,
                                 const std::string&, absl::Time) { return account; }));
  }

  absl::StatusOr<v1::Account> Create(const v1::CreateAccountRequest& request) {
    return manager_.CreateAccount({"acme", "csm-1", {"csm"}}, request, absl::InfiniteFuture());
  }

  absl::StatusOr<v1::Account> Update(const v1::UpdateAccountRequest& request) {
    return manager_.UpdateAccount({"acme", "csm-1", {"csm"}}, request, absl::InfiniteFuture());
  }

  FakeClock clock_;
  PageTokenCodec codec_;
  ::testing::StrictMock<MockAccountStore> store_;
  AccountManager manager_;
};

// An account as stored: ONBOARDING, no revenue, an etag.
v1::Account Current() {
  v1::Account account;
  account.set_name(kAccountName);
  account.set_display_name("Acme");
  account.set_currency_code("USD");
  account.set_touch_tier(v1::HIGH_TOUCH);
  account.set_lifecycle_stage(v1::Account::ONBOARDING);
  account.set_etag("etag-1");
  return account;
}

// Every bad field is reported at once, and nothing is stored.
TEST_F(AccountManagerTest, InvalidRequestReportsEveryField) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name(std::string(201, 'x'));
  request.mutable_account()->set_currency_code("usd");
  request.mutable_account()->set_touch_tier(static_cast<v1::TouchTier>(9));
  request.mutable_account()->set_external_id(std::string(129, 'x'));
  request.mutable_account()->set_seats_licensed(-1);
  absl::StatusOr<v1::Account> account = Create(request);
  EXPECT_THAT(account, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ViolatedFields(account.status()),
      UnorderedElementsAre("account.display_name", "account.currency_code", "account.touch_tier",
                           "account.external_id", "account.seats_licensed"));
}

// A new account is TECH_TOUCH (DEFAULT source), ONBOARDING, USD and zero
// MRR by default; output-only fields are ignored.
TEST_F(AccountManagerTest, CreateAppliesDefaults) {
  EXPECT_CALL(store_, Create("acme", _, _, "csm-1", _));
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name(" Acme Corp ");
  request.mutable_account()->set_mrr_minor(999);
  request.mutable_account()->set_health_score(80);
  request.mutable_account()->set_lifecycle_stage(v1::Account::CHURNED);
  ASSERT_OK_AND_ASSIGN(v1::Account account, Create(request));
  EXPECT_EQ(account.display_name(), "Acme Corp");
  EXPECT_EQ(account.touch_tier(), v1::TECH_TOUCH);
  EXPECT_EQ(account.tier_source(), v1::Account::DEFAULT);
  EXPECT_EQ(account.lifecycle_stage(), v1::Account::ONBOARDING);
  EXPECT_EQ(account.currency_code(), "USD");
  EXPECT_EQ(account.mrr_minor(), 0);
  EXPECT_EQ(account.health_score(), 0);
  EXPECT_TRUE(account.name().starts_with("accounts/"));
}

// A tier chosen at creation is a manual choice the policy leaves alone;
// contract dates in the past are kept (history loaded from a CRM).
TEST_F(AccountManagerTest, CreateKeepsChosenTierAndPastContractDates) {
  EXPECT_CALL(store_, Create("acme", _, _, _, _));
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name("Acme");
  request.mutable_account()->set_touch_tier(v1::HIGH_TOUCH);
  request.mutable_account()->set_seats_licensed(50);
  *request.mutable_account()->mutable_contract_start_time() =
      ToProtoTime(kNow - absl::Hours(24 * 700));
  *request.mutable_account()->mutable_renewal_time() = ToProtoTime(kNow + absl::Hours(24 * 30));
  ASSERT_OK_AND_ASSIGN(v1::Account account, Create(request));
  EXPECT_EQ(account.tier_source(), v1::Account::MANUAL);
  EXPECT_EQ(account.seats_licensed(), 50);
  EXPECT_EQ(FromProtoTime(account.contract_start_time()), kNow - absl::Hours(24 * 700));
}

// A contract may not start more than a year ahead, and renews after it
// starts.
TEST_F(AccountManagerTest, CreateRefusesImplausibleContractDates) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name("Acme");
  *request.mutable_account()->mutable_contract_start_time() =
      ToProtoTime(kNow + absl::Hours(24 * 400));
  EXPECT_THAT(ViolatedFields(Create(request).status()), ElementsAre("account.contract_start_time"));
  *request.mutable_account()->mutable_contract_start_time() = ToProtoTime(kNow);
  *request.mutable_account()->mutable_renewal_time() = ToProtoTime(kNow - absl::Hours(1));
  EXPECT_THAT(ViolatedFields(Create(request).status()), ElementsAre("account.renewal_time"));
  request.mutable_account()->mutable_renewal_time()->set_nanos(-5);
  EXPECT_THAT(ViolatedFields(Create(request).status()), ElementsAre("account.renewal_time"));
}

// Filters on enums take value names.
TEST_F(AccountManagerTest, ListRefusesUnknownTierName) {
  v1::ListAccountsRequest request;
  request.set_filter("touch_tier = PLATINUM");
  EXPECT_THAT(manager_.ListAccounts({"acme", "c", {"csm"}}, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// touch_tier in the mask is refused, naming the RPC that changes tiers.
TEST_F(AccountManagerTest, UpdateOfTouchTierNamesSetAccountTier) {
  v1::UpdateAccountRequest request;
  *request.mutable_account() = Current();
  request.mutable_update_mask()->add_paths("touch_tier");
  absl::StatusOr<v1::Account> updated = Update(request);
  EXPECT_THAT(updated, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolatedFields(updated.status()), ElementsAre("update_mask"));
  EXPECT_THAT(updated.status().message(), ::testing::HasSubstr("SetAccountTier"));
}

// CHURNED is the ledger's to set; an unknown stage is refused too.
TEST_F(AccountManagerTest, UpdateRefusesChurnedOrUnknownStage) {
  v1::UpdateAccountRequest request;
  *request.mutable_account() = Current();
  request.mutable_update_mask()->add_paths("lifecycle_stage");
  request.mutable_account()->set_lifecycle_stage(v1::Account::CHURNED);
  absl::StatusOr<v1::Account> updated = Update(request);
  EXPECT_THAT(ViolatedFields(updated.status()), ElementsAre("account.lifecycle_stage"));
  EXPECT_THAT(updated.status().message(), ::testing::HasSubstr("CHURN movement"));
  request.mutable_account()->set_lifecycle_stage(v1::Account::LIFECYCLE_STAGE_UNSPECIFIED);
  EXPECT_THAT(ViolatedFields(Update(request).status()), ElementsAre("account.lifecycle_stage"));
}

// Output-only fields and an empty mask are refused on update_mask.
TEST_F(AccountManagerTest, UpdateRefusesOutputOnlyPaths) {
  v1::UpdateAccountRequest request;
  *request.mutable_account() = Current();
  EXPECT_THAT(ViolatedFields(Update(request).status()), ElementsAre("update_mask"));
  request.mutable_update_mask()->add_paths("mrr_minor");
  EXPECT_THAT(ViolatedFields(Update(request).status()), ElementsAre("update_mask"));
}

// A churned account leaves CHURNED only through a REACTIVATION movement.
TEST(DecideAccountUpdateTest, ChurnedAccountCannotChangeStageByHand) {
  v1::Account current = Current();
  current.set_lifecycle_stage(v1::Account::CHURNED);
  *current.mutable_churn_time() = ToProtoTime(kNow - absl::Hours(24));
  v1::Account requested = current;
  requested.set_lifecycle_stage(v1::Account::ADOPTION);
  absl::StatusOr<AccountUpdate> update =
      DecideAccountUpdate(current, requested, {"lifecycle_stage"}, kNow, "etag-2");
  EXPECT_THAT(update, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(update.status().message(), ::testing::HasSubstr("REACTIVATION"));
  // Other fields of a churned account may still change.
  requested = current;
  requested.set_owner("csm-2");
  EXPECT_OK(DecideAccountUpdate(current, requested, {"owner"}, kNow, "etag-2"));
}

// The currency is fixed once the account has had revenue.
TEST(DecideAccountUpdateTest, CurrencyChangesOnlyBeforeRevenue) {
  v1::Account current = Current();
  v1::Account requested = current;
  requested.set_currency_code("EUR");
  ASSERT_OK_AND_ASSIGN(AccountUpdate update,
                       DecideAccountUpdate(current, requested, {"currency_code"}, kNow, "e2"));
  EXPECT_THAT(update.changed_fields, ElementsAre("currency_code"));
  current.set_mrr_minor(10'000);
  EXPECT_THAT(DecideAccountUpdate(current, requested, {"currency_code"}, kNow, "e2"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A stale etag is ABORTED; an empty one skips the check.
TEST(DecideAccountUpdateTest, StaleEtagIsAborted) {
  v1::Account requested = Current();
  requested.set_etag("etag-0");
  EXPECT_THAT(DecideAccountUpdate(Current(), requested, {"owner"}, kNow, "e2"),
              StatusIs(absl::StatusCode::kAborted));
  requested.clear_etag();
  EXPECT_OK(DecideAccountUpdate(Current(), requested, {"owner"}, kNow, "e2"));
}

// Writing the values already there changes nothing: no fields, same etag.
TEST(DecideAccountUpdateTest, SameValuesChangeNothing) {
  ASSERT_OK_AND_ASSIGN(AccountUpdate update,
                       DecideAccountUpdate(Current(), Current(), {"owner", "plan"}, kNow, "e2"));
  EXPECT_TRUE(update.changed_fields.empty());
  EXPECT_EQ(update.account.etag(), "etag-1");
  EXPECT_TRUE(update.review_reason.empty());
}

// Renewal and seat changes queue a health review; an owner change does not.
TEST(DecideAccountUpdateTest, RenewalAndSeatChangesQueueAReview) {
  v1::Account requested = Current();
  *requested.mutable_renewal_time() = ToProtoTime(kNow + absl::Hours(24 * 90));
  requested.set_seats_licensed(40);
  requested.set_owner("csm-2");
  ASSERT_OK_AND_ASSIGN(AccountUpdate update,
                       DecideAccountUpdate(Current(), requested, {"renewal_time"}, kNow, "e2"));
  EXPECT_THAT(update.changed_fields, ElementsAre("renewal_time"));
  EXPECT_EQ(update.review_reason, "account:renewal");
  EXPECT_EQ(update.account.etag(), "e2");
  EXPECT_EQ(FromProtoTime(update.account.update_time()), kNow);
  ASSERT_OK_AND_ASSIGN(update,
                       DecideAccountUpdate(Current(), requested, {"seats_licensed"}, kNow, "e2"));
  EXPECT_EQ(update.review_reason, "account:seats");
  ASSERT_OK_AND_ASSIGN(update, DecideAccountUpdate(Current(), requested, {"owner"}, kNow, "e2"));
  EXPECT_THAT(update.changed_fields, ElementsAre("owner"));
  EXPECT_TRUE(update.review_reason.empty());
}

// A time named in the mask but unset in the request is cleared.
TEST(DecideAccountUpdateTest, MaskedUnsetTimeIsCleared) {
  v1::Account current = Current();
  *current.mutable_renewal_time() = ToProtoTime(kNow);
  v1::Account requested = current;
  requested.clear_renewal_time();
  ASSERT_OK_AND_ASSIGN(AccountUpdate update,
                       DecideAccountUpdate(current, requested, {"renewal_time"}, kNow, "e2"));
  EXPECT_FALSE(update.account.has_renewal_time());
  EXPECT_THAT(update.changed_fields, ElementsAre("renewal_time"));
}

// Moving the contract start past the stored renewal is refused.
TEST(DecideAccountUpdateTest, ContractStartAfterRenewalIsRefused) {
  v1::Account current = Current();
  *current.mutable_renewal_time() = ToProtoTime(kNow);
  v1::Account requested = current;
  *requested.mutable_contract_start_time() = ToProtoTime(kNow + absl::Hours(1));
  absl::StatusOr<AccountUpdate> update =
      DecideAccountUpdate(current, requested, {"contract_start_time"}, kNow, "e2");
  EXPECT_THAT(ViolatedFields(update.status()), ElementsAre("account.contract_start_time"));
}

// Only an account that never had revenue may be deleted.
TEST(CheckAccountDeletableTest, RevenueForbidsDeletion) {
  v1::Account account = Current();
  EXPECT_OK(CheckAccountDeletable(account));
  account.set_mrr_minor(1);
  EXPECT_THAT(CheckAccountDeletable(account), StatusIs(absl::StatusCode::kFailedPrecondition));
  account.set_mrr_minor(0);
  *account.mutable_churn_time() = ToProtoTime(kNow);  // churned: MRR back to 0
  EXPECT_THAT(CheckAccountDeletable(account), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// renewal_within_days becomes a [now, now + N days] window on renewal_time.
TEST(PlanAccountListTest, RenewalWindowBecomesTwoConditions) {
  PageTokenCodec codec("key");
  v1::ListAccountsRequest request;
  request.set_renewal_within_days(90);
  request.set_order_by("renewal_time");
  ASSERT_OK_AND_ASSIGN(AccountQuery query, PlanAccountList(codec, "acme", request, kNow));
  ASSERT_EQ(query.conditions.size(), 2u);
  EXPECT_EQ(query.conditions[0].op, FilterOp::kGe);
  EXPECT_EQ(query.conditions[0].value, "2026-09-21 14:13:20.000000");
  EXPECT_EQ(query.conditions[1].op, FilterOp::kLe);
  EXPECT_EQ(query.conditions[1].value, "2026-12-20 14:13:20.000000");
  EXPECT_EQ(query.order, AccountOrder::kRenewalTime);
  EXPECT_FALSE(query.descending);
  request.set_renewal_within_days(-1);
  EXPECT_THAT(ViolatedFields(PlanAccountList(codec, "acme", request, kNow).status()),
              ElementsAre("renewal_within_days"));
}

// A page token resumes after the last account in the same order, also
// among accounts without a renewal time, and only for the same query.
TEST(PlanAccountListTest, PageTokensRoundTripPerOrder) {
  PageTokenCodec codec("key");
  v1::ListAccountsRequest request;
  request.set_order_by("renewal_time");
  ASSERT_OK_AND_ASSIGN(AccountQuery query, PlanAccountList(codec, "acme", request, kNow));
  v1::Account last = Current();  // no renewal time
  request.set_page_token(NextAccountPageToken(codec, query, last));
  ASSERT_OK_AND_ASSIGN(AccountQuery next, PlanAccountList(codec, "acme", request, kNow));
  ASSERT_TRUE(next.after.has_value());
  EXPECT_EQ(next.after->key, std::nullopt);
  EXPECT_EQ(next.after->id, "01JABCDEFGHJKMNPQRSTVWXYZ0");
  // The same token with another order or tenant is refused.
  request.set_order_by("mrr_minor desc");
  EXPECT_THAT(ViolatedFields(PlanAccountList(codec, "acme", request, kNow).status()),
              ElementsAre("page_token"));
  request.set_order_by("renewal_time");
  EXPECT_THAT(ViolatedFields(PlanAccountList(codec, "globex", request, kNow).status()),
              ElementsAre("page_token"));
  // MRR order carries the MRR.
  request.set_order_by("mrr_minor desc");
  request.clear_page_token();
  ASSERT_OK_AND_ASSIGN(query, PlanAccountList(codec, "acme", request, kNow));
  EXPECT_TRUE(query.descending);
  last.set_mrr_minor(12'345);
  request.set_page_token(NextAccountPageToken(codec, query, last));
  ASSERT_OK_AND_ASSIGN(next, PlanAccountList(codec, "acme", request, kNow));
  EXPECT_EQ(next.after->key, 12'345);
}

// Unknown orders and ordering operators on enums are refused.
TEST(PlanAccountListTest, RefusesUnknownOrderAndEnumComparison) {
  PageTokenCodec codec("key");
  v1::ListAccountsRequest request;
  request.set_order_by("display_name");
  EXPECT_THAT(ViolatedFields(PlanAccountList(codec, "acme", request, kNow).status()),
              ElementsAre("order_by"));
  request.clear_order_by();
  request.set_filter("health_band > RED");
  EXPECT_THAT(ViolatedFields(PlanAccountList(codec, "acme", request, kNow).status()),
              ElementsAre("filter"));
  request.set_filter("health_band = RED AND renewal_time < \"2027-01-01T00:00:00Z\"");
  ASSERT_OK_AND_ASSIGN(AccountQuery query, PlanAccountList(codec, "acme", request, kNow));
  ASSERT_EQ(query.conditions.size(), 2u);
  EXPECT_EQ(query.conditions[0].value, "1");
  EXPECT_EQ(query.conditions[1].value, "2027-01-01 00:00:00.000000");
}

}  // namespace
}  // namespace tandem::success
