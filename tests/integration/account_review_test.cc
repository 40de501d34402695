// The account review against real MariaDB and Success's real gRPC server:
// queued accounts are scored once each even with two reviewers racing, the
// queue empties, the daily pass queues live accounts only, and an account
// deleted while queued simply leaves the queue.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "services/success/account_reviewer.h"
#include "tandem/success/v1/health.pb.h"
#include "tandem/success/v1/revenue.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tandem/success/v1/usage.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem::success {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;

constexpr char kTenant[] = "review";

class AccountReviewTest : public ::testing::Test {
 protected:
  AccountReviewTest()
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        accounts_(v1::SuccessService::NewStub(channel_)),
        usage_(v1::UsageService::NewStub(channel_)),
        revenue_(v1::RevenueService::NewStub(channel_)) {
    v1::UpdateKeyFeaturesRequest request;
    request.mutable_key_features()->set_name("keyFeatures");
    request.mutable_key_features()->add_features("reports");
    request.mutable_key_features()->add_features("alerts");
    request.mutable_update_mask()->add_paths("features");
    v1::KeyFeatures features;
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    EXPECT_TRUE(usage_->UpdateKeyFeatures(&context, request, &features).ok());
  }

  // An account with 4 seats, all used on every key feature yesterday.
  v1::Account UsedAccount(int n) {
    v1::CreateAccountRequest create;
    create.mutable_account()->set_display_name(absl::StrCat("Account ", n));
    create.mutable_account()->set_owner("csm-ann");
    create.mutable_account()->set_seats_licensed(4);
    v1::Account account;
    {
      grpc::ClientContext context;
      Authorize(context, TestToken(kTenant, {"csm"}));
      const grpc::Status status = accounts_->CreateAccount(&context, create, &account);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    v1::IngestUsageEventsRequest ingest;
    for (int user = 0; user < 4; ++user) {
      for (const char* feature : {"reports", "alerts"}) {
        v1::UsageEvent& event = *ingest.add_events();
        event.set_event_id(absl::StrCat(ResourceIdOf(account.name()), "-", user, "-", feature));
        event.set_account(account.name());
        event.set_feature(feature);
        event.set_user(absl::StrCat("user-", user));
        event.set_count(2);
        *event.mutable_event_time() = ToProtoTime(absl::Now() - absl::Hours(24));
      }
    }
    v1::IngestUsageEventsResponse ingested;
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    const grpc::Status status = usage_->IngestUsageEvents(&context, ingest, &ingested);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account;
  }

  int64_t Count(const std::string& sql, const std::vector<mysql::Value>& params = {}) {
    return testing::CountRows(server_.database.pool(), sql, params);
  }

  int64_t Queued() {
    return Count("SELECT COUNT(*) FROM account_reviews WHERE tenant_id = ?", {kTenant});
  }

  testing::SuccessServer server_;
  AccountReviewer reviewer_{&server_.database.pool(), &server_.outbox, &SystemClock::Get()};
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SuccessService::Stub> accounts_;
  std::unique_ptr<v1::UsageService::Stub> usage_;
  std::unique_ptr<v1::RevenueService::Stub> revenue_;
};

// Two reviewers draining the same queue score each account exactly once:
// one first HealthChanged per account, every account GREEN, queue empty.
TEST_F(AccountReviewTest, RacingReviewersScoreEachQueuedAccountOnce) {
  constexpr int kAccounts = 24;
  for (int i = 0; i < kAccounts; ++i) UsedAccount(i);
  ASSERT_EQ(Queued(), kAccounts);

  std::atomic<int> reviewed{0};
  auto drain = [&] {
    for (;;) {
      absl::StatusOr<int> batch = reviewer_.ReviewDue(5, absl::Now() + absl::Seconds(30));
      ASSERT_OK(batch.status());
      reviewed += *batch;
      if (*batch == 0) return;
    }
  };
  std::thread first(drain), second(drain);
  first.join();
  second.join();

  EXPECT_EQ(reviewed.load(), kAccounts);
  EXPECT_EQ(Queued(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM accounts WHERE tenant_id = ? AND health_band = ?",
                  {kTenant, int64_t{v1::GREEN}}),
            kAccounts);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE tenant_id = ? AND event_type = "
                  "'HealthChanged'",
                  {kTenant}),
            kAccounts);
  // Nothing queued, nothing to do: a second round changes nothing.
  ASSERT_OK_AND_ASSIGN(int again, reviewer_.ReviewDue(100, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(again, 0);
}

// The daily pass queues every account that has not churned, and a review
// of an unchanged account records no new HealthChanged.
TEST_F(AccountReviewTest, DailyPassQueuesLiveAccountsOnly) {
  const v1::Account live = UsedAccount(1);
  const v1::Account leaving = UsedAccount(2);
  for (const auto& [type, delta] : std::vector<std::pair<v1::MrrMovement::Type, int64_t>>{
           {v1::MrrMovement::NEW, 50000}, {v1::MrrMovement::CHURN, 0}}) {
    v1::RecordMrrMovementRequest request;
    request.set_parent(leaving.name());
    request.mutable_mrr_movement()->set_type(type);
    request.mutable_mrr_movement()->set_mrr_delta_minor(delta);
    request.mutable_mrr_movement()->set_reason("moving on");
    *request.mutable_mrr_movement()->mutable_effective_time() =
        ToProtoTime(absl::Now() - (type == v1::MrrMovement::NEW ? absl::Hours(2) : absl::Hours(1)));
    v1::MrrMovement movement;
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    const grpc::Status status = revenue_->RecordMrrMovement(&context, request, &movement);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_OK(reviewer_.ReviewDue(100, absl::Now() + absl::Seconds(30)).status());
  ASSERT_EQ(Queued(), 0);
  const int64_t changes =
      Count("SELECT COUNT(*) FROM outbox WHERE tenant_id = ? AND event_type = 'HealthChanged'",
            {kTenant});

  ASSERT_OK_AND_ASSIGN(int queued, reviewer_.QueueAll("daily", absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(queued, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews WHERE tenant_id = ? AND account_id = ? "
                  "AND reason = 'daily'",
                  {kTenant, ResourceIdOf(live.name())}),
            1);
  ASSERT_OK_AND_ASSIGN(int reviewed, reviewer_.ReviewDue(100, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(reviewed, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE tenant_id = ? AND event_type = "
                  "'HealthChanged'",
                  {kTenant}),
            changes);
}

// The daily pass runs when it is due by the database, not by process age:
// a second replica (or a restart) right after it queues nothing.
TEST_F(AccountReviewTest, DailyPassRunsOnceWhateverRestartsOrReplicas) {
  UsedAccount(1);
  UsedAccount(2);
  ASSERT_OK(reviewer_.ReviewDue(100, absl::Now() + absl::Seconds(30)).status());
  const absl::Duration day = absl::Hours(24);
  ASSERT_OK_AND_ASSIGN(int first,
                       reviewer_.QueueAllIfDue("daily", day, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(first, 2);
  AccountReviewer other_replica(&server_.database.pool(), &server_.outbox, &SystemClock::Get());
  ASSERT_OK_AND_ASSIGN(int second,
                       other_replica.QueueAllIfDue("daily", day, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(second, 0);
  ASSERT_OK_AND_ASSIGN(int hourly, reviewer_.QueueAllIfDue("hourly", absl::ZeroDuration(),
                                                           absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(hourly, 2);
}

// An account deleted after it was queued leaves the queue without a review.
TEST_F(AccountReviewTest, DeletedAccountLeavesTheQueue) {
  v1::CreateAccountRequest create;
  create.mutable_account()->set_display_name("Short-lived");
  v1::Account account;
  {
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    ASSERT_TRUE(accounts_->CreateAccount(&context, create, &account).ok());
  }
  ASSERT_EQ(Queued(), 1);
  {
    v1::DeleteAccountRequest request;
    request.set_name(account.name());
    google::protobuf::Empty empty;
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    const grpc::Status status = accounts_->DeleteAccount(&context, request, &empty);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_OK_AND_ASSIGN(int reviewed, reviewer_.ReviewDue(100, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(reviewed, 0);
  EXPECT_EQ(Queued(), 0);
}

// A new account with seats licensed and the tenant's key features defined,
// but no usage yet, has no adoption or seat ratio to score: its first
// review does not make it RED.
TEST_F(AccountReviewTest, NewAccountWithoutUsageIsNotScoredRed) {
  v1::CreateAccountRequest create;
  create.mutable_account()->set_display_name("Brand new");
  create.mutable_account()->set_seats_licensed(50);
  v1::Account account;
  {
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    ASSERT_TRUE(accounts_->CreateAccount(&context, create, &account).ok());
  }
  ASSERT_OK_AND_ASSIGN(int reviewed, reviewer_.ReviewDue(100, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(reviewed, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM accounts WHERE tenant_id = ? AND id = ? AND "
                  "health_band = ?",
                  {kTenant, ResourceIdOf(account.name()), int64_t{v1::RED}}),
            0);
  if (Count("SELECT COUNT(*) FROM outbox WHERE tenant_id = ? AND event_type = 'HealthChanged'",
            {kTenant}) > 0) {
    EXPECT_NE(testing::LastEvent<v1::HealthChanged>(server_.database.pool(), account.name(),
                                                    "HealthChanged")
                  .band(),
              v1::RED);
  }
}

}  // namespace
}  // namespace tandem::success
