// `tandemctl accounts ...`: accounts in the Success service.
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

  auto stub = context.clients->Success();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  Account created;
  if (grpc::Status status = (*stub)->CreateAccount(&call, request, &created); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(created);
}

int RunAccountsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("accounts get", "Prints one account; NAME_OR_ID is accounts/ID or ID.");
  flags.AddPositional("NAME_OR_ID");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf("accounts", flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());

  auto stub = context.clients->Success();
  if (!stub.ok()) return context.Fail(stub.status());
  success::v1::GetAccountRequest request;
  request.set_name(*name);
  grpc::ClientContext call;
  context.PrepareCall(call);
  Account account;
  if (grpc::Status status = (*stub)->GetAccount(&call, request, &account); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(account);
}

int RunAccountsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("accounts list",
                     "Lists accounts, newest first. Filter fields: touch_tier, lifecycle_stage, "
                     "owner, plan, external_id.");
  ListFlags::Declare(flags, /*filterable=*/true);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<ListFlags> list = ListFlags::Read(flags, /*filterable=*/true);
  if (!list.ok()) return context.UsageError(flags, list.status().message());

  auto stub = context.clients->Success();
  if (!stub.ok()) return context.Fail(stub.status());
  success::v1::ListAccountsResponse accounts;
  grpc::Status status = FetchPages(
      *list,
      [&](const std::string& page_token, success::v1::ListAccountsResponse& page) {
        success::v1::ListAccountsRequest request;
        request.set_page_size(list->page_size);
        request.set_page_token(page_token);
        request.set_filter(list->filter);
        request.set_order_by(list->order_by);
        grpc::ClientContext call;
        context.PrepareCall(call);
        return (*stub)->ListAccounts(&call, request, &page);
      },
      accounts);
  if (!status.ok()) return context.Fail(status);
  const int exit_code =
      context.Print(accounts, [&](std::ostream& out) { PrintAccountTable(out, accounts); });
  PrintNextPageHint(context, flags, accounts.next_page_token());
  return exit_code;
}

}  // namespace tandem::ctl
