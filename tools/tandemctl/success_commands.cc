// `tandemctl accounts ...`: accounts in the Success service.
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"
#include "tools/tandemctl/success_format.h"

namespace tandem::ctl {
namespace {

using success::v1::Account;
using success::v1::TouchTier_Name;

constexpr size_t kDisplayNameWidth = 32;

void PrintAccountTable(std::ostream& out, const success::v1::ListAccountsResponse& response) {
  Table table({"NAME", "DISPLAY NAME", "TIER", "STAGE", "PLAN", "OWNER", "CREATED"});
  for (const Account& account : response.accounts()) {
    table.AddRow({account.name(), Truncate(account.display_name(), kDisplayNameWidth),
                  TouchTier_Name(account.touch_tier()),
                  Account::LifecycleStage_Name(account.lifecycle_stage()), OrDash(account.plan()),
                  OrDash(account.owner()), FormatTimestamp(account.create_time())});
  }
  table.Print(out);
}

}  // namespace

int RunAccountsCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("accounts create", "Creates an account in Success and prints it.");
  flags.AddString("display-name", "", "Human name of the company (the server requires it).");
  flags.AddString("external-id", "", "The account's id in the CRM or billing system.");
  flags.AddString("owner", "", "Subject (user id) of the CSM who owns the account.");
  flags.AddString("plan", "", "Name of the customer's plan, e.g. enterprise.");
  flags.AddString("currency", "",
                  "ISO 4217 currency of the account's revenue (server default USD).");
  flags.AddEnum("tier", success::v1::TouchTier_descriptor(), "Touch tier.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  success::v1::CreateAccountRequest request;
  Account& account = *request.mutable_account();
  account.set_display_name(flags.GetString("display-name"));
  account.set_external_id(flags.GetString("external-id"));
  account.set_owner(flags.GetString("owner"));
  account.set_plan(flags.GetString("plan"));
  account.set_currency_code(flags.GetString("currency"));
  account.set_touch_tier(static_cast<success::v1::TouchTier>(flags.GetEnum("tier")));
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->Success(),
                      &success::v1::SuccessService::StubInterface::CreateAccount, request);
}

int RunAccountsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("accounts get", "Prints one account; NAME_OR_ID is accounts/ID or ID.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "accounts", name)) return *exit_code;
  success::v1::GetAccountRequest request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->Success(),
                      &success::v1::SuccessService::StubInterface::GetAccount, request);
}

int RunAccountsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("accounts list",
                     "Lists accounts, newest first. Filter fields: touch_tier, lifecycle_stage, "
                     "owner, plan, external_id.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->Success(),
                      &success::v1::SuccessService::StubInterface::ListAccounts,
                      success::v1::ListAccountsRequest(), PrintAccountTable);
}

int RunAccountsUpdate(const CommandContext& context, const Args& args) {
  CommandFlags flags("accounts update",
                     "Changes the fields given as flags (only those), e.g. --seats 50 --renewal "
                     "2027-03-01T00:00:00Z. The tier changes with `success` revenue commands, "
                     "MRR only through the ledger (`success mrr record`).");
  flags.AddString("display-name", "", "New name.");
  flags.AddString("external-id", "", "New CRM or billing id.");
  flags.AddString("owner", "", "New owner (the CSM's subject).");
  flags.AddString("plan", "", "New plan.");
  flags.AddString("currency", "", "New ISO 4217 currency (only before any revenue).");
  flags.AddInt("seats", 0, "Seats the contract licenses; 0: unknown.");
  flags.AddString("contract-start", "",
                  "When the contract started: RFC 3339 or a duration ago (400d); empty clears.");
  flags.AddString("renewal", "",
                  "When the contract renews: RFC 3339 or a duration from now (90d); empty clears.");
  flags.AddEnum("stage", Account::LifecycleStage_descriptor(),
                "ONBOARDING, ADOPTION, EXPANSION or RENEWAL (CHURNED comes from the ledger).");
  flags.AddString("etag", "", "Refuse the update if the account changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "accounts", name)) return *exit_code;

  success::v1::UpdateAccountRequest request;
  Account& account = *request.mutable_account();
  account.set_name(name);
  account.set_etag(flags.GetString("etag"));
  UpdateMask mask(flags, *request.mutable_update_mask());
  if (mask("display-name", "display_name")) {
    account.set_display_name(flags.GetString("display-name"));
  }
  if (mask("external-id", "external_id")) account.set_external_id(flags.GetString("external-id"));
  if (mask("owner", "owner")) account.set_owner(flags.GetString("owner"));
  if (mask("plan", "plan")) account.set_plan(flags.GetString("plan"));
  if (mask("currency", "currency_code")) account.set_currency_code(flags.GetString("currency"));
  if (mask("seats", "seats_licensed")) {
    const int64_t seats = flags.GetInt("seats");
    if (seats < 0 || seats > std::numeric_limits<int32_t>::max()) {
      return context.UsageError(flags, "--seats must be 0 or more");
    }
    account.set_seats_licensed(static_cast<int32_t>(seats));
  }
  // A time flag given empty clears the field (named in the mask, left unset).
  auto set_time = [&](absl::string_view flag, absl::string_view path, int direction,
                      google::protobuf::Timestamp* (Account::*field)()) -> std::optional<int> {
    if (!mask(flag, path) || flags.GetString(flag).empty()) return std::nullopt;
    absl::StatusOr<absl::Time> parsed =
        ParseTimeOrOffset(flags.GetString(flag), context.clock->Now(), direction);
    if (!parsed.ok()) {
      return context.UsageError(flags, absl::StrCat("--", flag, ": ", parsed.status().message()));
    }
    *(account.*field)() = ToProtoTime(*parsed);
    return std::nullopt;
  };
  if (auto exit_code = set_time("contract-start", "contract_start_time", -1,
                                &Account::mutable_contract_start_time)) {
    return *exit_code;
  }
  if (auto exit_code = set_time("renewal", "renewal_time", +1, &Account::mutable_renewal_time)) {
    return *exit_code;
  }
  if (mask("stage", "lifecycle_stage")) {
    account.set_lifecycle_stage(static_cast<Account::LifecycleStage>(flags.GetEnum("stage")));
  }
  if (mask.empty()) {
    return context.UsageError(flags, "give at least one field to change, e.g. --seats 50");
  }
  return CallAndPrint(context, context.clients->Success(),
                      &success::v1::SuccessService::StubInterface::UpdateAccount, request);
}

}  // namespace tandem::ctl
