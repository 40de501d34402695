#include "common/listing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "tandem/support/v1/ticket.pb.h"
#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::set<std::string> kFields = {"status", "account", "requester_email"};

// Conditions joined by AND parse into terms; quoted values keep spaces.
TEST(ParseFilterTest, ParsesConjunctionOfTerms) {
  ASSERT_OK_AND_ASSIGN(auto terms,
                       ParseFilter(R"(status = OPEN AND account != "accounts/A B" AND )"
                                   R"(requester_email=a@b.c)",
                                   kFields));
  EXPECT_THAT(terms, ElementsAre(FilterTerm{"status", FilterOp::kEq, "OPEN"},
                                 FilterTerm{"account", FilterOp::kNe, "accounts/A B"},
                                 FilterTerm{"requester_email", FilterOp::kEq, "a@b.c"}));
  ASSERT_OK_AND_ASSIGN(auto none, ParseFilter("   ", kFields));
  EXPECT_TRUE(none.empty());
}

// Unknown fields and broken syntax are INVALID_ARGUMENT on `filter`.
TEST(ParseFilterTest, RejectsUnknownFieldsAndBrokenSyntax) {
  for (const char* filter : {"colour = red", "status OPEN", "status = ", "status = OPEN OR x = y",
                             "status ~ OPEN",
                             "status = \"OPEN", "status = OPEN AND"}) {
    absl::StatusOr<std::vector<FilterTerm>> terms = ParseFilter(filter, kFields);
    EXPECT_THAT(terms, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
    ASSERT_FALSE(FieldViolationsOf(terms.status()).empty());
    EXPECT_EQ(FieldViolationsOf(terms.status())[0].field, "filter");
  }
}

// Ordering operators parse; times must be RFC 3339; only = and != pass
// RequireEquality.
TEST(ParseFilterTest, ParsesOrderingOperatorsAndTimes) {
  ASSERT_OK_AND_ASSIGN(auto terms, ParseFilter(R"(status <= "2026-11-01T00:00:00Z" AND )"
                                               R"(status > 1 AND status >= 2 AND status < 3)",
                                               kFields));
  EXPECT_THAT(terms, ElementsAre(FilterTerm{"status", FilterOp::kLe, "2026-11-01T00:00:00Z"},
                                 FilterTerm{"status", FilterOp::kGt, "1"},
                                 FilterTerm{"status", FilterOp::kGe, "2"},
                                 FilterTerm{"status", FilterOp::kLt, "3"}));
  ASSERT_OK_AND_ASSIGN(std::string when, TimeFilterValue(terms[0]));
  EXPECT_EQ(when, "2026-11-01 00:00:00.000000");
  EXPECT_THAT(TimeFilterValue(terms[1]), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RequireEquality(terms[1]), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(RequireEquality({"status", FilterOp::kNe, "x"}));
}

// Enum names become their numbers; unknown names list the valid ones.
TEST(EnumFilterValueTest, MapsNamesToNumbers) {
  const auto& statuses = *support::v1::Ticket::Status_descriptor();
  ASSERT_OK_AND_ASSIGN(std::string open, EnumFilterValue({"status", FilterOp::kEq, "OPEN"}, statuses));
  EXPECT_EQ(open, "2");
  absl::StatusOr<std::string> bad = EnumFilterValue({"status", FilterOp::kEq, "DONE"}, statuses);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("NEW, OPEN"));
  EXPECT_THAT(EnumFilterValue({"status", FilterOp::kEq, "STATUS_UNSPECIFIED"}, statuses),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A page token resumes the same query, and nothing else.
TEST(PlanListTest, PageTokenResumesOnlyTheSameQuery) {
  PageTokenCodec codec("key-for-tests");
  ListParams params{.page_size = 10, .filter = "status = OPEN"};
  ASSERT_OK_AND_ASSIGN(ListPlan first, PlanList(codec, "acme", params, kFields));
  EXPECT_FALSE(first.after.has_value());
  const absl::Time t = absl::FromUnixMicros(1'700'000'000'123'456);
  params.page_token = NextPageToken(codec, first, {t, "01JABCDEFGHJKMNPQRSTVWXYZ0"});
  ASSERT_OK_AND_ASSIGN(ListPlan second, PlanList(codec, "acme", params, kFields));
  ASSERT_TRUE(second.after.has_value());
  EXPECT_EQ(second.after->create_time, t);
  EXPECT_EQ(second.after->id, "01JABCDEFGHJKMNPQRSTVWXYZ0");

  ListParams other_filter = params;
  other_filter.filter = "status = NEW";
  EXPECT_THAT(PlanList(codec, "acme", other_filter, kFields),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PlanList(codec, "other-tenant", params, kFields),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PlanList(PageTokenCodec("another-key"), "acme", params, kFields),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// An edited token is refused.
TEST(PlanListTest, TamperedTokenIsRefused) {
  PageTokenCodec codec("key-for-tests");
  ASSERT_OK_AND_ASSIGN(ListPlan plan, PlanList(codec, "acme", {}, kFields));
  std::string token = NextPageToken(codec, plan, {absl::UnixEpoch(), "01JABCDEFGHJKMNPQRSTVWXYZ0"});
  token[3] = token[3] == 'A' ? 'B' : 'A';
  absl::StatusOr<ListPlan> tampered = PlanList(codec, "acme", {.page_token = token}, kFields);
  EXPECT_THAT(tampered, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(tampered.status())[0].field, "page_token");
  EXPECT_THAT(PlanList(codec, "acme", {.page_token = "%%%"}, kFields),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Sizes: negative refused, 0 defaults, large capped; order_by validated.
TEST(PlanListTest, ValidatesPageSizeAndOrder) {
  PageTokenCodec codec("k");
  EXPECT_THAT(PlanList(codec, "t", {.page_size = -1}, kFields),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(ListPlan defaulted, PlanList(codec, "t", {}, kFields, 50, 500));
  EXPECT_EQ(defaulted.page_size, 50);
  EXPECT_TRUE(defaulted.newest_first);
  ASSERT_OK_AND_ASSIGN(ListPlan capped, PlanList(codec, "t", {.page_size = 9999}, kFields, 50, 500));
  EXPECT_EQ(capped.page_size, 500);
  ASSERT_OK_AND_ASSIGN(ListPlan oldest, PlanList(codec, "t", {.order_by = "create_time"}, kFields));
  EXPECT_FALSE(oldest.newest_first);
  EXPECT_THAT(PlanList(codec, "t", {.order_by = "subject"}, kFields),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tandem
