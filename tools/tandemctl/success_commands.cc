// `tandemctl accounts ...`: accounts in the Success service.
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

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

}  // namespace tandem::ctl
