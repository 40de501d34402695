#include "services/success/contact_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::IsOkAndHolds;
using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);
constexpr char kAccount[] = "01JABCDEFGHJKMNPQRSTVWXYZ0";
constexpr char kContact[] = "01JABCDEFGHJKMNPQRSTVWXYZ1";

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

// Contact names nest under their account; `-` stands for any account
// only where allowed.
TEST(ParseContactNameTest, AcceptsNestedNamesAndWildcardWhereAllowed) {
  const std::string name = absl::StrCat("accounts/", kAccount, "/contacts/", kContact);
  EXPECT_THAT(ParseContactName("name", name, false),
              IsOkAndHolds(std::make_pair(std::string(kAccount), std::string(kContact))));
  const std::string any = absl::StrCat("accounts/-/contacts/", kContact);
  EXPECT_THAT(ParseContactName("name", any, true),
              IsOkAndHolds(std::make_pair(std::string("-"), std::string(kContact))));
  EXPECT_THAT(ParseContactName("name", any, false), StatusIs(absl::StatusCode::kInvalidArgument));
  for (const std::string& bad :
       {std::string(""), absl::StrCat("contacts/", kContact),
        absl::StrCat("accounts/", kAccount, "/people/", kContact),
        absl::StrCat("accounts/x/contacts/", kContact), absl::StrCat(name, "/extra")}) {
    EXPECT_THAT(ViolatedFields(ParseContactName("name", bad, true).status()), ElementsAre("name"))
        << bad;
  }
  EXPECT_THAT(ParseContactParent("parent", "accounts/-", true), IsOkAndHolds(std::string("-")));
  EXPECT_THAT(ParseContactParent("parent", "accounts/-", false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Every bad field of a create is reported at once.
TEST(ValidateCreateContactTest, ReportsEveryField) {
  v1::CreateContactRequest request;
  request.set_parent("accounts/nope");
  request.mutable_contact()->set_display_name("  ");
  request.mutable_contact()->set_email("not-an-address");
  request.mutable_contact()->set_title(std::string(201, 't'));
  request.mutable_contact()->add_roles(v1::Contact::CHAMPION);
  request.mutable_contact()->add_roles(v1::Contact::ROLE_UNSPECIFIED);
  request.mutable_contact()->add_roles(static_cast<v1::Contact::Role>(42));
  EXPECT_THAT(ViolatedFields(ValidateCreateContact(request)),
              UnorderedElementsAre("parent", "contact.display_name", "contact.email",
                                   "contact.title", "contact.roles[1]", "contact.roles[2]"));
  request.set_parent(absl::StrCat("accounts/", kAccount));
  request.mutable_contact()->set_display_name("Ada");
  request.mutable_contact()->set_email("ada@example.com");
  request.mutable_contact()->clear_title();
  request.mutable_contact()->clear_roles();
  EXPECT_OK(ValidateCreateContact(request));
}

// Roles are kept in enum order, once each.
TEST(NormalizeRolesTest, SortsAndDropsDuplicates) {
  v1::Contact contact;
  contact.add_roles(v1::Contact::USER);
  contact.add_roles(v1::Contact::CHAMPION);
  contact.add_roles(v1::Contact::USER);
  NormalizeRoles(contact);
  EXPECT_THAT(contact.roles(), ElementsAre(v1::Contact::CHAMPION, v1::Contact::USER));
}

// An update names the fields it changed and takes the next etag; a stale
// etag is ABORTED.
TEST(DecideContactUpdateTest, NamesChangedFieldsAndChecksEtag) {
  v1::Contact current;
  current.set_name(absl::StrCat("accounts/", kAccount, "/contacts/", kContact));
  current.set_display_name("Ada");
  current.set_email("ada@example.com");
  current.set_etag("etag-1");
  v1::Contact requested = current;
  requested.set_title(" CTO ");
  requested.add_roles(v1::Contact::EXECUTIVE_SPONSOR);
  requested.add_roles(v1::Contact::DECISION_MAKER);
  requested.set_display_name("Someone else");  // not in the mask
  ASSERT_OK_AND_ASSIGN(ContactUpdate update,
                       DecideContactUpdate(current, requested, {"title", "roles"}, kNow, "e2"));
  EXPECT_THAT(update.changed_fields, UnorderedElementsAre("title", "roles"));
  EXPECT_EQ(update.contact.title(), "CTO");
  EXPECT_EQ(update.contact.display_name(), "Ada");
  EXPECT_THAT(update.contact.roles(),
              ElementsAre(v1::Contact::DECISION_MAKER, v1::Contact::EXECUTIVE_SPONSOR));
  EXPECT_EQ(update.contact.etag(), "e2");
  requested.set_etag("etag-0");
  EXPECT_THAT(DecideContactUpdate(current, requested, {"title"}, kNow, "e2"),
              StatusIs(absl::StatusCode::kAborted));
}

}  // namespace
}  // namespace tandem::success
