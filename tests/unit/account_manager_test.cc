#include "services/success/account_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "tests/testing/mocks.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::MockAccountStore;
using ::tandem::testing::StatusIs;
using ::testing::_;
using ::testing::Invoke;

class AccountManagerTest : public ::testing::Test {
 protected:
  AccountManagerTest()
      : clock_(absl::FromUnixSeconds(1'790'000'000)), codec_("key"),
        manager_(&store_, &codec_, &clock_) {
    ON_CALL(store_, Create(_, _, _, _))
        .WillByDefault(Invoke([](const std::string&, const v1::Account& account,
                                 const CreateKey&, absl::Time) { return account; }));
  }

  absl::StatusOr<v1::Account> Create(const v1::CreateAccountRequest& request) {
    return manager_.CreateAccount({"acme", "csm-1", {"csm"}}, request, absl::InfiniteFuture());
  }

  FakeClock clock_;
  PageTokenCodec codec_;
  ::testing::StrictMock<MockAccountStore> store_;
  AccountManager manager_;
};

// Every bad field is reported at once, and nothing is stored.
TEST_F(AccountManagerTest, InvalidRequestReportsEveryField) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name(std::string(201, 'x'));
  request.mutable_account()->set_currency_code("usd");
  request.mutable_account()->set_touch_tier(static_cast<v1::TouchTier>(9));
  request.mutable_account()->set_external_id(std::string(129, 'x'));
  absl::StatusOr<v1::Account> account = Create(request);
  EXPECT_THAT(account, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(account.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("account.display_name",
                                                      "account.currency_code",
                                                      "account.touch_tier",
                                                      "account.external_id"));
}

// A new account is TECH_TOUCH, ONBOARDING, USD and zero MRR by default.
TEST_F(AccountManagerTest, CreateAppliesDefaults) {
  EXPECT_CALL(store_, Create("acme", _, _, _));
  v1::CreateAccountRequest request;
  request.mutable_account()->set_display_name(" Acme Corp ");
  request.mutable_account()->set_mrr_minor(999);
  ASSERT_OK_AND_ASSIGN(v1::Account account, Create(request));
  EXPECT_EQ(account.display_name(), "Acme Corp");
  EXPECT_EQ(account.touch_tier(), v1::TECH_TOUCH);
  EXPECT_EQ(account.lifecycle_stage(), v1::Account::ONBOARDING);
  EXPECT_EQ(account.currency_code(), "USD");
  EXPECT_EQ(account.mrr_minor(), 0);
  EXPECT_TRUE(account.name().starts_with("accounts/"));
}

// Filters on enums take value names.
TEST_F(AccountManagerTest, ListRefusesUnknownTierName) {
  v1::ListAccountsRequest request;
  request.set_filter("touch_tier = PLATINUM");
  EXPECT_THAT(manager_.ListAccounts({"acme", "c", {"csm"}}, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tandem::success
