// Storage of SLA configuration (business calendars and policies), behind
// an interface so the logic can be tested without a database and the
// MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUPPORT_SLA_STORE_H_
#define TANDEM_SERVICES_SUPPORT_SLA_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "services/support/sla_clock.h"
#include "tandem/support/v1/sla.pb.h"

namespace tandem::support {

// Most calendars, and most policies, one tenant may have: every ticket
// change reads all policies, so their number stays small.
inline constexpr int kMaxCalendarsPerTenant = 200;
inline constexpr int kMaxPoliciesPerTenant = 200;

// A typed condition of a calendar list: on `time_zone` (a name) or
// `create_time` (UTC DATETIME(6) text).
struct CalendarCondition {
  enum class Field { kTimeZone, kCreateTime };
  Field field = Field::kTimeZone;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A page of calendars and whether another follows.
struct CalendarPage {
  std::vector<v1::BusinessCalendar> calendars;
  bool has_more = false;
};

// A policy's place in the order policies are tried.
struct PolicyPosition {
  int32_t position = 0;
  absl::Time create_time;
  std::string id;

  friend bool operator==(const PolicyPosition&, const PolicyPosition&) = default;
};

// Which policies a list returns: all, or those whose calendar is (`kEq`)
// or is not (`kNe`) `calendar_id` (empty: 24x7 policies).
struct PolicyCalendarCondition {
  FilterOp op = FilterOp::kEq;
  std::string calendar_id;
};

// A page of policies, in the order they are tried, and whether another
// follows.
struct PolicyPage {
  std::vector<v1::SlaPolicy> policies;
  bool has_more = false;
};

// Decides an update from the stored resource (with its etag): returns the
// complete new resource (its `update_time` set), or an error that leaves
// everything unchanged. Runs inside the store's transaction with the row
// locked, so it must not block.
using CalendarUpdateDecision =
    std::function<absl::StatusOr<v1::BusinessCalendar>(const v1::BusinessCalendar& current)>;
using PolicyUpdateDecision =
    std::function<absl::StatusOr<v1::SlaPolicy>(const v1::SlaPolicy& current)>;

// Reads and writes one tenant's calendars and policies at a time. Ids are
// the part after `calendars/` or `slaPolicies/`.
class SlaStore {
 public:
  virtual ~SlaStore() = default;

  // Stores a complete new calendar (name, times set). With a request id an
  // identical earlier request used, stores nothing and returns that
  // calendar. FAILED_PRECONDITION once the tenant has
  // kMaxCalendarsPerTenant.
  virtual absl::StatusOr<v1::BusinessCalendar> CreateCalendar(const std::string& tenant,
                                                              const v1::BusinessCalendar& calendar,
                                                              const CreateKey& key,
                                                              absl::Time deadline) = 0;

  // Returns the calendar with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::BusinessCalendar> GetCalendar(const std::string& tenant,
                                                           const std::string& id,
                                                           absl::Time deadline) = 0;

  // Returns one page of calendars matching every condition.
  virtual absl::StatusOr<CalendarPage> ListCalendars(
      const std::string& tenant, const std::vector<CalendarCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) = 0;

  // Locks the calendar, runs `decide` and stores its result. NOT_FOUND if
  // the calendar does not exist.
  virtual absl::StatusOr<v1::BusinessCalendar> UpdateCalendar(const std::string& tenant,
                                                              const std::string& id,
                                                              const CalendarUpdateDecision& decide,
                                                              absl::Time deadline) = 0;

  // Deletes the calendar. NOT_FOUND if it does not exist, ABORTED if
  // `etag` is set and not the calendar's, FAILED_PRECONDITION while a
  // policy uses it.
  virtual absl::Status DeleteCalendar(const std::string& tenant, const std::string& id,
                                      const std::string& etag, absl::Time deadline) = 0;

  // Stores a complete new policy, idempotently like CreateCalendar.
  // INVALID_ARGUMENT on `sla_policy.calendar` if its calendar does not
  // exist; FAILED_PRECONDITION once the tenant has kMaxPoliciesPerTenant.
  virtual absl::StatusOr<v1::SlaPolicy> CreatePolicy(const std::string& tenant,
                                                     const v1::SlaPolicy& policy,
                                                     const CreateKey& key, absl::Time deadline) = 0;

  // Returns the policy with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::SlaPolicy> GetPolicy(const std::string& tenant, const std::string& id,
                                                  absl::Time deadline) = 0;

  // Returns up to `limit` policies after `after` (from the first if
  // nullopt), in the order they are tried, matching `calendar` if given.
  virtual absl::StatusOr<PolicyPage> ListPolicies(
      const std::string& tenant, const std::optional<PolicyCalendarCondition>& calendar,
      const std::optional<PolicyPosition>& after, int limit, absl::Time deadline) = 0;

  // Locks the policy, runs `decide` and stores its result; a new calendar
  // must exist (INVALID_ARGUMENT on `sla_policy.calendar`).
  virtual absl::StatusOr<v1::SlaPolicy> UpdatePolicy(const std::string& tenant,
                                                     const std::string& id,
                                                     const PolicyUpdateDecision& decide,
                                                     absl::Time deadline) = 0;

  // Deletes the policy. NOT_FOUND if it does not exist, ABORTED if `etag`
  // is set and not the policy's.
  virtual absl::Status DeletePolicy(const std::string& tenant, const std::string& id,
                                    const std::string& etag, absl::Time deadline) = 0;

  // Returns every policy of the tenant with its calendar, in the order
  // they are tried (feed to CompileRules). One query.
  virtual absl::StatusOr<std::vector<StoredSlaPolicy>> LoadPolicies(const std::string& tenant,
                                                                    absl::Time deadline) = 0;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_SLA_STORE_H_
