// The "other success" KPIs end to end from a real Success server: NPS
// answers, renewals closed won and churned (and one left open), key
// features and a usage ingest are made through Success's gRPC API; Metrics
// consumes Success's real event feed and answers NPS, renewal rates,
// adoption and the active-seat ratio for the month, hand-computed.
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tandem/success/v1/engagement.grpc.pb.h"
#include "tandem/success/v1/lifecycle.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tandem/success/v1/usage.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/servers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem::testing {
namespace {

namespace sv1 = tandem::success::v1;
namespace mv1 = tandem::metrics::v1;

constexpr char kTenant[] = "acme";

absl::Time October(int day, int hour = 12) {
  return absl::FromCivil(absl::CivilHour(2026, 10, day, hour), absl::UTCTimeZone());
}

class MetricsSuccessServerTest : public ::testing::Test {
 protected:
  MetricsSuccessServerTest()
      : harness_(MetricsFeedSource{}, MetricsFeedSource::Of(success_)),
        channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", success_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        accounts_(sv1::SuccessService::NewStub(channel_)),
        engagement_(sv1::EngagementService::NewStub(channel_)),
        lifecycle_(sv1::LifecycleService::NewStub(channel_)),
        usage_(sv1::UsageService::NewStub(channel_)) {}

  template <typename Stub, typename Request, typename Response>
  Response Call(Stub& stub, UnaryMethod<Stub, Request, Response> method, const Request& request) {
    Response response;
    const grpc::Status status =
        CallRpc(stub, method, request, &response, TestToken(kTenant, {"csm", "admin"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::string NewAccount(const std::string& owner, int seats) {
    sv1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(absl::StrCat("Account of ", owner));
    request.mutable_account()->set_owner(owner);
    request.mutable_account()->set_seats_licensed(seats);
    return Call(*accounts_, &sv1::SuccessService::Stub::CreateAccount, request).name();
  }

  std::string NewContact(const std::string& account, const std::string& email) {
    sv1::CreateContactRequest request;
    request.set_parent(account);
    request.mutable_contact()->set_display_name(email);
    request.mutable_contact()->set_email(email);
    return Call(*accounts_, &sv1::SuccessService::Stub::CreateContact, request).name();
  }

  void Answer(const std::string& account, const std::string& contact, int score, absl::Time at) {
    sv1::RecordNpsResponseRequest request;
    request.set_parent(account);
    request.mutable_nps_response()->set_contact(contact);
    request.mutable_nps_response()->set_score(score);
    *request.mutable_nps_response()->mutable_response_time() = ToProtoTime(at);
    Call(*engagement_, &sv1::EngagementService::Stub::RecordNpsResponse, request);
  }

  std::string NewRenewal(const std::string& account, absl::Time due, int64_t target) {
    sv1::CreateRenewalRequest request;
    request.set_parent(account);
    *request.mutable_renewal()->mutable_due_time() = ToProtoTime(due);
    request.mutable_renewal()->set_target_amount_minor(target);
    return Call(*lifecycle_, &sv1::LifecycleService::Stub::CreateRenewal, request).name();
  }

  void CloseRenewal(const std::string& renewal, sv1::Renewal::Outcome outcome, int64_t final_amount,
                    absl::Time at) {
    sv1::CloseRenewalRequest request;
    request.set_name(renewal);
    request.set_outcome(outcome);
    request.set_final_amount_minor(final_amount);
    *request.mutable_close_time() = ToProtoTime(at);
    Call(*lifecycle_, &sv1::LifecycleService::Stub::CloseRenewal, request);
  }

  static sv1::UsageEvent Use(const std::string& account, const std::string& id,
                             const std::string& feature, const std::string& user) {
    sv1::UsageEvent event;
    event.set_event_id(id);
    event.set_account(account);
    event.set_feature(feature);
    event.set_user(user);
    *event.mutable_event_time() = ToProtoTime(October(10));
    return event;
  }

  // GetMetric for October 2026, whole tenant or one segment.
  mv1::MetricValue Metric(const std::string& metric, const std::string& feature = "",
                          const std::string& dimension = "", const std::string& value = "") {
    mv1::GetMetricRequest request;
    request.set_metric("metricDefinitions/" + metric);
    request.mutable_window()->set_period("2026-10");
    request.mutable_segment()->set_dimension(dimension);
    request.mutable_segment()->set_value(value);
    if (!feature.empty()) (*request.mutable_options())["feature"] = feature;
    absl::StatusOr<mv1::MetricValue> got =
        harness_.manager().GetMetric(harness_.Caller(kTenant), request, harness_.Deadline());
    EXPECT_OK(got.status());
    EXPECT_TRUE(got.ok() && got->defined()) << metric << ": " << got->undefined_reason();
    return got.ok() ? *got : mv1::MetricValue();
  }

  SuccessServer success_;
  MetricsHarness harness_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<sv1::SuccessService::Stub> accounts_;
  std::unique_ptr<sv1::EngagementService::Stub> engagement_;
  std::unique_ptr<sv1::LifecycleService::Stub> lifecycle_;
  std::unique_ptr<sv1::UsageService::Stub> usage_;
};

// NPS counts each contact's latest October answer, renewal rates the
// renewals due in October, adoption the key features each account used and
// the seat ratio its peak daily users over its seats.
TEST_F(MetricsSuccessServerTest, NpsRenewalsAndAdoptionFromARealSuccessServer) {
  const std::string ann = NewAccount("csm-ann", 10);
  const std::string bob = NewAccount("csm-bob", 4);
  const std::string ann_1 = NewContact(ann, "one@ann.example");
  const std::string ann_2 = NewContact(ann, "two@ann.example");
  const std::string bob_1 = NewContact(bob, "one@bob.example");

  // Ann's first contact answers twice: the later 10 counts, not the 3.
  Answer(ann, ann_1, 3, October(2));
  Answer(ann, ann_1, 10, October(20));
  Answer(ann, ann_2, 9, October(5));
  Answer(ann, ann_2, 0, absl::FromCivil(absl::CivilDay(2026, 9, 28), absl::UTCTimeZone()));
  Answer(bob, bob_1, 2, October(7));

  const std::string won = NewRenewal(ann, October(15), 12'000);
  const std::string lost = NewRenewal(bob, October(20), 5'000);
  NewRenewal(ann, October(25), 3'000);  // still open
  NewRenewal(bob, absl::FromCivil(absl::CivilDay(2026, 11, 2), absl::UTCTimeZone()), 9'000);
  CloseRenewal(won, sv1::Renewal::RENEWED, 12'000, October(14));
  CloseRenewal(lost, sv1::Renewal::CHURNED, 0, October(18));

  sv1::UpdateKeyFeaturesRequest features;
  features.mutable_key_features()->set_name("keyFeatures");
  features.mutable_key_features()->add_features("reports");
  features.mutable_key_features()->add_features("search");
  features.mutable_update_mask()->add_paths("features");
  Call(*usage_, &sv1::UsageService::Stub::UpdateKeyFeatures, features);
  sv1::IngestUsageEventsRequest ingest;
  for (const sv1::UsageEvent& event :
       {Use(ann, "e1", "reports", "u1"), Use(ann, "e2", "reports", "u2"),
        Use(ann, "e3", "export", "u3"), Use(bob, "e4", "search", "u1"),
        Use(bob, "e5", "search", "u2")}) {
    *ingest.add_events() = event;
  }
  Call(*usage_, &sv1::UsageService::Stub::IngestUsageEvents, ingest);

  ASSERT_OK(harness_.CatchUp().status());

  // Promoters: Ann's two contacts; detractor: Bob's. (2 − 1) ÷ 3.
  const mv1::MetricValue nps = Metric("nps");
  EXPECT_NEAR(nps.value(), 100.0 / 3, 1e-9);
  EXPECT_EQ(nps.sample_size(), 3);
  EXPECT_DOUBLE_EQ(Metric("nps", "", "owner", "csm-ann").value(), 100);
  // Won 1 of the 3 due in October; renewed 12,000 of the 17,000 closed.
  EXPECT_NEAR(Metric("renewal_rate_logo").value(), 100.0 / 3, 1e-9);
  const mv1::MetricValue revenue = Metric("renewal_rate_revenue");
  EXPECT_DOUBLE_EQ(revenue.numerator(), 12'000);
  EXPECT_DOUBLE_EQ(revenue.denominator(), 17'000);
  // Each account used one of the two key features.
  EXPECT_DOUBLE_EQ(Metric("product_adoption").value(), 50);
  EXPECT_DOUBLE_EQ(Metric("product_adoption", "reports").value(), 50);
  EXPECT_DOUBLE_EQ(Metric("product_adoption", "search", "owner", "csm-bob").value(), 100);
  // Ann: 3 users of 10 seats; Bob: 2 of 4.
  EXPECT_NEAR(Metric("active_seat_ratio").value(), 40, 1e-9);
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), IsOkAndHolds(""));
}

// A feature name may be as long as Success allows (100 characters): its
// adoption measure is stored in the rollups, answered by name, and
// recomputes to the same cells.
TEST_F(MetricsSuccessServerTest, AdoptionOfAFeatureWithTheLongestNameSuccessAllows) {
  const std::string feature = absl::StrCat("reports/", std::string(92, 'x'));
  ASSERT_EQ(feature.size(), 100u);
  const std::string ann = NewAccount("csm-ann", 10);
  const std::string bob = NewAccount("csm-bob", 4);
  sv1::UpdateKeyFeaturesRequest features;
  features.mutable_key_features()->set_name("keyFeatures");
  features.mutable_key_features()->add_features(feature);
  features.mutable_update_mask()->add_paths("features");
  Call(*usage_, &sv1::UsageService::Stub::UpdateKeyFeatures, features);
  sv1::IngestUsageEventsRequest ingest;
  *ingest.add_events() = Use(ann, "e1", feature, "u1");
  *ingest.add_events() = Use(bob, "e2", "search", "u1");
  Call(*usage_, &sv1::UsageService::Stub::IngestUsageEvents, ingest);

  ASSERT_OK(harness_.CatchUp().status());

  EXPECT_DOUBLE_EQ(Metric("product_adoption", feature).value(), 50);
  EXPECT_DOUBLE_EQ(Metric("product_adoption", feature, "owner", "csm-ann").value(), 100);
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), IsOkAndHolds(""));
}

}  // namespace
}  // namespace tandem::testing
