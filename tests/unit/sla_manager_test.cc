// SlaManager over a mock store: requests are validated before the store is
// touched, and updates merge only the masked fields under the etag.
#include "services/support/sla_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ids.h"
#include "common/resources.h"
#include "tests/testing/mocks.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::MockSlaStore;
using ::tandem::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;

class SlaManagerTest : public ::testing::Test {
 protected:
  Principal admin_{.tenant = "acme", .subject = "alice", .roles = {"admin"}};
  MockSlaStore store_;
  PageTokenCodec codec_{"key"};
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  SlaManager manager_{&store_, &codec_, &clock_};
};

// A bad policy never reaches the store, and every violation is reported.
TEST_F(SlaManagerTest, InvalidPolicyIsRefusedBeforeTheStore) {
  EXPECT_CALL(store_, CreatePolicy).Times(0);
  v1::CreateSlaPolicyRequest request;
  request.mutable_sla_policy()->set_position(-2);
  request.mutable_sla_policy()->add_priorities(v1::Ticket::PRIORITY_UNSPECIFIED);
  request.mutable_sla_policy()->mutable_first_response_target()->set_seconds(0);
  const absl::Status status =
      manager_.CreateSlaPolicy(admin_, request, absl::InfiniteFuture()).status();
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("sla_policy.display_name", "sla_policy.position",
                                  "sla_policy.priorities[0]", "sla_policy.first_response_target"));
}

// A created policy gets a name, times, and its conditions sorted without
// duplicates.
TEST_F(SlaManagerTest, CreatedPolicyIsNamedAndNormalized) {
  v1::SlaPolicy stored;
  EXPECT_CALL(store_, CreatePolicy("acme", _, _, _))
      .WillOnce([&](const std::string&, const v1::SlaPolicy& policy, const CreateKey&, absl::Time) {
        stored = policy;
        return policy;
      });
  v1::CreateSlaPolicyRequest request;
  request.mutable_sla_policy()->set_display_name(" VIP ");
  request.mutable_sla_policy()->add_types(v1::Ticket::INCIDENT);
  request.mutable_sla_policy()->add_types(v1::Ticket::QUESTION);
  request.mutable_sla_policy()->add_types(v1::Ticket::INCIDENT);
  ASSERT_OK(manager_.CreateSlaPolicy(admin_, request, absl::InfiniteFuture()));
  EXPECT_TRUE(ParseResourceName("name", "slaPolicies", stored.name()).ok());
  EXPECT_EQ(stored.display_name(), "VIP");
  EXPECT_THAT(stored.types(), ElementsAre(v1::Ticket::QUESTION, v1::Ticket::INCIDENT));
  EXPECT_EQ(stored.create_time().seconds(), 1'790'000'000);
}

// An update applies only the masked fields and refuses a stale etag.
TEST_F(SlaManagerTest, UpdateMergesMaskedFieldsUnderEtag) {
  v1::SlaPolicy current;
  current.set_name(ResourceName("slaPolicies", NewId()));
  current.set_display_name("VIP");
  current.set_position(1);
  current.mutable_resolution_target()->set_seconds(3600);
  current.set_etag("etag-1");
  absl::StatusOr<v1::SlaPolicy> decided;
  EXPECT_CALL(store_, UpdatePolicy("acme", _, _, _))
      .Times(2)
      .WillRepeatedly([&](const std::string&, const std::string&,
                          const PolicyUpdateDecision& decide, absl::Time) {
        decided = decide(current);
        return decided;
      });
  v1::UpdateSlaPolicyRequest request;
  *request.mutable_sla_policy() = current;
  request.mutable_sla_policy()->set_display_name("ignored");
  request.mutable_sla_policy()->set_position(4);
  request.mutable_sla_policy()->clear_resolution_target();
  request.mutable_update_mask()->add_paths("position");
  request.mutable_update_mask()->add_paths("resolution_target");
  ASSERT_OK(manager_.UpdateSlaPolicy(admin_, request, absl::InfiniteFuture()));
  EXPECT_EQ(decided->display_name(), "VIP");
  EXPECT_EQ(decided->position(), 4);
  EXPECT_FALSE(decided->has_resolution_target());
  request.mutable_sla_policy()->set_etag("etag-0");
  EXPECT_THAT(manager_.UpdateSlaPolicy(admin_, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kAborted));
}

}  // namespace
}  // namespace tandem::support
