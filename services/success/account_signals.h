// What Success knows about one account at one moment, gathered from every
// part of the service for the account review (health score, then
// playbooks). Each part fills its own section from its own tables, inside
// the review's transaction, through a loader declared in its store header:
//
//   absl::Status LoadUsageSignals(mysql::Transaction& tx, const std::string& tenant,
//                                 const std::string& account_id, absl::Time now,
//                                 UsageSignals& out);
//
// A part leaves an optional empty when it has no data: scoring treats that
// measure as unknown (its weight goes to the others), never as zero.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_SIGNALS_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_SIGNALS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "tandem/success/v1/account.pb.h"

namespace tandem::success {

// The account's own row (accounts and contacts part).
struct AccountFacts {
  std::string tenant;
  std::string account_id;  // the id, not the resource name
  std::string display_name;
  std::string owner;
  std::string plan;
  v1::TouchTier tier = v1::TECH_TOUCH;
  v1::Account::LifecycleStage stage = v1::Account::ONBOARDING;
  int64_t mrr_minor = 0;
  int32_t seats_licensed = 0;
  std::optional<absl::Time> renewal_time;
  absl::Time create_time;
};

// Product usage (usage and health part). Windows end at the review time.
struct UsageSignals {
  // Share of the tenant's key features used in the last 30 days, 0..1;
  // empty when the tenant has no key features or the account never had
  // usage.
  std::optional<double> adoption;
  // Distinct active users in the last 30 days / licensed seats (may exceed
  // 1); empty when seats are unknown or the account never had usage.
  std::optional<double> active_seat_ratio;
  // The same ratio for the 30 days before that; empty when unknown.
  std::optional<double> active_seat_ratio_before;
  int32_t active_users_30d = 0;
  int64_t usage_last_30d = 0;   // sum of usage counts
  int64_t usage_prior_30d = 0;  // the 30 days before
  std::optional<absl::Time> last_usage_time;
};

// What Support heard from the account (support-signal part), from
// Support's event feed.
struct SupportSignals {
  bool has_tickets = false;  // any ticket ever seen for the account
  int32_t open_tickets = 0;
  int32_t tickets_30d = 0;
  int32_t complaints_30d = 0;
  int32_t escalations_30d = 0;
  int32_t sla_breaches_30d = 0;
  // Share of satisfied ratings among tickets rated in the last 90 days.
  std::optional<double> csat_90d;
  // The newest complaint / escalation / SLA breach in the last 30 days:
  // when, and the ticket's resource name (a playbook fires once each).
  std::optional<absl::Time> last_complaint_time;
  std::string last_complaint_ticket;
  std::optional<absl::Time> last_escalation_time;
  std::string last_escalation_ticket;
  std::optional<absl::Time> last_sla_breach_time;
  std::string last_sla_breach_ticket;
};

// Conversations with the customer (timeline, NPS and feedback part).
struct EngagementSignals {
  // The newest NPS response's score 0..10, when, and its resource name.
  std::optional<int32_t> latest_nps;
  std::optional<absl::Time> latest_nps_time;
  std::string latest_nps_response;
  // The newest meeting, call or e-mail with the customer.
  std::optional<absl::Time> last_engagement_time;
};

// Onboarding and renewals (lifecycle part).
struct LifecycleSignals {
  // Completed / all milestones of the account's current onboarding plan;
  // empty without a plan.
  std::optional<double> onboarding_progress;
  int32_t overdue_milestones = 0;
  std::string first_overdue_milestone;  // resource name
  // The earliest open renewal not yet past its due time: when, and its
  // resource name (an overdue one left open does not hide the next).
  std::optional<absl::Time> next_renewal_time;
  std::string next_renewal;
};

// Everything the review reads, as of `as_of`.
struct AccountSignals {
  absl::Time as_of;
  AccountFacts account;
  UsageSignals usage;
  SupportSignals support;
  EngagementSignals engagement;
  LifecycleSignals lifecycle;
};

// The outcome of re-scoring an account (usage and health part), which the
// playbooks read for "health band dropped".
struct HealthChange {
  v1::HealthBand previous_band = v1::HEALTH_BAND_UNSPECIFIED;
  std::optional<int32_t> previous_score;
  v1::HealthBand band = v1::HEALTH_BAND_UNSPECIFIED;
  int32_t score = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_SIGNALS_H_
