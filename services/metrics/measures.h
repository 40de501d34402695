// The measures rollups keep: the contract between the parts that turn
// events into facts and contributions (support_facts, revenue_facts,
// success_facts) and the KPI formulas (kpi_catalog).
//
// Three kinds, by how a window is read from them:
// - FLOW: counted in the kDay and kMonth periods where it happened; a
//   window's value is the sum over AdditiveCover(window).
// - BALANCE: deltas counted like flows; the value at the start of a day is
//   the sum of all deltas before it (CoverBefore), e.g. MRR or backlog.
// - WINDOW: not additive (distinct customers, "active at the start"…):
//   counted in each calendar period (day, week, month, quarter, year)
//   containing it; a window that is not a calendar period is recomputed from
//   the facts (FactKeeper::AddWindowMeasures).
//
// Segments: support measures are cut by the ticket's current `channel`,
// `priority`, `type` (enum value names) and `group` (resource name). Success
// measures are cut by `tier` (TouchTier value name), `plan` and `owner` as
// each part documents. Durations are milliseconds; money is minor units.
#ifndef TANDEM_SERVICES_METRICS_MEASURES_H_
#define TANDEM_SERVICES_METRICS_MEASURES_H_

namespace tandem::metrics::measure {

// Segment dimensions.
inline constexpr char kChannel[] = "channel";
inline constexpr char kPriority[] = "priority";
inline constexpr char kType[] = "type";
inline constexpr char kGroup[] = "group";
inline constexpr char kTier[] = "tier";
inline constexpr char kPlan[] = "plan";
inline constexpr char kOwner[] = "owner";
// Cohort dimension (revenue only): value "YYYY-MM", the month of the
// customer's first NEW movement.
inline constexpr char kCohort[] = "cohort";

// ---- Support (support_facts) ----
// FLOW count: tickets created (at creation).
inline constexpr char kTicketsCreated[] = "tickets_created";
// FLOW duration: creation → first public agent reply, at the reply.
inline constexpr char kFirstResponse[] = "first_response";
// FLOW duration: the same in the ticket's SLA business time (tickets whose
// FIRST_RESPONSE target was fulfilled).
inline constexpr char kFirstResponseBusiness[] = "first_response_business";
// FLOW duration: creation → last solve, at the last solve, for tickets
// SOLVED or CLOSED now (a reopened ticket leaves until solved again).
inline constexpr char kFullResolution[] = "full_resolution";
// FLOW duration: the RESOLUTION target's business time, same tickets/day.
inline constexpr char kFullResolutionBusiness[] = "full_resolution_business";
// FLOW duration: creation → first solve, at the first solve.
inline constexpr char kFirstResolution[] = "first_resolution";
// FLOW count: of the tickets in kFullResolution, those with exactly one
// public agent reply and never reopened (FCR numerator; kFullResolution's
// count is the denominator).
inline constexpr char kOneTouchSolved[] = "one_touch_solved";
// FLOW count: solve events (each solve of a ticket).
inline constexpr char kSolves[] = "solves";
// FLOW count: reopen events.
inline constexpr char kReopens[] = "reopens";
// WINDOW count: tickets with >= 1 solve / >= 1 reopen in the period, each
// once per period (reopen rate = reopened tickets / solved tickets).
inline constexpr char kSolvedTickets[] = "solved_tickets";
inline constexpr char kReopenedTickets[] = "reopened_tickets";
// FLOW count: tickets escalated, at their first escalation.
inline constexpr char kEscalated[] = "escalated";
// FLOW count: tickets' latest ratings, at the rating time; kCsatGood: those
// scoring 4 or 5.
inline constexpr char kCsatRatings[] = "csat_ratings";
inline constexpr char kCsatGood[] = "csat_good";
// FLOW count: SLA targets that came due (met or missed), counted at their
// due time whenever they were fulfilled, per target kind; and of those, the
// ones met.
inline constexpr char kSlaDueFirstResponse[] = "sla_due_first_response";
inline constexpr char kSlaMetFirstResponse[] = "sla_met_first_response";
inline constexpr char kSlaDueNextResponse[] = "sla_due_next_response";
inline constexpr char kSlaMetNextResponse[] = "sla_met_next_response";
inline constexpr char kSlaDueResolution[] = "sla_due_resolution";
inline constexpr char kSlaMetResolution[] = "sla_met_resolution";
// BALANCE count: tickets not SOLVED or CLOSED (+1 created or reopened, -1
// solved or closed).
inline constexpr char kBacklog[] = "backlog";
// FLOW count: knowledge-base article views (whole tenant only).
inline constexpr char kArticleViews[] = "article_views";

// ---- Revenue (revenue_facts) ----
// Segment of a customer: tier, plan and owner as of its latest ledger entry
// (movement, tier or owner/plan change) at the time in question.
// FLOW (count = movements, total = MRR amount, positive), in the segment at
// the movement; CROSS_SELL counts as expansion.
inline constexpr char kMrrNew[] = "mrr_new";
inline constexpr char kMrrExpansion[] = "mrr_expansion";
inline constexpr char kMrrContraction[] = "mrr_contraction";
inline constexpr char kMrrChurn[] = "mrr_churn";
inline constexpr char kMrrReactivation[] = "mrr_reactivation";
// BALANCE: total = MRR; count = active customers (MRR > 0). A segment
// change moves the customer's MRR and logo between segments.
inline constexpr char kMrr[] = "mrr";
// WINDOW, in the customer's segment at the period's start; "start
// customers" are those active at the start continuously until the movement
// (a customer that churns and returns inside the period counts from its
// return as reactivation, not as a start customer).
// count = start customers with >= 1 CHURN in the period.
inline constexpr char kStartChurned[] = "start_churned";
// count = start customers not active at the period's end.
inline constexpr char kStartLost[] = "start_lost";
// total = CHURN MRR / CONTRACTION MRR / EXPANSION+CROSS_SELL MRR of start
// customers; count = movements.
inline constexpr char kStartChurnMrr[] = "start_churn_mrr";
inline constexpr char kStartContractionMrr[] = "start_contraction_mrr";
inline constexpr char kStartExpansionMrr[] = "start_expansion_mrr";
// count = start customers with >= 1 EXPANSION or CROSS_SELL.
inline constexpr char kStartExpanded[] = "start_expanded";
// count = customers that started (NEW or REACTIVATION) and churned inside
// the period, in their segment at the churn.
inline constexpr char kNewChurned[] = "new_churned";

// ---- Other success (success_facts) ----
// WINDOW count: the latest NPS response per contact in the period, by
// category; segment from the response's account snapshot.
inline constexpr char kNpsResponses[] = "nps_responses";
inline constexpr char kNpsPromoters[] = "nps_promoters";
inline constexpr char kNpsDetractors[] = "nps_detractors";
// FLOW at the renewal's due time: count = renewals due; won = count of
// those renewed; closed = count of those closed (won or lost), total =
// their target amount; final: total = final amount of closed renewals.
inline constexpr char kRenewalsDue[] = "renewals_due";
inline constexpr char kRenewalsWon[] = "renewals_won";
inline constexpr char kRenewalsClosed[] = "renewals_closed";
inline constexpr char kRenewalFinal[] = "renewal_final";
// FLOW duration: contract start → onboarding completion, at completion.
inline constexpr char kTimeToValue[] = "time_to_value";
// BALANCE: accounts with a health score (count) and the sum of their
// scores (total); and the accounts in each band (count).
inline constexpr char kHealthScored[] = "health_scored";
inline constexpr char kHealthRed[] = "health_red";
inline constexpr char kHealthYellow[] = "health_yellow";
inline constexpr char kHealthGreen[] = "health_green";
// WINDOW count: accounts with any product usage in the period.
inline constexpr char kUsageAccounts[] = "usage_accounts";
// WINDOW count: accounts that used feature F in the period; the measure name
// is this prefix followed by the feature name.
inline constexpr char kFeatureAccountsPrefix[] = "feature_accounts:";
// WINDOW: count = accounts with usage and licensed seats in the period;
// total = sum of their peak daily active users ÷ licensed seats, in parts
// per million.
inline constexpr char kSeatRatio[] = "seat_ratio";

}  // namespace tandem::metrics::measure

#endif  // TANDEM_SERVICES_METRICS_MEASURES_H_
