// `tandemctl calendars ...` and `tandemctl sla-policies ...`: the SLA
// configuration of the Support service.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/proto_time.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

using support::v1::BusinessCalendar;
using support::v1::SlaPolicy;
using support::v1::Ticket;

constexpr size_t kNameWidth = 30;

// Parses one --hours value, "MON-FRI 09:00-12:00,13:00-18:00" (a day or a
// range of days, then intervals), into intervals of `calendar`.
absl::Status AddHours(absl::string_view spec, BusinessCalendar& calendar) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(spec), ' ', absl::SkipEmpty());
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--hours \"", spec, "\": expected e.g. \"MON-FRI 09:00-12:00,13:00-18:00\""));
  }
  static const std::vector<std::string> kDays = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
  auto day_number = [&](absl::string_view name) {
    const std::string upper = absl::AsciiStrToUpper(name);
    for (size_t i = 0; i < kDays.size(); ++i) {
      if (kDays[i] == upper) return static_cast<int>(i) + 1;
    }
    return 0;
  };
  std::vector<std::string> range = absl::StrSplit(parts[0], '-');
  const int first = day_number(range[0]);
  const int last = range.size() == 2 ? day_number(range[1]) : first;
  if (range.size() > 2 || first == 0 || last == 0 || last < first) {
    return absl::InvalidArgumentError(
        absl::StrCat("--hours \"", spec, "\": days are MON..SUN or a range such as MON-FRI"));
  }
  for (absl::string_view interval : absl::StrSplit(parts[1], ',', absl::SkipEmpty())) {
    std::vector<std::string> ends = absl::StrSplit(interval, '-');
    if (ends.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("--hours \"", spec, "\": intervals look like 09:00-17:00"));
    }
    for (int day = first; day <= last; ++day) {
      BusinessCalendar::Interval& added = *calendar.add_business_hours();
      added.set_weekday(static_cast<BusinessCalendar::Weekday>(day));
      added.set_start_time(ends[0]);
      added.set_end_time(ends[1]);
    }
  }
  return absl::OkStatus();
}

// Reads the enum names of list flag `flag` as numbers of `type`.
absl::StatusOr<std::vector<int>> EnumList(const CommandFlags& flags, absl::string_view flag,
                                          const google::protobuf::EnumDescriptor* type) {
  std::vector<int> numbers;
  for (const std::string& name : flags.GetList(flag)) {
    const google::protobuf::EnumValueDescriptor* value =
        type->FindValueByName(absl::AsciiStrToUpper(name));
    if (value == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": unknown value ", name));
    }
    numbers.push_back(value->number());
  }
  return numbers;
}

std::string TargetText(bool set, const google::protobuf::Duration& target) {
  if (!set) return "-";
  return absl::FormatDuration(absl::Seconds(target.seconds()));
}

void PrintCalendarTable(std::ostream& out, const support::v1::ListBusinessCalendarsResponse& page) {
  Table table({"NAME", "DISPLAY NAME", "TIME ZONE", "INTERVALS", "HOLIDAYS", "CREATED"});
  for (const BusinessCalendar& calendar : page.calendars()) {
    table.AddRow({calendar.name(), Truncate(calendar.display_name(), kNameWidth),
                  calendar.time_zone(), absl::StrCat(calendar.business_hours_size()),
                  absl::StrCat(calendar.holidays_size()), FormatTimestamp(calendar.create_time())});
  }
  table.Print(out);
}

void PrintPolicyTable(std::ostream& out, const support::v1::ListSlaPoliciesResponse& page) {
  Table table({"POSITION", "NAME", "DISPLAY NAME", "CALENDAR", "FIRST RESPONSE", "NEXT RESPONSE",
               "RESOLUTION"});
  for (const SlaPolicy& policy : page.sla_policies()) {
    table.AddRow({absl::StrCat(policy.position()), policy.name(),
                  Truncate(policy.display_name(), kNameWidth),
                  policy.calendar().empty() ? "24x7" : policy.calendar(),
                  TargetText(policy.has_first_response_target(), policy.first_response_target()),
                  TargetText(policy.has_next_response_target(), policy.next_response_target()),
                  TargetText(policy.has_resolution_target(), policy.resolution_target())});
  }
  table.Print(out);
}

}  // namespace

int RunCalendarsCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("calendars create", "Creates a business calendar for SLA clocks.");
  flags.AddString("display-name", "", "Name shown to people (required).");
  flags.AddString("time-zone", "", "IANA time zone, e.g. Asia/Tokyo (required).");
  flags.AddList("hours", "Weekly hours, e.g. \"MON-FRI 09:00-12:00,13:00-18:00\"; repeatable.");
  flags.AddList("holiday", "A holiday, YYYY-MM-DD or YYYY-MM-DD=description; repeatable.");
  flags.AddString("request-id", "", "Idempotency key: a retry with the same key creates once.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  support::v1::CreateBusinessCalendarRequest request;
  BusinessCalendar& calendar = *request.mutable_calendar();
  calendar.set_display_name(flags.GetString("display-name"));
  calendar.set_time_zone(flags.GetString("time-zone"));
  for (const std::string& spec : flags.GetList("hours")) {
    if (absl::Status added = AddHours(spec, calendar); !added.ok()) {
      return context.UsageError(flags, added.message());
    }
  }
  for (const std::string& holiday : flags.GetList("holiday")) {
    std::pair<std::string, std::string> parts = absl::StrSplit(holiday, absl::MaxSplits('=', 1));
    BusinessCalendar::Holiday& added = *calendar.add_holidays();
    added.set_date(parts.first);
    added.set_description(parts.second);
  }
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->Sla(),
                      &support::v1::SlaService::StubInterface::CreateBusinessCalendar, request);
}

int RunCalendarsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("calendars get", "Prints one calendar; NAME_OR_ID is calendars/ID or ID.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "calendars", name)) return *exit_code;
  support::v1::GetBusinessCalendarRequest request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->Sla(),
                      &support::v1::SlaService::StubInterface::GetBusinessCalendar, request);
}

int RunCalendarsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("calendars list",
                     "Lists business calendars, newest first. Filter fields: time_zone, "
                     "create_time.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->Sla(),
                      &support::v1::SlaService::StubInterface::ListBusinessCalendars,
                      support::v1::ListBusinessCalendarsRequest(), PrintCalendarTable);
}

int RunSlaPoliciesCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("sla-policies create",
                     "Creates an SLA policy. Conditions left out match every ticket.");
  flags.AddString("display-name", "", "Name shown to people (required).");
  flags.AddInt("position", 0, "Where the policy is tried; lower first.");
  flags.AddList("priority", "A ticket priority it applies to (LOW..URGENT); repeatable.");
  flags.AddList("tier", "An account tier it applies to (HIGH_TOUCH, ...); repeatable.");
  flags.AddList("channel", "A ticket channel it applies to (EMAIL, ...); repeatable.");
  flags.AddList("type", "A ticket type it applies to (INCIDENT, ...); repeatable.");
  flags.AddString("calendar", "", "Business calendar, calendars/ID or ID; none means 24x7.");
  flags.AddDuration("first-response", absl::ZeroDuration(), "First response target, e.g. 4h.");
  flags.AddDuration("next-response", absl::ZeroDuration(), "Next response target, e.g. 8h.");
  flags.AddDuration("resolution", absl::ZeroDuration(), "Resolution target, e.g. 40h.");
  flags.AddString("request-id", "", "Idempotency key: a retry with the same key creates once.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  support::v1::CreateSlaPolicyRequest request;
  SlaPolicy& policy = *request.mutable_sla_policy();
  policy.set_display_name(flags.GetString("display-name"));
  policy.set_position(static_cast<int32_t>(flags.GetInt("position")));
  auto priorities = EnumList(flags, "priority", Ticket::Priority_descriptor());
  auto tiers = EnumList(flags, "tier", success::v1::TouchTier_descriptor());
  auto channels = EnumList(flags, "channel", Ticket::Channel_descriptor());
  auto types = EnumList(flags, "type", Ticket::Type_descriptor());
  for (const auto* parsed : {&priorities, &tiers, &channels, &types}) {
    if (!parsed->ok()) return context.UsageError(flags, parsed->status().message());
  }
  for (int v : *priorities) policy.add_priorities(static_cast<Ticket::Priority>(v));
  for (int v : *tiers) policy.add_account_tiers(static_cast<success::v1::TouchTier>(v));
  for (int v : *channels) policy.add_channels(static_cast<Ticket::Channel>(v));
  for (int v : *types) policy.add_types(static_cast<Ticket::Type>(v));
  if (const std::string& calendar = flags.GetString("calendar"); !calendar.empty()) {
    absl::StatusOr<std::string> name = ResourceNameOf("calendars", calendar);
    if (!name.ok()) {
      return context.UsageError(flags, absl::StrCat("--calendar: ", name.status().message()));
    }
    policy.set_calendar(*name);
  }
  if (flags.IsSet("first-response")) {
    *policy.mutable_first_response_target() = ToProtoDuration(flags.GetDuration("first-response"));
  }
  if (flags.IsSet("next-response")) {
    *policy.mutable_next_response_target() = ToProtoDuration(flags.GetDuration("next-response"));
  }
  if (flags.IsSet("resolution")) {
    *policy.mutable_resolution_target() = ToProtoDuration(flags.GetDuration("resolution"));
  }
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->Sla(),
                      &support::v1::SlaService::StubInterface::CreateSlaPolicy, request);
}

int RunSlaPoliciesGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("sla-policies get",
                     "Prints one SLA policy; NAME_OR_ID is slaPolicies/ID or ID.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "slaPolicies", name)) return *exit_code;
  support::v1::GetSlaPolicyRequest request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->Sla(),
                      &support::v1::SlaService::StubInterface::GetSlaPolicy, request);
}

int RunSlaPoliciesList(const CommandContext& context, const Args& args) {
  CommandFlags flags("sla-policies list",
                     "Lists SLA policies in the order they are tried. Filter: calendar = "
                     "calendars/ID (or \"\" for 24x7).");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  if (!list.order_by.empty()) {
    return context.UsageError(flags, "--order-by: policies are always listed in the order tried");
  }
  return ListAndPrint(context, flags, list, context.clients->Sla(),
                      &support::v1::SlaService::StubInterface::ListSlaPolicies,
                      support::v1::ListSlaPoliciesRequest(), PrintPolicyTable);
}

}  // namespace tandem::ctl
