#include "common/resources.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;

// The id of a name this system made is its last segment, nested or not.
TEST(ResourceNameTest, IdOfANameIsItsLastSegment) {
  EXPECT_EQ(ResourceIdOf("parents/p1/children/c7"), "c7");
  EXPECT_EQ(ResourceIdOf("tickets/t1"), "t1");
  EXPECT_EQ(ResourceIdOf("t1"), "t1");
  EXPECT_EQ(ResourceIdOf("tickets/"), "");
  EXPECT_EQ(ResourceIdOf(""), "");
}

// A well-formed name yields its id; anything else names the field.
TEST(ResourceNameTest, ParsesOnlyItsOwnCollection) {
  const std::string id = NewId();
  ASSERT_OK_AND_ASSIGN(std::string parsed, ParseResourceName("name", "tickets", "tickets/" + id));
  EXPECT_EQ(parsed, id);
  EXPECT_EQ(ResourceName("tickets", id), "tickets/" + id);
  const std::vector<std::string> bad_names = {"", "accounts/" + id, "tickets/", "tickets/x",
                                              "tickets/" + id + "/extra", id};
  for (const std::string& bad : bad_names) {
    absl::StatusOr<std::string> result = ParseResourceName("name", "tickets", bad);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_EQ(FieldViolationsOf(result.status())[0].field, "name");
  }
}

// Etags change with the version; a stale etag is ABORTED, none is fine.
TEST(EtagTest, StaleEtagIsAborted) {
  const std::string v1 = EtagFor("01JABCDEFGHJKMNPQRSTVWXYZ0", 1);
  const std::string v2 = EtagFor("01JABCDEFGHJKMNPQRSTVWXYZ0", 2);
  EXPECT_NE(v1, v2);
  EXPECT_NE(v1, EtagFor("01JABCDEFGHJKMNPQRSTVWXYZ1", 1));
  EXPECT_OK(CheckEtag("", v2));
  EXPECT_OK(CheckEtag(v2, v2));
  EXPECT_THAT(CheckEtag(v1, v2), StatusIs(absl::StatusCode::kAborted));
}


// An update mask must name something, and only fields that may change;
// the message lists those.
TEST(CheckUpdateMaskTest, NamesEveryPathThatCannotBeUpdated) {
  const std::set<std::string> updatable = {"subject", "status"};
  google::protobuf::FieldMask mask;
  FieldViolations empty;
  EXPECT_TRUE(CheckUpdateMask(mask, updatable, empty).empty());
  EXPECT_THAT(empty.ToStatus(), StatusIs(absl::StatusCode::kInvalidArgument));
  mask.add_paths("status");
  mask.add_paths("create_time");
  FieldViolations violations;
  const std::set<std::string> paths = CheckUpdateMask(mask, updatable, violations);
  EXPECT_EQ(paths, (std::set<std::string>{"create_time", "status"}));
  const absl::Status status = violations.ToStatus();
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "update_mask");
  EXPECT_NE(status.message().find("\"create_time\" cannot be updated; updatable fields: "
                                  "status, subject"),
            absl::string_view::npos)
      << status.message();
  mask.clear_paths();
  mask.add_paths("subject");
  FieldViolations fine;
  CheckUpdateMask(mask, updatable, fine);
  EXPECT_TRUE(fine.empty());
}

}  // namespace
}  // namespace tandem
