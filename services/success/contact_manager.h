// The rules of contacts (the people of an account), apart from transport
// and storage: validation, role normalization, names and List filters.
#ifndef TANDEM_SERVICES_SUCCESS_CONTACT_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_CONTACT_MANAGER_H_

#include <set>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/contact_store.h"
#include "tandem/success/v1/success_service.pb.h"

namespace tandem::success {

// Creates, reads, changes and deletes contacts for one caller at a time.
class ContactManager {
 public:
  ContactManager(ContactStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates a contact; see SuccessService.CreateContact.
  absl::StatusOr<v1::Contact> CreateContact(const Principal& caller,
                                            const v1::CreateContactRequest& request,
                                            absl::Time deadline);

  // Returns a contact of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Contact> GetContact(const Principal& caller,
                                         const v1::GetContactRequest& request, absl::Time deadline);

  // Lists the contacts of an account, or of every account.
  absl::StatusOr<v1::ListContactsResponse> ListContacts(const Principal& caller,
                                                        const v1::ListContactsRequest& request,
                                                        absl::Time deadline);

  // Changes the fields named in the request's mask; see
  // SuccessService.UpdateContact.
  absl::StatusOr<v1::Contact> UpdateContact(const Principal& caller,
                                            const v1::UpdateContactRequest& request,
                                            absl::Time deadline);

  // Deletes a contact.
  absl::Status DeleteContact(const Principal& caller, const v1::DeleteContactRequest& request,
                             absl::Time deadline);

 private:
  ContactStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// Returns the account id of `parent` (`accounts/{account}`, or
// `accounts/-` when `allow_any`), or INVALID_ARGUMENT on `field`.
absl::StatusOr<std::string> ParseContactParent(absl::string_view field, absl::string_view parent,
                                               bool allow_any);

// Returns {account id, contact id} of `name`
// (`accounts/{account}/contacts/{contact}`, the account `-` when
// `allow_any`), or INVALID_ARGUMENT on `field`.
absl::StatusOr<std::pair<std::string, std::string>> ParseContactName(absl::string_view field,
                                                                     absl::string_view name,
                                                                     bool allow_any);

// Checks a create request; every violation at once.
absl::Status ValidateCreateContact(const v1::CreateContactRequest& request);

// Sorts roles into enum order and drops duplicates, as they are stored.
void NormalizeRoles(v1::Contact& contact);

// Decides an update of `current` to the values of `requested` in `paths`
// (already validated): ABORTED for a stale etag; the result names the
// changed fields.
absl::StatusOr<ContactUpdate> DecideContactUpdate(const v1::Contact& current,
                                                  const v1::Contact& requested,
                                                  const std::set<std::string>& paths,
                                                  absl::Time now, const std::string& next_etag);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_CONTACT_MANAGER_H_
