// `tandemctl success ...`: the everyday views of a customer-success team
// over the Success server — the book of business, an account's health and
// why, my open CTAs (and closing or snoozing them), renewals due.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/proto_time.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"
#include "tools/tandemctl/success_format.h"

namespace tandem::ctl {
namespace {

using success::v1::Account;
using success::v1::AccountHealth;
using success::v1::Cta;
using success::v1::HealthComparison;
using success::v1::MeasureChange;
using success::v1::MeasureScore;
using success::v1::Renewal;

constexpr size_t kDisplayNameWidth = 28;
constexpr size_t kReasonsWidth = 70;
constexpr size_t kExplanationWidth = 72;
// Most accounts whose display names a table looks up, one call each.
constexpr size_t kMaxAccountLookups = 100;
// The longest renewal window ListRenewals takes, in days.
constexpr int64_t kMaxRenewalDays = 3650;
// The longest window ListAccounts' renewal_within_days takes, in days.
constexpr int64_t kMaxAccountRenewalDays = 3660;
// Most accounts `success renewals` checks for an untracked renewal date.
constexpr int32_t kUntrackedPageSize = 500;

// Returns " AND "-joined `terms`, then `extra` (the user's own --filter).
std::string JoinFilter(std::vector<std::string> terms, const std::string& extra) {
  if (!extra.empty()) terms.push_back(extra);
  return absl::StrJoin(terms, " AND ");
}

// Reads --owner and --mine into the owner a list is limited to: the
// subject given, the token's subject, or "" for anyone. Returns an exit code
// when the command line is wrong.
std::optional<int> ReadOwner(const CommandContext& context, const CommandFlags& flags,
                             std::string& owner) {
  if (flags.GetBool("mine") && flags.IsSet("owner")) {
    return context.UsageError(flags, "give --mine or --owner, not both");
  }
  if (flags.GetBool("mine")) {
    absl::StatusOr<std::string> subject = TokenSubject(context.options.token);
    if (!subject.ok()) {
      return context.UsageError(flags,
                                absl::StrCat("--mine reads your subject from the token, but ",
                                             subject.status().message(), "; give --owner instead"));
    }
    owner = *std::move(subject);
    return std::nullopt;
  }
  owner = flags.GetString("owner");
  return std::nullopt;
}

// Returns "72 GREEN" (with the trend when known), or "-" for an account
// never scored.
std::string HealthCell(int32_t score, success::v1::HealthBand band,
                       success::v1::HealthTrend trend) {
  if (band == success::v1::HEALTH_BAND_UNSPECIFIED) return "-";
  std::string cell = absl::StrCat(score, " ", success::v1::HealthBand_Name(band));
  if (trend != success::v1::HEALTH_TREND_UNSPECIFIED) {
    absl::StrAppend(&cell, " ", success::v1::HealthTrend_Name(trend));
  }
  return cell;
}

// Returns the display name of each of `accounts` (resource names) that
// Success lets the caller read; the others are left out. For table cells
// only: one GetAccount per account, at most kMaxAccountLookups.
std::map<std::string, std::string> AccountDisplayNames(const CommandContext& context,
                                                       const std::set<std::string>& accounts) {
  std::map<std::string, std::string> names;
  auto stub = context.clients->Success();
  if (!stub.ok() || context.options.json) return names;
  for (const std::string& account : accounts) {
    if (names.size() >= kMaxAccountLookups) break;
    success::v1::GetAccountRequest request;
    request.set_name(account);
    Account found;
    if (Call(context, **stub, &success::v1::SuccessService::StubInterface::GetAccount, request,
             &found)
            .ok() &&
        !found.display_name().empty()) {
      names[account] = found.display_name();
    }
  }
  return names;
}

// Returns the account's display name from `names`, else its resource name.
std::string AccountCell(const std::map<std::string, std::string>& names,
                        const std::string& account) {
  auto found = names.find(account);
  return found == names.end() ? OrDash(account) : Truncate(found->second, kDisplayNameWidth);
}

// Returns the date of `t` and how far it is from now, e.g.
// "2026-12-01 (in 9d)"; "-" when unset.
std::string DueCell(const google::protobuf::Timestamp& t, absl::Time now) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::StrCat(FormatDate(t), " (", DaysFromNow(t, now), ")");
}

// --- success book ---------------------------------------------------------

void PrintBook(std::ostream& out, const success::v1::ListAccountsResponse& response) {
  Table table(
      {"NAME", "DISPLAY NAME", "TIER", "STAGE", "MRR", "ARR", "HEALTH", "OWNER", "RENEWAL"});
  std::map<std::string, int64_t> arr_by_currency;
  for (const Account& account : response.accounts()) {
    table.AddRow({account.name(), Truncate(account.display_name(), kDisplayNameWidth),
                  success::v1::TouchTier_Name(account.touch_tier()),
                  Account::LifecycleStage_Name(account.lifecycle_stage()),
                  FormatMoney(account.mrr_minor(), account.currency_code()),
                  FormatMoney(account.arr_minor(), account.currency_code()),
                  HealthCell(account.health_score(), account.health_band(), account.health_trend()),
                  OrDash(account.owner()), FormatDate(account.renewal_time())});
    arr_by_currency[account.currency_code()] += account.arr_minor();
  }
  if (response.accounts_size() > 0) table.Print(out);
  std::vector<std::string> totals;
  for (const auto& [currency, arr] : arr_by_currency) totals.push_back(FormatMoney(arr, currency));
  out << response.accounts_size() << (response.accounts_size() == 1 ? " account" : " accounts");
  if (!totals.empty()) out << ", ARR " << absl::StrJoin(totals, " + ");
  out << "\n";
}

// --- success health -------------------------------------------------------

// Writes the account, the score line, when it was computed and the
// breakdown table. `display_name` may be empty.
void PrintHealth(std::ostream& out, const AccountHealth& health, const std::string& display_name) {
  out << "account:   "
      << (display_name.empty() ? health.account()
                               : absl::StrCat(display_name, " (", health.account(), ")"))
      << "\n";
  if (health.band() == success::v1::HEALTH_BAND_UNSPECIFIED) {
    out << "score:     not scored yet; the account's first review scores it (any change that "
           "can move its health, or the daily pass)\n";
    return;
  }
  out << "score:     " << HealthCell(health.score(), health.band(), health.trend()) << "\n"
      << "computed:  " << FormatTimestamp(health.compute_time())
      << (health.cause().empty() ? "" : absl::StrCat(" (", health.cause(), ")")) << "\n";
  const MeasureScore* largest = nullptr;
  bool any_unknown = false;
  Table table({"MEASURE", "WEIGHT", "SCORE", "POINTS", "LOST", "EXPLANATION"});
  for (const MeasureScore& measure : health.breakdown()) {
    const bool known = measure.known();
    if (!known) any_unknown = true;
    table.AddRow({MeasureScore::Measure_Name(measure.measure()), absl::StrCat(measure.weight()),
                  known ? absl::StrCat(measure.score()) : "no data",
                  known ? absl::StrCat(measure.points(), "/", measure.max_points()) : "-",
                  known ? absl::StrCat(measure.points_lost()) : "-",
                  Truncate(OrDash(measure.explanation()), kExplanationWidth)});
    if (known && measure.points_lost() > 0 &&
        (largest == nullptr || measure.points_lost() > largest->points_lost())) {
      largest = &measure;
    }
  }
  out << "\n";
  table.Print(out);
  if (any_unknown) out << "(a measure with no data gives its weight to the others)\n";
  if (largest != nullptr) {
    out << "\nlargest loss: " << MeasureScore::Measure_Name(largest->measure()) << ", "
        << largest->points_lost() << (largest->points_lost() == 1 ? " point" : " points")
        << (largest->explanation().empty() ? "" : absl::StrCat(": ", largest->explanation()))
        << "\n";
  }
}

// Writes the latest health, then what changed since the comparison's time.
void PrintComparison(std::ostream& out, const HealthComparison& comparison,
                     const std::string& display_name) {
  PrintHealth(out, comparison.now(), display_name);
  out << "\nsince " << FormatTimestamp(comparison.since_time()) << ": ";
  if (comparison.has_then()) {
    const AccountHealth& then = comparison.then();
    out << HealthCell(then.score(), then.band(), success::v1::HEALTH_TREND_UNSPECIFIED) << " (at "
        << FormatTimestamp(then.compute_time()) << ") -> "
        << HealthCell(comparison.now().score(), comparison.now().band(),
                      success::v1::HEALTH_TREND_UNSPECIFIED);
  } else {
    out << "not scored then -> "
        << HealthCell(comparison.now().score(), comparison.now().band(),
                      success::v1::HEALTH_TREND_UNSPECIFIED);
  }
  out << ", " << (comparison.score_change() > 0 ? "+" : "") << comparison.score_change()
      << " points" << (comparison.band_changed() ? ", band changed" : "") << "\n\n";
  Table table({"MEASURE", "THEN", "NOW", "IMPACT", "WHAT CHANGED"});
  for (const MeasureChange& change : comparison.changes()) {
    std::string what = change.explanation_now();
    if (!change.explanation_then().empty() && change.explanation_then() != what) {
      what = absl::StrCat(change.explanation_then(), " -> ", what);
    }
    table.AddRow({MeasureScore::Measure_Name(change.measure()), absl::StrCat(change.score_then()),
                  absl::StrCat(change.score_now()),
                  absl::StrCat(change.impact() > 0 ? "+" : "", change.impact()),
                  Truncate(OrDash(what), kExplanationWidth)});
  }
  table.Print(out);
}

// --- success ctas / cta ---------------------------------------------------

// Returns the reasons of `cta` for a table cell, oldest first.
std::string ReasonsCell(const Cta& cta) {
  std::vector<std::string> texts;
  for (const success::v1::CtaReason& reason : cta.reasons()) texts.push_back(reason.text());
  if (texts.empty()) return OrDash(cta.title());
  return Truncate(absl::StrJoin(texts, "; "), kReasonsWidth);
}

void PrintCtas(const CommandContext& context, std::ostream& out,
               const success::v1::ListCtasResponse& response) {
  std::vector<const Cta*> ctas;
  std::set<std::string> accounts;
  for (const Cta& cta : response.ctas()) {
    ctas.push_back(&cta);
    accounts.insert(cta.account());
  }
  // A to-do list: soonest due first (none last), then the most urgent.
  std::stable_sort(ctas.begin(), ctas.end(), [](const Cta* a, const Cta* b) {
    const bool a_due = a->has_due_time(), b_due = b->has_due_time();
    if (a_due != b_due) return a_due;
    if (a_due && FromProtoTime(a->due_time()) != FromProtoTime(b->due_time())) {
      return FromProtoTime(a->due_time()) < FromProtoTime(b->due_time());
    }
    return a->priority() > b->priority();
  });
  const std::map<std::string, std::string> names = AccountDisplayNames(context, accounts);
  const absl::Time now = context.clock->Now();
  Table table({"NAME", "ACCOUNT", "TYPE", "PRIORITY", "STATUS", "DUE", "OWNER", "REASONS"});
  for (const Cta* cta : ctas) {
    std::string status = Cta::Status_Name(cta->status());
    if (cta->status() == Cta::SNOOZED) {
      absl::StrAppend(&status, " until ", FormatDate(cta->snooze_until()));
    }
    table.AddRow({cta->name(), AccountCell(names, cta->account()), Cta::Type_Name(cta->type()),
                  Cta::Priority_Name(cta->priority()), status, DueCell(cta->due_time(), now),
                  OrDash(cta->owner()), ReasonsCell(*cta)});
  }
  if (!ctas.empty()) table.Print(out);
  out << ctas.size() << (ctas.size() == 1 ? " CTA" : " CTAs") << "\n";
}

// Writes a CTA as "field: value" lines, its reasons one per line.
void PrintCta(std::ostream& out, const Cta& cta) {
  Cta fields = cta;
  fields.clear_reasons();
  for (absl::string_view line : absl::StrSplit(FormatFields(fields), '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "reasons:")) {
      out << line << "\n";
      continue;
    }
    out << (cta.reasons().empty() ? line : "reasons:") << "\n";
    for (const success::v1::CtaReason& reason : cta.reasons()) {
      out << "  " << FormatTimestamp(reason.add_time()) << "  " << reason.text()
          << (reason.playbook().empty() ? "" : absl::StrCat(" (", reason.playbook(), ")")) << "\n";
    }
  }
}

// Closes a CTA as `outcome` (COMPLETED or CANCELLED).
int CloseCta(const CommandContext& context, const Args& args, Cta::Status outcome) {
  const bool completing = outcome == Cta::COMPLETED;
  CommandFlags flags(completing ? "success cta complete" : "success cta cancel",
                     completing ? "Completes an open CTA; NAME_OR_ID is ctas/ID or ID."
                                : "Cancels an open CTA (dropped, not done).");
  flags.AddString("note", "", "What was done (or why it was dropped), at most 2,000 bytes.");
  flags.AddString("etag", "", "Refuse the close if the CTA changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "ctas", name)) return *exit_code;
  success::v1::CloseCtaRequest request;
  request.set_name(name);
  request.set_outcome(outcome);
  request.set_note(flags.GetString("note"));
  request.set_etag(flags.GetString("etag"));
  return CallAndPrint(context, context.clients->Playbooks(),
                      &success::v1::PlaybookService::StubInterface::CloseCta, request, PrintCta);
}

// Snoozes a CTA until a time, or wakes it (clears the snooze) when `until`
// is false.
int SnoozeCta(const CommandContext& context, const Args& args, bool snooze) {
  CommandFlags flags(snooze ? "success cta snooze" : "success cta wake",
                     snooze ? "Puts an open CTA aside until --until; it reads as OPEN again then."
                            : "Wakes a snoozed CTA now.");
  if (snooze) {
    flags.AddString("until", "",
                    "When it wakes: RFC 3339 or a duration from now (3d, 36h); within a year.",
                    /*required=*/true);
  }
  flags.AddString("etag", "", "Refuse the change if the CTA changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "ctas", name)) return *exit_code;
  success::v1::UpdateCtaRequest request;
  Cta& cta = *request.mutable_cta();
  cta.set_name(name);
  cta.set_etag(flags.GetString("etag"));
  request.mutable_update_mask()->add_paths("snooze_until");
  if (snooze) {
    absl::StatusOr<absl::Time> until =
        ParseTimeOrOffset(flags.GetString("until"), context.clock->Now(), +1);
    if (!until.ok()) {
      return context.UsageError(flags, absl::StrCat("--until: ", until.status().message()));
    }
    *cta.mutable_snooze_until() = ToProtoTime(*until);
  }
  return CallAndPrint(context, context.clients->Playbooks(),
                      &success::v1::PlaybookService::StubInterface::UpdateCta, request, PrintCta);
}

int GetCta(const CommandContext& context, const Args& args) {
  CommandFlags flags("success cta get", "Prints one CTA with its reasons.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "ctas", name)) return *exit_code;
  success::v1::GetCtaRequest request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->Playbooks(),
                      &success::v1::PlaybookService::StubInterface::GetCta, request, PrintCta);
}

int OpenCta(const CommandContext& context, const Args& args) {
  CommandFlags flags("success cta open",
                     "Opens a CTA by hand on an account; NAME_OR_ID is accounts/ID or ID.");
  flags.AddEnum("type", Cta::Type_descriptor(), "What it is about (required).");
  flags.AddString("title", "", "A short title (required).");
  flags.AddEnum("priority", Cta::Priority_descriptor(), "How urgent (default MEDIUM).");
  flags.AddString("due", "", "When it should be done: RFC 3339 or a duration from now (7d).");
  flags.AddString("owner", "", "The CSM who owns it (default: the account's owner).");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  std::string account;
  if (auto exit_code = ParseNamed(context, flags, args, "accounts", account)) return *exit_code;
  success::v1::CreateCtaRequest request;
  Cta& cta = *request.mutable_cta();
  cta.set_account(account);
  cta.set_type(static_cast<Cta::Type>(flags.GetEnum("type")));
  cta.set_title(flags.GetString("title"));
  cta.set_priority(static_cast<Cta::Priority>(flags.GetEnum("priority")));
  cta.set_owner(flags.GetString("owner"));
  if (flags.IsSet("due")) {
    absl::StatusOr<absl::Time> due =
        ParseTimeOrOffset(flags.GetString("due"), context.clock->Now(), +1);
    if (!due.ok())
      return context.UsageError(flags, absl::StrCat("--due: ", due.status().message()));
    *cta.mutable_due_time() = ToProtoTime(*due);
  }
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->Playbooks(),
                      &success::v1::PlaybookService::StubInterface::CreateCta, request, PrintCta);
}

// --- success renewals -----------------------------------------------------

// Returns `accounts/{a}` of a name under an account, e.g. of
// `accounts/A/renewals/R`.
std::string AccountOf(const std::string& name) {
  const size_t slash = name.find('/', std::string("accounts/").size());
  return slash == std::string::npos ? name : name.substr(0, slash);
}

// Which accounts `success renewals` checks for a renewal date with no open
// renewal tracking it.
struct UntrackedRenewalQuery {
  bool enabled = false;
  int32_t within_days = 0;
  std::string owner;
};

// Writes the accounts whose `renewal_time` lies within the window but that
// have no open renewal among `tracked` (account names), so a renewal date
// set on the account is not missed. A failed call is reported on stderr
// only: the renewals above it stand.
void PrintUntrackedRenewals(const CommandContext& context, std::ostream& out,
                            const UntrackedRenewalQuery& query,
                            const std::set<std::string>& tracked) {
  auto stub = context.clients->Success();
  if (!stub.ok()) return;
  success::v1::ListAccountsRequest request;
  request.set_renewal_within_days(query.within_days);
  request.set_order_by("renewal_time");
  request.set_page_size(kUntrackedPageSize);
  if (!query.owner.empty())
    request.set_filter(absl::StrCat("owner = ", QuoteFilterValue(query.owner)));
  success::v1::ListAccountsResponse response;
  grpc::Status status =
      Call(context, **stub, &success::v1::SuccessService::StubInterface::ListAccounts, request,
           &response);
  if (!status.ok()) {
    *context.err << "tandemctl: could not look for accounts renewing without a renewal: "
                 << status.error_message() << "\n";
    return;
  }
  const absl::Time now = context.clock->Now();
  Table table({"ACCOUNT", "DISPLAY NAME", "RENEWAL", "ARR", "OWNER"});
  int count = 0;
  for (const Account& account : response.accounts()) {
    if (tracked.contains(account.name())) continue;
    ++count;
    table.AddRow({account.name(), Truncate(account.display_name(), kDisplayNameWidth),
                  DueCell(account.renewal_time(), now),
                  FormatMoney(account.arr_minor(), account.currency_code()),
                  OrDash(account.owner())});
  }
  if (count == 0) return;
  out << "\n"
      << count << (count == 1 ? " account renews" : " accounts renew")
      << " within the window with no open renewal to track it:\n";
  table.Print(out);
}

void PrintRenewals(const CommandContext& context, std::ostream& out,
                   const success::v1::ListRenewalsResponse& response,
                   const UntrackedRenewalQuery& untracked) {
  std::set<std::string> accounts;
  for (const Renewal& renewal : response.renewals()) accounts.insert(AccountOf(renewal.name()));
  const std::map<std::string, std::string> names = AccountDisplayNames(context, accounts);
  const absl::Time now = context.clock->Now();
  Table table({"NAME", "ACCOUNT", "DUE", "STAGE", "TARGET", "FORECAST", "OWNER"});
  std::map<std::string, int64_t> forecast_by_currency;
  for (const Renewal& renewal : response.renewals()) {
    table.AddRow({renewal.name(), AccountCell(names, AccountOf(renewal.name())),
                  DueCell(renewal.due_time(), now), Renewal::Stage_Name(renewal.stage()),
                  FormatMoney(renewal.target_amount_minor(), renewal.currency_code()),
                  FormatMoney(renewal.forecast_amount_minor(), renewal.currency_code()),
                  OrDash(renewal.owner())});
    forecast_by_currency[renewal.currency_code()] += renewal.forecast_amount_minor();
  }
  if (response.renewals_size() > 0) table.Print(out);
  std::vector<std::string> totals;
  for (const auto& [currency, amount] : forecast_by_currency) {
    totals.push_back(FormatMoney(amount, currency));
  }
  out << response.renewals_size() << (response.renewals_size() == 1 ? " renewal" : " renewals");
  if (!totals.empty()) out << ", forecast " << absl::StrJoin(totals, " + ");
  out << "\n";
  if (untracked.enabled) PrintUntrackedRenewals(context, out, untracked, accounts);
}

}  // namespace

int RunSuccessBook(const CommandContext& context, const Args& args) {
  CommandFlags flags(
      "success book",
      "The book of business: accounts with tier, stage, MRR/ARR, health and renewal date, "
      "largest MRR first (soonest renewal first with --renewal-within). --filter adds conditions "
      "on touch_tier, lifecycle_stage, health_band, "
      "owner, plan, "
      "external_id, renewal_time.");
  flags.AddString("owner", "", "Only the accounts this CSM (token subject) owns.");
  flags.AddBool("mine", false, "Only your accounts: those the --token's subject owns.");
  flags.AddEnum("tier", success::v1::TouchTier_descriptor(), "Only this touch tier.");
  flags.AddEnum("band", success::v1::HealthBand_descriptor(), "Only this health band.");
  flags.AddEnum("stage", Account::LifecycleStage_descriptor(), "Only this lifecycle stage.");
  flags.AddString("plan", "", "Only this plan.");
  flags.AddInt("renewal-within", 0,
               "Only accounts whose renewal date lies within this many days (1 to 3660).");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list,
                                      "`mrr_minor desc` (the default; `renewal_time` with "
                                      "--renewal-within), `mrr_minor`, `renewal_time` (soonest "
                                      "first), `renewal_time desc`, `create_time desc` or "
                                      "`create_time`.")) {
    return *exit_code;
  }
  std::string owner;
  if (auto exit_code = ReadOwner(context, flags, owner)) return *exit_code;
  const int64_t within = flags.GetInt("renewal-within");
  if (within < 0 || within > 3660) {
    return context.UsageError(flags, "--renewal-within must be between 1 and 3660 days");
  }
  std::vector<std::string> terms;
  if (!owner.empty()) terms.push_back(absl::StrCat("owner = ", QuoteFilterValue(owner)));
  if (flags.IsSet("tier")) {
    terms.push_back(absl::StrCat(
        "touch_tier = ",
        success::v1::TouchTier_Name(static_cast<success::v1::TouchTier>(flags.GetEnum("tier")))));
  }
  if (flags.IsSet("band")) {
    terms.push_back(absl::StrCat(
        "health_band = ",
        success::v1::HealthBand_Name(static_cast<success::v1::HealthBand>(flags.GetEnum("band")))));
  }
  if (flags.IsSet("stage")) {
    terms.push_back(absl::StrCat(
        "lifecycle_stage = ", Account::LifecycleStage_Name(
                                  static_cast<Account::LifecycleStage>(flags.GetEnum("stage")))));
  }
  if (flags.IsSet("plan")) {
    terms.push_back(absl::StrCat("plan = ", QuoteFilterValue(flags.GetString("plan"))));
  }
  list.filter = JoinFilter(std::move(terms), list.filter);
  // Renewing soon: soonest first; else the largest accounts first.
  if (list.order_by.empty()) list.order_by = within > 0 ? "renewal_time" : "mrr_minor desc";
  success::v1::ListAccountsRequest request;
  request.set_renewal_within_days(static_cast<int32_t>(within));
  return ListAndPrint(context, flags, list, context.clients->Success(),
                      &success::v1::SuccessService::StubInterface::ListAccounts, request,
                      PrintBook);
}

int RunSuccessHealth(const CommandContext& context, const Args& args) {
  CommandFlags flags("success health",
                     "An account's health: score, band, trend and the breakdown that explains "
                     "it; with --since also what changed since then. NAME_OR_ID is accounts/ID "
                     "or ID.");
  flags.AddString("since", "",
                  "Also compare with the health in force then: RFC 3339 or a duration ago "
                  "(7d, 36h).");
  std::string account;
  if (auto exit_code = ParseNamed(context, flags, args, "accounts", account)) return *exit_code;
  // Looked up only when a person reads the answer.
  auto display_name = [&]() {
    const std::map<std::string, std::string> names = AccountDisplayNames(context, {account});
    return names.empty() ? std::string() : names.begin()->second;
  };
  if (!flags.IsSet("since")) {
    success::v1::GetAccountHealthRequest request;
    request.set_name(absl::StrCat(account, "/health"));
    return CallAndPrint(context, context.clients->AccountHealth(),
                        &success::v1::HealthService::StubInterface::GetAccountHealth, request,
                        [&](std::ostream& out, const AccountHealth& health) {
                          PrintHealth(out, health, display_name());
                        });
  }
  absl::StatusOr<absl::Time> since =
      ParseTimeOrOffset(flags.GetString("since"), context.clock->Now(), -1);
  if (!since.ok()) {
    return context.UsageError(flags, absl::StrCat("--since: ", since.status().message()));
  }
  success::v1::CompareAccountHealthRequest request;
  request.set_account(account);
  *request.mutable_since_time() = ToProtoTime(*since);
  return CallAndPrint(context, context.clients->AccountHealth(),
                      &success::v1::HealthService::StubInterface::CompareAccountHealth, request,
                      [&](std::ostream& out, const HealthComparison& comparison) {
                        PrintComparison(out, comparison, display_name());
                      });
}

int RunSuccessCtas(const CommandContext& context, const Args& args) {
  CommandFlags flags("success ctas",
                     "My open CTAs (owner = the token's subject, status OPEN), soonest due "
                     "first. --filter adds conditions on owner, account, type, priority, "
                     "status, due_time, create_time.");
  flags.AddBool("all-owners", false, "Everyone's CTAs, not only yours.");
  flags.AddString("owner", "", "This CSM's CTAs instead of yours.");
  flags.AddString("account", "", "Only this account's CTAs: accounts/ID or ID.");
  flags.AddEnum("type", Cta::Type_descriptor(), "Only this type.");
  flags.AddEnum("priority", Cta::Priority_descriptor(), "Only this priority.");
  flags.AddEnum("status", Cta::Status_descriptor(),
                "Only this status (default OPEN, which includes CTAs whose snooze ended).");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  if (flags.GetBool("all-owners") && flags.IsSet("owner")) {
    return context.UsageError(flags, "give --all-owners or --owner, not both");
  }
  std::vector<std::string> terms;
  if (flags.IsSet("owner")) {
    terms.push_back(absl::StrCat("owner = ", QuoteFilterValue(flags.GetString("owner"))));
  } else if (!flags.GetBool("all-owners")) {
    terms.push_back("owner = mine");
  }
  if (flags.IsSet("account")) {
    absl::StatusOr<std::string> account = ResourceNameOf("accounts", flags.GetString("account"));
    if (!account.ok()) {
      return context.UsageError(flags, absl::StrCat("--account: ", account.status().message()));
    }
    terms.push_back(absl::StrCat("account = ", QuoteFilterValue(*account)));
  }
  if (flags.IsSet("type")) {
    terms.push_back(
        absl::StrCat("type = ", Cta::Type_Name(static_cast<Cta::Type>(flags.GetEnum("type")))));
  }
  if (flags.IsSet("priority")) {
    terms.push_back(absl::StrCat(
        "priority = ", Cta::Priority_Name(static_cast<Cta::Priority>(flags.GetEnum("priority")))));
  }
  terms.push_back(absl::StrCat(
      "status = ", flags.IsSet("status")
                       ? Cta::Status_Name(static_cast<Cta::Status>(flags.GetEnum("status")))
                       : "OPEN"));
  list.filter = JoinFilter(std::move(terms), list.filter);
  return ListAndPrint(context, flags, list, context.clients->Playbooks(),
                      &success::v1::PlaybookService::StubInterface::ListCtas,
                      success::v1::ListCtasRequest(),
                      [&](std::ostream& out, const success::v1::ListCtasResponse& response) {
                        PrintCtas(context, out, response);
                      });
}

int RunSuccessCta(const CommandContext& context, const Args& args) {
  static const std::vector<Action> kActions = {
      {"complete", "Completes an open CTA (--note what was done).",
       [](const CommandContext& c, const Args& a) { return CloseCta(c, a, Cta::COMPLETED); }},
      {"cancel", "Cancels an open CTA (--note why).",
       [](const CommandContext& c, const Args& a) { return CloseCta(c, a, Cta::CANCELLED); }},
      {"snooze", "Snoozes an open CTA --until a time (or 3d, 36h...).",
       [](const CommandContext& c, const Args& a) { return SnoozeCta(c, a, true); }},
      {"wake", "Wakes a snoozed CTA now.",
       [](const CommandContext& c, const Args& a) { return SnoozeCta(c, a, false); }},
      {"get", "Prints one CTA with its reasons.", GetCta},
      {"open", "Opens a CTA by hand on an account.", OpenCta},
  };
  return RunAction(context, "success cta", kActions, args);
}

int RunSuccessRenewals(const CommandContext& context, const Args& args) {
  CommandFlags flags("success renewals",
                     "Open renewals due within --within days (overdue ones included), soonest "
                     "first; then the accounts whose renewal date lies in that window but that "
                     "have no open renewal. --filter adds conditions on stage, outcome, owner, "
                     "due_time, create_time (renewals only).");
  flags.AddInt("within", 90, "Days ahead, 1 to 3650; 0 for every open renewal.");
  flags.AddString("account", "", "Only this account's renewals: accounts/ID or ID.");
  flags.AddString("owner", "", "Only the renewals this person works.");
  flags.AddBool("mine", false, "Only your renewals: those the --token's subject works.");
  flags.AddEnum("stage", Renewal::Stage_descriptor(), "Only this stage.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list,
                                      "`due_time` (the default, soonest first), `due_time desc`, "
                                      "`create_time desc` or `create_time`.")) {
    return *exit_code;
  }
  const int64_t within = flags.GetInt("within");
  if (within < 0 || within > kMaxRenewalDays) {
    return context.UsageError(flags, "--within must be between 1 and 3650 days (0: no limit)");
  }
  std::string owner;
  if (auto exit_code = ReadOwner(context, flags, owner)) return *exit_code;
  success::v1::ListRenewalsRequest request;
  request.set_parent("accounts/-");
  if (flags.IsSet("account")) {
    absl::StatusOr<std::string> account = ResourceNameOf("accounts", flags.GetString("account"));
    if (!account.ok()) {
      return context.UsageError(flags, absl::StrCat("--account: ", account.status().message()));
    }
    request.set_parent(*account);
  }
  // The server keeps to open renewals when given a window; the longest one
  // (its due times are at most ten years ahead) stands for "every open one".
  request.set_due_within_days(static_cast<int32_t>(within == 0 ? kMaxRenewalDays : within));
  // Accounts without a renewal record only make sense for the whole book
  // (or an owner's part of it), not for one account, a stage or a filter.
  const bool whole_book = !flags.IsSet("account") && !flags.IsSet("stage") && list.filter.empty();
  std::vector<std::string> terms;
  if (!owner.empty()) terms.push_back(absl::StrCat("owner = ", QuoteFilterValue(owner)));
  if (flags.IsSet("stage")) {
    terms.push_back(absl::StrCat(
        "stage = ", Renewal::Stage_Name(static_cast<Renewal::Stage>(flags.GetEnum("stage")))));
  }
  list.filter = JoinFilter(std::move(terms), list.filter);
  if (list.order_by.empty()) list.order_by = "due_time";
  const UntrackedRenewalQuery untracked{
      .enabled = whole_book,
      .within_days = static_cast<int32_t>(within == 0 ? kMaxAccountRenewalDays : within),
      .owner = owner};
  return ListAndPrint(context, flags, list, context.clients->Lifecycle(),
                      &success::v1::LifecycleService::StubInterface::ListRenewals, request,
                      [&](std::ostream& out, const success::v1::ListRenewalsResponse& response) {
                        PrintRenewals(context, out, response, untracked);
                      });
}

}  // namespace tandem::ctl
