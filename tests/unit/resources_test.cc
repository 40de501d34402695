#include "common/resources.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;

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

}  // namespace
}  // namespace tandem
