// KPIS.md's worked example end to end: the ledger movements recorded
// through a real Success server (RevenueService.RecordMrrMovement, effective
// in February and March 2026), Metrics consuming that server's event feed,
// and the March figures read back with GetMetric and GetDashboard.
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "tandem/metrics/v1/metrics_service.pb.h"
#include "tandem/success/v1/revenue.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/servers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

namespace sv1 = ::tandem::success::v1;
namespace mv1 = ::tandem::metrics::v1;
using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;
using Type = sv1::MrrMovement;

constexpr char kTenant[] = "worked";

absl::Time March(int day) {
  return absl::FromCivil(absl::CivilHour(2026, 3, day, 10), absl::UTCTimeZone());
}
absl::Time February(int day) {
  return absl::FromCivil(absl::CivilHour(2026, 2, day, 10), absl::UTCTimeZone());
}

class MetricsWorkedExampleTest : public ::testing::Test {
 protected:
  MetricsWorkedExampleTest()
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", success_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        accounts_(sv1::SuccessService::NewStub(channel_)),
        revenue_(sv1::RevenueService::NewStub(channel_)),
        harness_(testing::MetricsFeedSource{}, testing::MetricsFeedSource::Of(success_)) {}

  // Creates an account in Success and returns its name.
  std::string CreateAccount(const std::string& display_name) {
    sv1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(display_name);
    request.mutable_account()->set_owner("csm-ana");
    request.mutable_account()->set_plan("pro");
    sv1::Account account;
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    const grpc::Status status = accounts_->CreateAccount(&context, request, &account);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account.name();
  }

  // Records a movement in Success's ledger.
  void Record(const std::string& account, Type::Type type, int64_t delta, absl::Time effective) {
    sv1::RecordMrrMovementRequest request;
    request.set_parent(account);
    request.mutable_mrr_movement()->set_type(type);
    request.mutable_mrr_movement()->set_mrr_delta_minor(delta);
    *request.mutable_mrr_movement()->mutable_effective_time() = ToProtoTime(effective);
    sv1::MrrMovement movement;
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"csm"}));
    const grpc::Status status = revenue_->RecordMrrMovement(&context, request, &movement);
    EXPECT_TRUE(status.ok()) << Type::Type_Name(type) << " " << account << ": "
                             << status.error_message();
  }

  mv1::MetricValue Metric(const std::string& kpi) {
    mv1::GetMetricRequest request;
    request.set_metric(absl::StrCat("metricDefinitions/", kpi));
    request.mutable_window()->set_period("2026-03");
    absl::StatusOr<mv1::MetricValue> value =
        harness_.manager().GetMetric(harness_.Caller(kTenant), request, harness_.Deadline());
    EXPECT_OK(value.status()) << kpi;
    return value.ok() ? *value : mv1::MetricValue();
  }

  testing::SuccessServer success_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<sv1::SuccessService::Stub> accounts_;
  std::unique_ptr<sv1::RevenueService::Stub> revenue_;
  testing::MetricsHarness harness_;
};

// One KPI's expected figure.
struct Expected {
  double value;
  double numerator;
  double denominator;
  int64_t sample_size;
};

void ExpectFigure(const mv1::MetricValue& value, const Expected& expected) {
  EXPECT_TRUE(value.defined()) << value.metric() << ": " << value.undefined_reason();
  EXPECT_NEAR(value.value(), expected.value, 1e-9) << value.metric();
  EXPECT_DOUBLE_EQ(value.numerator(), expected.numerator) << value.metric();
  EXPECT_DOUBLE_EQ(value.denominator(), expected.denominator) << value.metric();
  EXPECT_EQ(value.sample_size(), expected.sample_size) << value.metric();
}

// At 1 March A (100), B (200) and C (300) are active; in March A expands
// +50, B contracts -50, C churns, D starts with 400, E starts with 100 and
// churns on 20 March. KPIS.md's figures follow.
TEST_F(MetricsWorkedExampleTest, MarchFiguresMatchKpisMd) {
  const std::string a = CreateAccount("A");
  const std::string b = CreateAccount("B");
  const std::string c = CreateAccount("C");
  const std::string d = CreateAccount("D");
  const std::string e = CreateAccount("E");
  Record(a, Type::NEW, 100, February(2));
  Record(b, Type::NEW, 200, February(9));
  Record(c, Type::NEW, 300, February(16));
  Record(d, Type::NEW, 400, March(2));
  Record(e, Type::NEW, 100, March(4));
  Record(a, Type::EXPANSION, 50, March(5));
  Record(b, Type::CONTRACTION, -50, March(12));
  Record(c, Type::CHURN, 0, March(18));
  Record(e, Type::CHURN, 0, March(20));
  ASSERT_OK(harness_.CatchUp().status());

  const std::map<std::string, Expected> expected = {
      {"logo_churn_rate", {100.0 / 3, 1, 3, 3}},              // C of A, B, C; E excluded
      {"grr", {100.0 * 250 / 600, 250, 600, 3}},              // 41.7 %
      {"nrr", {50.0, 300, 600, 3}},                           // 50.0 %
      {"customer_retention_rate", {100.0 * 2 / 3, 2, 3, 3}},  // A and B
      {"quick_ratio", {550.0 / 450, 550, 450, 6}},            // 1.22 from six movements
  };
  for (const auto& [kpi, figure] : expected) {
    SCOPED_TRACE(kpi);
    ExpectFigure(Metric(kpi), figure);
  }
  EXPECT_NEAR(Metric("logo_churn_rate").value(), 33.3, 0.05);
  EXPECT_NEAR(Metric("grr").value(), 41.7, 0.05);
  EXPECT_NEAR(Metric("nrr").value(), 50.0, 0.05);
  EXPECT_NEAR(Metric("customer_retention_rate").value(), 66.7, 0.05);
  EXPECT_NEAR(Metric("quick_ratio").value(), 1.22, 0.005);

  // The dashboard carries the same figures.
  mv1::GetDashboardRequest request;
  request.mutable_window()->set_period("2026-03");
  ASSERT_OK_AND_ASSIGN(
      mv1::Dashboard dashboard,
      harness_.manager().GetDashboard(harness_.Caller(kTenant), request, harness_.Deadline()));
  int found = 0;
  for (const mv1::MetricValue& value : dashboard.success()) {
    const std::string kpi = ResourceIdOf(value.metric());
    auto it = expected.find(kpi);
    if (it == expected.end()) continue;
    SCOPED_TRACE(absl::StrCat("dashboard ", kpi));
    ExpectFigure(value, it->second);
    ++found;
  }
  EXPECT_EQ(found, static_cast<int>(expected.size()));
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), testing::IsOkAndHolds(""));
}

}  // namespace
}  // namespace tandem
