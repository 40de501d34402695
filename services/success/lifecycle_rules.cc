#include "services/success/lifecycle_rules.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/resources.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxDescription = 2000;
constexpr size_t kMaxLongText = 4000;
constexpr size_t kMaxOwner = 128;
constexpr int kMaxTemplateMilestones = 50;
constexpr int kMaxOffsetDays = 3650;
constexpr int kMaxGoals = 20;
constexpr int kMaxActionItems = 100;
constexpr absl::Duration kMaxAhead = absl::Hours(24);
constexpr absl::Duration kMaxPast = absl::Hours(24 * 3653);
constexpr absl::Duration kMaxDueAhead = absl::Hours(24 * 3653);

bool ValidTimestamp(const google::protobuf::Timestamp& time) {
  // Years 1 to 9999, as google.protobuf.Timestamp allows.
  return time.nanos() >= 0 && time.nanos() < 1'000'000'000 && time.seconds() >= -62135596800 &&
         time.seconds() <= 253402300799;
}

// Checks a required title-like field: trimmed, 1..max bytes.
void CheckRequiredText(const std::string& field, absl::string_view value, size_t max,
                       FieldViolations& violations) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  if (trimmed.empty()) {
    violations.Add(field, "is required");
  } else if (value.size() > max) {
    violations.Add(field, absl::StrCat("must be at most ", max, " bytes"));
  }
}

void CheckOptionalText(const std::string& field, absl::string_view value, size_t max,
                       FieldViolations& violations) {
  if (value.size() > max) violations.Add(field, absl::StrCat("must be at most ", max, " bytes"));
}

// Checks a due time: valid, at most 10 years either side of now.
void CheckDueTime(const std::string& field, const google::protobuf::Timestamp& time, absl::Time now,
                  FieldViolations& violations) {
  if (!ValidTimestamp(time) || FromProtoTime(time) > now + kMaxDueAhead ||
      FromProtoTime(time) < now - kMaxPast) {
    violations.Add(field, "must be a time within 10 years of now");
  }
}

bool Finished(v1::Milestone::State state) {
  return state == v1::Milestone::DONE || state == v1::Milestone::SKIPPED;
}

bool Select(const FieldSelector& checked, absl::string_view field) { return checked(field); }

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseNestedName(
    absl::string_view field, absl::string_view name,
    std::initializer_list<absl::string_view> collections) {
  std::vector<std::string> shape;
  for (absl::string_view collection : collections) {
    shape.push_back(absl::StrCat(collection, "/{id}"));
  }
  const std::string expected = absl::StrCat("must look like ", absl::StrJoin(shape, "/"));
  if (name.empty()) return InvalidField(std::string(field), "is required");
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 * collections.size()) return InvalidField(std::string(field), expected);
  std::vector<std::string> ids;
  size_t i = 0;
  for (absl::string_view collection : collections) {
    if (parts[i] != collection || !IsValidId(parts[i + 1])) {
      return InvalidField(std::string(field), expected);
    }
    ids.push_back(parts[i + 1]);
    i += 2;
  }
  return ids;
}

absl::StatusOr<std::string> ParseListParent(absl::string_view parent) {
  if (parent == "accounts/-") return std::string();
  auto id = ParseResourceName("parent", "accounts", parent);
  if (!id.ok()) {
    return InvalidField("parent", "must look like accounts/{id}, or accounts/- for every account");
  }
  return id;
}

void CheckRecordedTime(const std::string& field, const google::protobuf::Timestamp& time,
                       absl::Time now, FieldViolations& violations) {
  if (!ValidTimestamp(time)) {
    violations.Add(field, "must be a valid timestamp");
  } else if (FromProtoTime(time) > now + kMaxAhead) {
    violations.Add(field, "must not be more than a day in the future");
  } else if (FromProtoTime(time) < now - kMaxPast) {
    violations.Add(field, "must not be more than 10 years in the past");
  }
}

// ---- Onboarding ---------------------------------------------------------

const v1::OnboardingTemplate& DefaultOnboardingTemplate() {
  static const auto* const kTemplate = [] {
    auto* tmpl = new v1::OnboardingTemplate;
    tmpl->set_display_name("Standard onboarding");
    tmpl->set_description("The built-in onboarding, used when a plan names no template.");
    auto add = [&](const char* title, const char* description, int days, bool first_value) {
      v1::MilestoneTemplate* step = tmpl->add_milestones();
      step->set_title(title);
      step->set_description(description);
      step->set_offset_days(days);
      step->set_first_value(first_value);
    };
    add("Kickoff", "Meet the customer's team; agree goals, roles and the timeline.", 0, false);
    add("Initial setup", "The product is configured and the first users work in it.", 7, true);
    add("Training", "Admins and users are trained.", 14, false);
    add("Goals and action plan", "A success plan with goals and action items is agreed.", 30,
        false);
    return tmpl;
  }();
  return *kTemplate;
}

void CheckOnboardingTemplate(const v1::OnboardingTemplate& tmpl, const FieldSelector& checked,
                             FieldViolations& violations) {
  if (Select(checked, "display_name")) {
    CheckRequiredText("onboarding_template.display_name", tmpl.display_name(), kMaxTitle,
                      violations);
  }
  if (Select(checked, "description")) {
    CheckOptionalText("onboarding_template.description", tmpl.description(), kMaxDescription,
                      violations);
  }
  if (!Select(checked, "milestones")) return;
  if (tmpl.milestones_size() == 0 || tmpl.milestones_size() > kMaxTemplateMilestones) {
    violations.Add("onboarding_template.milestones",
                   absl::StrCat("must have 1 to ", kMaxTemplateMilestones, " milestones"));
    return;
  }
  int first_values = 0;
  for (int i = 0; i < tmpl.milestones_size(); ++i) {
    const v1::MilestoneTemplate& step = tmpl.milestones(i);
    const std::string prefix = absl::StrCat("onboarding_template.milestones[", i, "].");
    CheckRequiredText(prefix + "title", step.title(), kMaxTitle, violations);
    CheckOptionalText(prefix + "description", step.description(), kMaxDescription, violations);
    if (step.offset_days() < 0 || step.offset_days() > kMaxOffsetDays) {
      violations.Add(prefix + "offset_days",
                     absl::StrCat("must be 0 to ", kMaxOffsetDays, " days"));
    }
    if (step.first_value() && ++first_values == 2) {
      violations.Add(prefix + "first_value", "only one milestone may mark first value");
    }
  }
}

std::vector<v1::Milestone> MilestonesFromTemplate(const v1::OnboardingTemplate& tmpl,
                                                  const std::string& plan_name, absl::Time start,
                                                  absl::Time now) {
  std::vector<v1::Milestone> milestones;
  for (int i = 0; i < tmpl.milestones_size(); ++i) {
    const v1::MilestoneTemplate& step = tmpl.milestones(i);
    v1::Milestone& milestone = milestones.emplace_back();
    milestone.set_name(absl::StrCat(plan_name, "/milestones/", NewIdAt(now)));
    milestone.set_title(std::string(absl::StripAsciiWhitespace(step.title())));
    milestone.set_description(step.description());
    *milestone.mutable_due_time() = ToProtoTime(start + absl::Hours(24) * step.offset_days());
    milestone.set_state(v1::Milestone::PENDING);
    milestone.set_first_value(step.first_value());
    milestone.set_position(i);
    *milestone.mutable_update_time() = ToProtoTime(now);
  }
  return milestones;
}

void FillPlanProgress(v1::OnboardingPlan& plan, absl::Time now) {
  int counted = 0;
  int done = 0;
  int overdue = 0;
  plan.clear_first_value_time();
  plan.clear_time_to_value();
  for (v1::Milestone& milestone : *plan.mutable_milestones()) {
    const bool finished = Finished(milestone.state());
    milestone.set_overdue(!finished && FromProtoTime(milestone.due_time()) < now);
    if (milestone.overdue()) ++overdue;
    if (milestone.state() != v1::Milestone::SKIPPED) ++counted;
    if (milestone.state() == v1::Milestone::DONE) {
      ++done;
      if (milestone.first_value() && milestone.has_complete_time()) {
        *plan.mutable_first_value_time() = milestone.complete_time();
        *plan.mutable_time_to_value() = ToProtoDuration(
            std::max(absl::ZeroDuration(),
                     FromProtoTime(milestone.complete_time()) - FromProtoTime(plan.start_time())));
      }
    }
  }
  // A plan whose milestones were all skipped has nothing left to do.
  plan.set_progress(counted == 0 ? (plan.milestones_size() > 0 ? 1.0 : 0.0)
                                 : static_cast<double>(done) / counted);
  // An ended plan has nothing overdue: nobody will do its milestones.
  if (plan.state() != v1::OnboardingPlan::ACTIVE) {
    for (v1::Milestone& milestone : *plan.mutable_milestones()) milestone.set_overdue(false);
    overdue = 0;
  }
  plan.set_overdue_milestone_count(overdue);
}

bool AllMilestonesFinished(const v1::OnboardingPlan& plan) {
  return std::all_of(plan.milestones().begin(), plan.milestones().end(),
                     [](const v1::Milestone& m) { return Finished(m.state()); });
}

const std::set<std::string>& UpdatableMilestoneFields() {
  static const auto* const kFields = new std::set<std::string>{"title", "description",   "due_time",
                                                               "state", "complete_time", "owner"};
  return *kFields;
}

void CheckMilestoneUpdate(const v1::Milestone& milestone, const std::set<std::string>& paths,
                          absl::Time now, FieldViolations& violations) {
  if (paths.contains("title")) {
    CheckRequiredText("milestone.title", milestone.title(), kMaxTitle, violations);
  }
  if (paths.contains("description")) {
    CheckOptionalText("milestone.description", milestone.description(), kMaxDescription,
                      violations);
  }
  if (paths.contains("due_time")) {
    if (!milestone.has_due_time()) {
      violations.Add("milestone.due_time", "is required");
    } else {
      CheckDueTime("milestone.due_time", milestone.due_time(), now, violations);
    }
  }
  if (paths.contains("state") && (milestone.state() == v1::Milestone::STATE_UNSPECIFIED ||
                                  !v1::Milestone::State_IsValid(milestone.state()))) {
    violations.Add("milestone.state", "must be PENDING, IN_PROGRESS, DONE or SKIPPED");
  }
  if (paths.contains("complete_time") && milestone.has_complete_time()) {
    CheckRecordedTime("milestone.complete_time", milestone.complete_time(), now, violations);
  }
  if (paths.contains("owner")) {
    CheckOptionalText("milestone.owner", milestone.owner(), kMaxOwner, violations);
  }
}

absl::StatusOr<v1::Milestone> ApplyMilestoneUpdate(const v1::Milestone& current,
                                                   const v1::Milestone& requested,
                                                   const std::set<std::string>& paths,
                                                   absl::Time plan_start, absl::Time now) {
  v1::Milestone after = current;
  if (paths.contains("title")) {
    after.set_title(std::string(absl::StripAsciiWhitespace(requested.title())));
  }
  if (paths.contains("description")) after.set_description(requested.description());
  if (paths.contains("due_time")) {
    *after.mutable_due_time() = ToProtoTime(FromProtoTime(requested.due_time()));
  }
  if (paths.contains("owner")) after.set_owner(requested.owner());
  if (paths.contains("state")) after.set_state(requested.state());
  const bool done = after.state() == v1::Milestone::DONE;
  if (paths.contains("complete_time") && requested.has_complete_time()) {
    if (!done) {
      return InvalidField("milestone.complete_time",
                          "may be set only on a DONE milestone (set state to DONE too)");
    }
    *after.mutable_complete_time() = ToProtoTime(FromProtoTime(requested.complete_time()));
  } else if (done && !after.has_complete_time()) {
    *after.mutable_complete_time() = ToProtoTime(now);
  }
  if (!done) after.clear_complete_time();
  if (done && FromProtoTime(after.complete_time()) < plan_start) {
    return InvalidField("milestone.complete_time",
                        "must not be before the onboarding plan's start_time");
  }
  return after;
}

// ---- Success plans ------------------------------------------------------

double GoalProgress(const v1::SuccessGoal& goal) {
  const double span = goal.target() - goal.baseline();
  if (span == 0 || !std::isfinite(span)) return 0;
  const double progress = (goal.current_value() - goal.baseline()) / span;
  if (!std::isfinite(progress)) return 0;
  return std::clamp(progress, 0.0, 1.0);
}

void FillSuccessPlanProgress(v1::SuccessPlan& plan) {
  double sum = 0;
  for (v1::SuccessGoal& goal : *plan.mutable_goals()) {
    goal.set_progress(GoalProgress(goal));
    goal.set_achieved(goal.progress() >= 1.0);
    sum += goal.progress();
  }
  plan.set_progress(plan.goals_size() == 0 ? 0 : sum / plan.goals_size());
  plan.set_done_action_items(
      static_cast<int32_t>(std::count_if(plan.action_items().begin(), plan.action_items().end(),
                                         [](const v1::ActionItem& item) { return item.done(); })));
}

const std::set<std::string>& UpdatableSuccessPlanFields() {
  static const auto* const kFields =
      new std::set<std::string>{"title", "description", "owner", "status", "goals", "action_items"};
  return *kFields;
}

void CheckSuccessPlan(const v1::SuccessPlan& plan, const FieldSelector& checked, absl::Time now,
                      FieldViolations& violations) {
  if (Select(checked, "title")) {
    CheckRequiredText("success_plan.title", plan.title(), kMaxTitle, violations);
  }
  if (Select(checked, "description")) {
    CheckOptionalText("success_plan.description", plan.description(), kMaxLongText, violations);
  }
  if (Select(checked, "owner")) {
    CheckOptionalText("success_plan.owner", plan.owner(), kMaxOwner, violations);
  }
  if (Select(checked, "status") && !v1::SuccessPlan::Status_IsValid(plan.status())) {
    violations.Add("success_plan.status", "must be ACTIVE, COMPLETED or ARCHIVED");
  }
  if (Select(checked, "goals")) {
    if (plan.goals_size() > kMaxGoals) {
      violations.Add("success_plan.goals", absl::StrCat("must have at most ", kMaxGoals, " goals"));
    }
    for (int i = 0; i < plan.goals_size() && i < kMaxGoals; ++i) {
      const v1::SuccessGoal& goal = plan.goals(i);
      const std::string prefix = absl::StrCat("success_plan.goals[", i, "].");
      CheckRequiredText(prefix + "title", goal.title(), kMaxTitle, violations);
      CheckRequiredText(prefix + "metric", goal.metric(), kMaxTitle, violations);
      for (const auto& [name, value] : {std::pair<const char*, double>{"baseline", goal.baseline()},
                                        {"target", goal.target()},
                                        {"current_value", goal.current_value()}}) {
        if (!std::isfinite(value)) violations.Add(prefix + name, "must be a finite number");
      }
      if (goal.target() == goal.baseline()) {
        violations.Add(prefix + "target", "must differ from the baseline");
      }
      if (goal.has_due_time()) CheckDueTime(prefix + "due_time", goal.due_time(), now, violations);
    }
  }
  if (Select(checked, "action_items")) {
    if (plan.action_items_size() > kMaxActionItems) {
      violations.Add("success_plan.action_items",
                     absl::StrCat("must have at most ", kMaxActionItems, " items"));
    }
    for (int i = 0; i < plan.action_items_size() && i < kMaxActionItems; ++i) {
      const v1::ActionItem& item = plan.action_items(i);
      const std::string prefix = absl::StrCat("success_plan.action_items[", i, "].");
      CheckRequiredText(prefix + "title", item.title(), kMaxTitle, violations);
      CheckOptionalText(prefix + "owner", item.owner(), kMaxOwner, violations);
      if (item.has_due_time()) CheckDueTime(prefix + "due_time", item.due_time(), now, violations);
      if (item.has_done_time()) {
        CheckRecordedTime(prefix + "done_time", item.done_time(), now, violations);
      }
    }
  }
}

void StampActionItems(v1::SuccessPlan& plan, absl::Time now) {
  for (v1::ActionItem& item : *plan.mutable_action_items()) {
    item.set_title(std::string(absl::StripAsciiWhitespace(item.title())));
    if (!item.done()) {
      item.clear_done_time();
    } else if (!item.has_done_time()) {
      *item.mutable_done_time() = ToProtoTime(now);
    } else {
      *item.mutable_done_time() = ToProtoTime(FromProtoTime(item.done_time()));
    }
    if (item.has_due_time()) *item.mutable_due_time() = ToProtoTime(FromProtoTime(item.due_time()));
  }
  for (v1::SuccessGoal& goal : *plan.mutable_goals()) {
    goal.set_title(std::string(absl::StripAsciiWhitespace(goal.title())));
    if (goal.has_due_time()) *goal.mutable_due_time() = ToProtoTime(FromProtoTime(goal.due_time()));
  }
}

// ---- Renewals -----------------------------------------------------------

const std::set<std::string>& UpdatableRenewalFields() {
  static const auto* const kFields = new std::set<std::string>{
      "due_time", "target_amount_minor", "forecast_amount_minor", "stage", "owner", "notes"};
  return *kFields;
}

void CheckRenewal(const v1::Renewal& renewal, const FieldSelector& checked, absl::Time now,
                  FieldViolations& violations) {
  if (Select(checked, "due_time")) {
    if (!renewal.has_due_time()) {
      violations.Add("renewal.due_time", "is required");
    } else {
      CheckDueTime("renewal.due_time", renewal.due_time(), now, violations);
    }
  }
  if (Select(checked, "target_amount_minor") && renewal.target_amount_minor() < 0) {
    violations.Add("renewal.target_amount_minor", "must be 0 or more");
  }
  if (Select(checked, "forecast_amount_minor") && renewal.forecast_amount_minor() < 0) {
    violations.Add("renewal.forecast_amount_minor", "must be 0 or more");
  }
  if (Select(checked, "stage") && !v1::Renewal::Stage_IsValid(renewal.stage())) {
    violations.Add("renewal.stage",
                   "must be NOT_STARTED, IN_DISCUSSION, NEGOTIATION, COMMITTED or AT_RISK");
  }
  if (Select(checked, "owner")) {
    CheckOptionalText("renewal.owner", renewal.owner(), kMaxOwner, violations);
  }
  if (Select(checked, "notes")) {
    CheckOptionalText("renewal.notes", renewal.notes(), kMaxLongText, violations);
  }
}

void CheckCloseRenewal(const v1::CloseRenewalRequest& request, absl::Time now,
                       FieldViolations& violations) {
  const v1::Renewal::Outcome outcome = request.outcome();
  if (outcome == v1::Renewal::OUTCOME_UNSPECIFIED || !v1::Renewal::Outcome_IsValid(outcome)) {
    violations.Add("outcome", "must be RENEWED, RENEWED_WITH_CHANGES or CHURNED");
  } else if (outcome == v1::Renewal::CHURNED && request.final_amount_minor() != 0) {
    violations.Add("final_amount_minor", "must be 0 for a CHURNED renewal");
  } else if (outcome != v1::Renewal::CHURNED && request.final_amount_minor() <= 0) {
    violations.Add("final_amount_minor", "must be more than 0 for a renewed contract");
  }
  if (request.has_close_time()) {
    CheckRecordedTime("close_time", request.close_time(), now, violations);
  }
  CheckOptionalText("note", request.note(), kMaxLongText, violations);
}

absl::StatusOr<v1::Renewal> CloseRenewal(const v1::Renewal& current,
                                         const v1::CloseRenewalRequest& request, absl::Time now) {
  if (current.outcome() != v1::Renewal::OUTCOME_UNSPECIFIED) {
    return absl::FailedPreconditionError(
        absl::StrCat("renewal ", current.name(), " is already closed as ",
                     v1::Renewal::Outcome_Name(current.outcome())));
  }
  v1::Renewal closed = current;
  closed.set_outcome(request.outcome());
  closed.set_final_amount_minor(request.final_amount_minor());
  *closed.mutable_close_time() =
      ToProtoTime(request.has_close_time() ? FromProtoTime(request.close_time()) : now);
  if (!request.note().empty()) {
    std::string notes = closed.notes().empty() ? request.note()
                                               : absl::StrCat(closed.notes(), "\n", request.note());
    if (notes.size() > kMaxLongText) {
      return InvalidField("note", absl::StrCat("would make the renewal's notes longer than ",
                                               kMaxLongText, " bytes"));
    }
    closed.set_notes(std::move(notes));
  }
  return closed;
}

}  // namespace tandem::success
