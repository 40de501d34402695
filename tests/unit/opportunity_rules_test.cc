// Opportunities: field checks, defaults, and the closing rules (WON writes
// the ledger, WON and LOST are final).
#include "services/success/opportunity_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

v1::Opportunity Open() {
  v1::Opportunity opportunity;
  opportunity.set_name(
      "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0/opportunities/01JABCDEFGHJKMNPQRSTVWXYZ1");
  opportunity.set_display_name("More seats");
  opportunity.set_kind(v1::Opportunity::UPSELL);
  opportunity.set_stage(v1::Opportunity::PROPOSAL);
  opportunity.set_mrr_delta_minor(5'000);
  opportunity.set_etag("e1");
  return opportunity;
}

std::vector<std::string> CreateViolations(const v1::Opportunity& opportunity) {
  FieldViolations violations;
  CheckOpportunityFields(opportunity, {}, /*creating=*/true, kNow, violations);
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(violations.ToStatus()))
    fields.push_back(v.field);
  return fields;
}

// A valid opportunity passes; a new one starts PROSPECTING, trimmed.
TEST(OpportunityRulesTest, NewOpportunityDefaultsToProspecting) {
  v1::Opportunity requested = Open();
  requested.set_stage(v1::Opportunity::STAGE_UNSPECIFIED);
  requested.set_display_name("  More seats ");
  requested.set_mrr_movement("accounts/x/mrrMovements/y");  // output only
  EXPECT_THAT(CreateViolations(requested), IsEmpty());
  const v1::Opportunity created = NewOpportunity(requested, "accounts/a/opportunities/o", kNow);
  EXPECT_EQ(created.stage(), v1::Opportunity::PROSPECTING);
  EXPECT_EQ(created.display_name(), "More seats");
  EXPECT_TRUE(created.mrr_movement().empty());
  EXPECT_EQ(FromProtoTime(created.create_time()), kNow);
}

// Bad fields are each named; creating it already WON is refused.
TEST(OpportunityRulesTest, CreateChecksEveryField) {
  v1::Opportunity bad;
  bad.set_stage(v1::Opportunity::WON);
  bad.set_owner(std::string(129, 'o'));
  EXPECT_THAT(
      CreateViolations(bad),
      UnorderedElementsAre("opportunity.display_name", "opportunity.kind", "opportunity.stage",
                           "opportunity.mrr_delta_minor", "opportunity.owner"));
}

// Moving to WON closes now, marks the win and changes the etag.
TEST(OpportunityRulesTest, WinClosesNowAndRecordsMovement) {
  v1::Opportunity requested;
  requested.set_stage(v1::Opportunity::WON);
  ASSERT_OK_AND_ASSIGN(OpportunityUpdate update,
                       DecideOpportunityUpdate(Open(), requested, {"stage"}, kNow, "e2"));
  EXPECT_TRUE(update.won);
  EXPECT_EQ(FromProtoTime(update.opportunity.close_time()), kNow);
  EXPECT_EQ(update.opportunity.etag(), "e2");
  EXPECT_THAT(update.changed_fields, Contains("stage"));
}

// A win may carry a past close time (history), which the movement takes.
TEST(OpportunityRulesTest, WinTakesGivenCloseTime) {
  v1::Opportunity requested;
  requested.set_stage(v1::Opportunity::WON);
  *requested.mutable_close_time() = ToProtoTime(kNow - absl::Hours(24 * 30));
  ASSERT_OK_AND_ASSIGN(
      OpportunityUpdate update,
      DecideOpportunityUpdate(Open(), requested, {"stage", "close_time"}, kNow, "e2"));
  EXPECT_EQ(FromProtoTime(update.opportunity.close_time()), kNow - absl::Hours(24 * 30));
}

// LOST closes without a movement.
TEST(OpportunityRulesTest, LossClosesWithoutMovement) {
  v1::Opportunity requested;
  requested.set_stage(v1::Opportunity::LOST);
  ASSERT_OK_AND_ASSIGN(OpportunityUpdate update,
                       DecideOpportunityUpdate(Open(), requested, {"stage"}, kNow, "e2"));
  EXPECT_FALSE(update.won);
  EXPECT_TRUE(update.opportunity.has_close_time());
}

// WON and LOST are final: any later update is FAILED_PRECONDITION.
TEST(OpportunityRulesTest, ClosedOpportunityIsFinal) {
  v1::Opportunity won = Open();
  won.set_stage(v1::Opportunity::WON);
  v1::Opportunity requested;
  requested.set_display_name("Renamed");
  EXPECT_THAT(DecideOpportunityUpdate(won, requested, {"display_name"}, kNow, "e2"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  won.set_stage(v1::Opportunity::LOST);
  EXPECT_THAT(DecideOpportunityUpdate(won, requested, {"display_name"}, kNow, "e2"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A close time without closing is refused on that field.
TEST(OpportunityRulesTest, CloseTimeOnlyWhenClosing) {
  v1::Opportunity requested;
  *requested.mutable_close_time() = ToProtoTime(kNow);
  EXPECT_THAT(DecideOpportunityUpdate(Open(), requested, {"close_time"}, kNow, "e2"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// An update that changes nothing writes nothing and keeps the etag.
TEST(OpportunityRulesTest, NoChangeKeepsEtag) {
  ASSERT_OK_AND_ASSIGN(
      OpportunityUpdate update,
      DecideOpportunityUpdate(Open(), Open(), {"display_name", "kind"}, kNow, "e2"));
  EXPECT_THAT(update.changed_fields, IsEmpty());
  EXPECT_EQ(update.opportunity.etag(), "e1");
}

}  // namespace
}  // namespace tandem::success
