// Storage of the contacts of accounts, behind an interface so
// ContactManager can be tested without a database.
#ifndef TANDEM_SERVICES_SUCCESS_CONTACT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_CONTACT_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/contact.pb.h"

namespace tandem::success {

// The account id that stands for "any account" in a contact name.
inline constexpr absl::string_view kAnyAccount = "-";

// A contact field a List may filter on.
enum class ContactField { kRole, kEmail };

// One typed contact filter condition (`=` or `!=`): a role as its enum name
// (the contact has it / lacks it), an e-mail address as given.
struct ContactCondition {
  ContactField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A page of contacts and whether another follows.
struct ContactPage {
  std::vector<v1::Contact> contacts;
  bool has_more = false;
};

// What a contact update decided: the contact after it and the fields whose
// values changed (nothing is written when empty).
struct ContactUpdate {
  v1::Contact contact;
  std::vector<std::string> changed_fields;
};

// Decides a contact update given the current contact (locked) and the
// etag it will have once stored. Must not block or call out.
using ContactUpdateDecision = std::function<absl::StatusOr<ContactUpdate>(
    const v1::Contact& current, const std::string& next_etag)>;

// Reads and writes contacts of one tenant at a time. `account_id` may be
// kAnyAccount where a method says so.
class ContactStore {
 public:
  virtual ~ContactStore() = default;

  // Stores a complete new contact (name, times set) of `account_id` with
  // its ContactCreated event. NOT_FOUND if the account does not exist;
  // ALREADY_EXISTS if another contact of the account has the e-mail
  // address. With a request id already used by an identical request,
  // stores nothing and returns that contact.
  virtual absl::StatusOr<v1::Contact> Create(const std::string& tenant,
                                             const std::string& account_id,
                                             const v1::Contact& contact, const CreateKey& key,
                                             absl::Time deadline) = 0;

  // Returns the contact, or NOT_FOUND (also when it belongs to another
  // account than `account_id`, which may be kAnyAccount).
  virtual absl::StatusOr<v1::Contact> Get(const std::string& tenant, const std::string& account_id,
                                          const std::string& id, absl::Time deadline) = 0;

  // Returns one page of the account's (or, with kAnyAccount, the tenant's)
  // contacts matching every condition. NOT_FOUND if the account does not
  // exist.
  virtual absl::StatusOr<ContactPage> List(const std::string& tenant, const std::string& account_id,
                                           const std::vector<ContactCondition>& conditions,
                                           const ListPlan& plan, absl::Time deadline) = 0;

  // Locks the contact, runs `decide` and stores the outcome with its
  // ContactUpdated event. NOT_FOUND if it does not exist; ALREADY_EXISTS for
  // a taken e-mail address; `decide`'s error otherwise, with nothing
  // written.
  virtual absl::StatusOr<v1::Contact> Update(const std::string& tenant,
                                             const std::string& account_id, const std::string& id,
                                             const ContactUpdateDecision& decide,
                                             absl::Time deadline) = 0;

  // Deletes the contact with a ContactDeleted event. NOT_FOUND if it does
  // not exist; ABORTED if `etag` is set and stale.
  virtual absl::Status Delete(const std::string& tenant, const std::string& account_id,
                              const std::string& id, const std::string& etag, absl::Time now,
                              absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_CONTACT_STORE_H_
