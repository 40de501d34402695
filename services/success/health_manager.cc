#include "services/success/health_manager.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/health_scoring.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kScorecardName = "scorecard";

// Returns the account id in `name`, "accounts/{id}<suffix>", or
// INVALID_ARGUMENT on `field`.
absl::StatusOr<std::string> AccountIdIn(absl::string_view field, absl::string_view name,
                                        absl::string_view suffix) {
  absl::string_view trimmed = name;
  auto bad = [&] {
    return InvalidField(std::string(field), absl::StrCat("must look like accounts/{id}", suffix));
  };
  if (!absl::ConsumeSuffix(&trimmed, suffix)) return bad();
  auto id = ParseResourceName(field, "accounts", trimmed);
  if (!id.ok()) return bad();
  return id;
}

std::vector<v1::MeasureScore> BreakdownOf(const v1::AccountHealth& health) {
  return {health.breakdown().begin(), health.breakdown().end()};
}

}  // namespace

v1::HealthComparison CompareScorings(const std::string& account, absl::Time since,
                                     const std::optional<v1::AccountHealth>& then,
                                     const v1::AccountHealth& now) {
  v1::HealthComparison comparison;
  comparison.set_account(account);
  *comparison.mutable_since_time() = ToProtoTime(since);
  if (then.has_value()) *comparison.mutable_then() = *then;
  *comparison.mutable_now() = now;
  const int32_t score_then = then.has_value() ? then->score() : 100;
  comparison.set_score_change(now.score() - score_then);
  comparison.set_band_changed((then.has_value() ? then->band() : v1::HEALTH_BAND_UNSPECIFIED) !=
                              now.band());
  for (v1::MeasureChange& change :
       CompareBreakdowns(then.has_value() ? BreakdownOf(*then) : std::vector<v1::MeasureScore>{},
                         BreakdownOf(now))) {
    *comparison.add_changes() = std::move(change);
  }
  return comparison;
}

absl::StatusOr<v1::Scorecard> HealthManager::GetScorecard(const Principal& caller,
                                                          const v1::GetScorecardRequest& request,
                                                          absl::Time deadline) {
  if (request.name() != kScorecardName) return InvalidField("name", "must be scorecard");
  return store_->GetScorecard(caller.tenant, deadline);
}

absl::StatusOr<v1::Scorecard> HealthManager::UpdateScorecard(
    const Principal& caller, const v1::UpdateScorecardRequest& request, absl::Time deadline) {
  static const std::set<std::string> kUpdatable = {"weights", "green_threshold", "yellow_threshold",
                                                   "trend_margin"};
  FieldViolations violations;
  if (!request.has_scorecard()) violations.Add("scorecard", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), kUpdatable, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  if (request.scorecard().name() != kScorecardName) {
    return InvalidField("scorecard.name", "must be scorecard");
  }
  // Weights are checked as sent (their indexes are the caller's).
  if (paths.contains("weights")) {
    CheckScorecard(request.scorecard(), {"weights"}, violations);
    RETURN_IF_ERROR(violations.ToStatus());
  }
  const v1::Scorecard& given = request.scorecard();
  return store_->UpdateScorecard(
      caller.tenant,
      [&](const v1::Scorecard& current) -> absl::StatusOr<v1::Scorecard> {
        RETURN_IF_ERROR(CheckEtag(given.etag(), current.etag()));
        v1::Scorecard merged = current;
        if (paths.contains("weights")) *merged.mutable_weights() = given.weights();
        if (paths.contains("green_threshold")) merged.set_green_threshold(given.green_threshold());
        if (paths.contains("yellow_threshold")) {
          merged.set_yellow_threshold(given.yellow_threshold());
        }
        if (paths.contains("trend_margin")) merged.set_trend_margin(given.trend_margin());
        FieldViolations merged_violations;
        std::vector<std::string> checked(paths.begin(), paths.end());
        checked.erase(std::remove(checked.begin(), checked.end(), "weights"), checked.end());
        CheckScorecard(merged, checked, merged_violations);
        RETURN_IF_ERROR(merged_violations.ToStatus());
        return merged;
      },
      clock_->Now(), deadline);
}

absl::StatusOr<v1::AccountHealth> HealthManager::GetAccountHealth(
    const Principal& caller, const v1::GetAccountHealthRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, AccountIdIn("name", request.name(), "/health"));
  return store_->GetAccountHealth(caller.tenant, account_id, deadline);
}

absl::StatusOr<v1::ListHealthHistoryResponse> HealthManager::ListHealthHistory(
    const Principal& caller, const v1::ListHealthHistoryRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, AccountIdIn("parent", request.parent(), ""));
  // The store pages on create_time (the scoring's compute time).
  std::string order = absl::AsciiStrToLower(absl::StripAsciiWhitespace(request.order_by()));
  if (order.empty() || order == "compute_time desc") {
    order = "create_time desc";
  } else if (order == "compute_time" || order == "compute_time asc") {
    order = "create_time";
  } else {
    return InvalidField("order_by",
                        "must be \"compute_time desc\" (the default) or "
                        "\"compute_time\"");
  }
  // The account is part of the query a page token belongs to.
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanList(*page_tokens_, absl::StrCat(caller.tenant, "/", account_id),
                            {request.page_size(), request.page_token(), request.filter(), order},
                            {"compute_time", "band"}));
  std::vector<HistoryCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    if (term.field == "band") {
      RETURN_IF_ERROR(RequireEquality(term));
      ASSIGN_OR_RETURN(std::string band, EnumFilterValue(term, *v1::HealthBand_descriptor()));
      conditions.push_back({.field = HistoryField::kBand, .op = term.op, .value = band});
    } else {
      ASSIGN_OR_RETURN(std::string time, TimeFilterValue(term));
      conditions.push_back({.field = HistoryField::kComputeTime, .op = term.op, .value = time});
    }
  }
  ASSIGN_OR_RETURN(HistoryPage page,
                   store_->ListHistory(caller.tenant, account_id, conditions, plan, deadline));
  if (FitToByteBudget(page.scorings)) page.has_more = true;
  v1::ListHealthHistoryResponse response;
  for (v1::AccountHealth& scoring : page.scorings) *response.add_scorings() = std::move(scoring);
  if (page.has_more && response.scorings_size() > 0) {
    const v1::AccountHealth& last = response.scorings(response.scorings_size() - 1);
    const std::string& name = last.name();
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.compute_time()), ResourceIdOf(name)}));
  }
  return response;
}

absl::StatusOr<v1::HealthComparison> HealthManager::CompareAccountHealth(
    const Principal& caller, const v1::CompareAccountHealthRequest& request, absl::Time deadline) {
  FieldViolations violations;
  auto account_id = AccountIdIn("account", request.account(), "");
  if (!account_id.ok()) violations.Add("account", "must look like accounts/{id}");
  const absl::Time now = clock_->Now();
  if (!request.has_since_time()) {
    violations.Add("since_time", "is required");
  } else if (FromProtoTime(request.since_time()) > now) {
    violations.Add("since_time", "must not be in the future");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time since = FromProtoTime(request.since_time());
  ASSIGN_OR_RETURN(HealthThenAndNow scorings,
                   store_->GetThenAndNow(caller.tenant, *account_id, since, deadline));
  if (!scorings.now.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(request.account(),
                     " has not been scored yet; its first review scores it (RecomputeAccountHealth "
                     "queues one)"));
  }
  return CompareScorings(request.account(), since, scorings.then, *scorings.now);
}

absl::StatusOr<v1::RecomputeAccountHealthResponse> HealthManager::RecomputeAccountHealth(
    const Principal& caller, const v1::RecomputeAccountHealthRequest& request,
    absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, AccountIdIn("account", request.account(), ""));
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(store_->QueueRecompute(caller.tenant, account_id, now, deadline));
  v1::RecomputeAccountHealthResponse response;
  response.set_account(request.account());
  *response.mutable_review_time() = ToProtoTime(now);
  return response;
}

}  // namespace tandem::success
