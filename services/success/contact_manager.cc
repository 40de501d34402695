#include "services/success/contact_manager.h"

#include <algorithm>
#include <functional>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxName = 200;
constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxTitle = 200;
constexpr int kMaxRoles = 10;

const std::set<std::string>& UpdatableContactFields() {
  static const auto* const kFields =
      new std::set<std::string>{"display_name", "email", "title", "roles"};
  return *kFields;
}

bool ValidEmail(absl::string_view email) {
  const size_t at = email.find('@');
  return email.size() <= kMaxEmail && at != absl::string_view::npos && at > 0 &&
         at + 1 < email.size() && email.find('@', at + 1) == absl::string_view::npos &&
         std::none_of(email.begin(), email.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return absl::ascii_isspace(u) || absl::ascii_iscntrl(u);
         });
}

// Checks the fields of `contact` that `checked` names, as "contact.<field>".
void CheckContactFields(const v1::Contact& contact,
                        const std::function<bool(absl::string_view)>& checked,
                        FieldViolations& violations) {
  if (checked("display_name")) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(contact.display_name());
    if (trimmed.empty()) {
      violations.Add("contact.display_name", "is required");
    } else if (trimmed.size() > kMaxName) {
      violations.Add("contact.display_name", absl::StrCat("must be at most ", kMaxName, " bytes"));
    }
  }
  if (checked("email")) {
    const absl::string_view email = absl::StripAsciiWhitespace(contact.email());
    if (email.empty()) {
      violations.Add("contact.email", "is required");
    } else if (!ValidEmail(email)) {
      violations.Add("contact.email", "must be an e-mail address of at most 254 characters");
    }
  }
  if (checked("title") && contact.title().size() > kMaxTitle) {
    violations.Add("contact.title", absl::StrCat("must be at most ", kMaxTitle, " bytes"));
  }
  if (checked("roles")) {
    if (contact.roles_size() > kMaxRoles) {
      violations.Add("contact.roles", absl::StrCat("must have at most ", kMaxRoles, " entries"));
    }
    for (int i = 0; i < contact.roles_size(); ++i) {
      const int role = contact.roles(i);
      if (role == v1::Contact::ROLE_UNSPECIFIED || !v1::Contact::Role_IsValid(role)) {
        violations.Add(absl::StrCat("contact.roles[", i, "]"),
                       "must be CHAMPION, DECISION_MAKER, EXECUTIVE_SPONSOR or USER");
      }
    }
  }
}

// Copies `field` of `from` into `to`, normalized as it is stored.
void CopyContactField(const v1::Contact& from, absl::string_view field, v1::Contact& to) {
  if (field == "display_name") {
    to.set_display_name(std::string(absl::StripAsciiWhitespace(from.display_name())));
  }
  if (field == "email") to.set_email(std::string(absl::StripAsciiWhitespace(from.email())));
  if (field == "title") to.set_title(std::string(absl::StripAsciiWhitespace(from.title())));
  if (field == "roles") {
    *to.mutable_roles() = from.roles();
    NormalizeRoles(to);
  }
}

bool SameField(const v1::Contact& a, const v1::Contact& b, const std::string& field) {
  const std::vector<const google::protobuf::FieldDescriptor*> fields = {
      v1::Contact::descriptor()->FindFieldByName(field)};
  google::protobuf::util::MessageDifferencer differencer;
  return differencer.CompareWithFields(a, b, fields, fields);
}

absl::StatusOr<std::vector<ContactCondition>> ContactConditions(
    const std::vector<FilterTerm>& terms) {
  std::vector<ContactCondition> conditions;
  for (const FilterTerm& term : terms) {
    RETURN_IF_ERROR(RequireEquality(term));
    ContactCondition condition{.field = ContactField::kEmail, .op = term.op, .value = term.value};
    if (term.field == "role") {
      condition.field = ContactField::kRole;
      // Validates the name; the store matches it as text.
      RETURN_IF_ERROR(EnumFilterValue(term, *v1::Contact::Role_descriptor()).status());
    }
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

}  // namespace

absl::StatusOr<std::string> ParseContactParent(absl::string_view field, absl::string_view parent,
                                               bool allow_any) {
  if (allow_any && parent == "accounts/-") return std::string(kAnyAccount);
  auto id = ParseResourceName(field, "accounts", parent);
  if (!id.ok() && !parent.empty()) {
    return InvalidField(std::string(field), allow_any ? "must look like accounts/{id} or accounts/-"
                                                      : "must look like accounts/{id}");
  }
  return id;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseContactName(absl::string_view field,
                                                                     absl::string_view name,
                                                                     bool allow_any) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (name.empty()) return InvalidField(std::string(field), "is required");
  const bool any = allow_any && parts.size() == 4 && parts[1] == kAnyAccount;
  if (parts.size() != 4 || parts[0] != "accounts" || parts[2] != "contacts" ||
      !(any || IsValidId(parts[1])) || !IsValidId(parts[3])) {
    return InvalidField(std::string(field), "must look like accounts/{id}/contacts/{id}");
  }
  return std::make_pair(parts[1], parts[3]);
}

absl::Status ValidateCreateContact(const v1::CreateContactRequest& request) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto parent = ParseContactParent("parent", request.parent(), /*allow_any=*/false);
  if (!parent.ok()) violations.Add("parent", std::string(parent.status().message()));
  if (!request.has_contact()) {
    violations.Add("contact", "is required");
    return violations.ToStatus();
  }
  CheckContactFields(
      request.contact(), [](absl::string_view) { return true; }, violations);
  return violations.ToStatus();
}

void NormalizeRoles(v1::Contact& contact) {
  std::set<int> unique(contact.roles().begin(), contact.roles().end());
  contact.clear_roles();
  for (int role : unique) contact.add_roles(static_cast<v1::Contact::Role>(role));
}

absl::StatusOr<ContactUpdate> DecideContactUpdate(const v1::Contact& current,
                                                  const v1::Contact& requested,
                                                  const std::set<std::string>& paths,
                                                  absl::Time now, const std::string& next_etag) {
  RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
  ContactUpdate update{.contact = current, .changed_fields = {}};
  for (const std::string& path : paths) CopyContactField(requested, path, update.contact);
  for (const std::string& field : UpdatableContactFields()) {
    if (!SameField(current, update.contact, field)) update.changed_fields.push_back(field);
  }
  if (!update.changed_fields.empty()) {
    *update.contact.mutable_update_time() = ToProtoTime(now);
    update.contact.set_etag(next_etag);
  }
  return update;
}

absl::StatusOr<v1::Contact> ContactManager::CreateContact(const Principal& caller,
                                                          const v1::CreateContactRequest& request,
                                                          absl::Time deadline) {
  RETURN_IF_ERROR(ValidateCreateContact(request));
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseContactParent("parent", request.parent(), /*allow_any=*/false));
  const absl::Time now = clock_->Now();
  v1::Contact contact;
  contact.set_name(absl::StrCat("accounts/", account_id, "/contacts/", NewIdAt(now)));
  for (const std::string& field : UpdatableContactFields()) {
    CopyContactField(request.contact(), field, contact);
  }
  *contact.mutable_create_time() = ToProtoTime(now);
  *contact.mutable_update_time() = ToProtoTime(now);
  return store_->Create(caller.tenant, account_id, contact, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Contact> ContactManager::GetContact(const Principal& caller,
                                                       const v1::GetContactRequest& request,
                                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(auto ids, ParseContactName("name", request.name(), /*allow_any=*/true));
  return store_->Get(caller.tenant, ids.first, ids.second, deadline);
}

absl::StatusOr<v1::ListContactsResponse> ContactManager::ListContacts(
    const Principal& caller, const v1::ListContactsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseContactParent("parent", request.parent(), /*allow_any=*/true));
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
                                           {"role", "email"}));
  ASSIGN_OR_RETURN(std::vector<ContactCondition> conditions, ContactConditions(plan.terms));
  ASSIGN_OR_RETURN(ContactPage page,
                   store_->List(caller.tenant, account_id, conditions, plan, deadline));
  if (FitToByteBudget(page.contacts)) page.has_more = true;
  v1::ListContactsResponse response;
  for (v1::Contact& contact : page.contacts) *response.add_contacts() = std::move(contact);
  if (page.has_more && response.contacts_size() > 0) {
    const v1::Contact& last = response.contacts(response.contacts_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Contact> ContactManager::UpdateContact(const Principal& caller,
                                                          const v1::UpdateContactRequest& request,
                                                          absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_contact()) violations.Add("contact", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableContactFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto ids = ParseContactName("contact.name", request.contact().name(), /*allow_any=*/false);
  if (!ids.ok()) violations.Add("contact.name", "must look like accounts/{id}/contacts/{id}");
  CheckContactFields(
      request.contact(),
      [&](absl::string_view field) { return paths.contains(std::string(field)); }, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->Update(
      caller.tenant, ids->first, ids->second,
      [&](const v1::Contact& current, const std::string& next_etag) {
        return DecideContactUpdate(current, request.contact(), paths, now, next_etag);
      },
      deadline);
}

absl::Status ContactManager::DeleteContact(const Principal& caller,
                                           const v1::DeleteContactRequest& request,
                                           absl::Time deadline) {
  ASSIGN_OR_RETURN(auto ids, ParseContactName("name", request.name(), /*allow_any=*/false));
  return store_->Delete(caller.tenant, ids.first, ids.second, request.etag(), clock_->Now(),
                        deadline);
}

}  // namespace tandem::success
