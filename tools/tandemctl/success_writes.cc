// `tandemctl success mrr|usage ...`: the small writes that let a team feed
// the views from the command line alone — revenue movements in major units
// and product usage from a JSON file.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"
#include "tools/tandemctl/success_format.h"

namespace tandem::ctl {
namespace {

using success::v1::MrrMovement;

constexpr int64_t kMaxUsageBatch = 1000;

int RecordMrr(const CommandContext& context, const Args& args) {
  CommandFlags flags("success mrr record",
                     "Records a revenue movement on an account (NAME_OR_ID: accounts/ID or ID); "
                     "the account's MRR, ARR, stage and tier follow from the ledger.");
  flags.AddEnum("type", MrrMovement::Type_descriptor(),
                "NEW, EXPANSION, CROSS_SELL, CONTRACTION, CHURN or REACTIVATION (required).");
  flags.AddString("amount", "",
                  "Change of MRR in major units of the account's currency, e.g. 1200.00; "
                  "CONTRACTION takes the decrease (200 or -200), CHURN none (the whole MRR).");
  flags.AddString("effective", "",
                  "When it took effect: RFC 3339 or a duration ago (30d); default now.");
  flags.AddString("reason", "", "Why; for CHURN it becomes the account's churn reason.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key records nothing new.");
  std::string account;
  if (auto exit_code = ParseNamed(context, flags, args, "accounts", account)) return *exit_code;
  const auto type = static_cast<MrrMovement::Type>(flags.GetEnum("type"));
  if (type == MrrMovement::TYPE_UNSPECIFIED) return context.UsageError(flags, "--type is required");
  if (!flags.IsSet("amount") && type != MrrMovement::CHURN) {
    return context.UsageError(flags, "--amount is required (in major units, e.g. 1200.00)");
  }
  absl::Time effective = context.clock->Now();
  if (flags.IsSet("effective")) {
    absl::StatusOr<absl::Time> parsed =
        ParseTimeOrOffset(flags.GetString("effective"), context.clock->Now(), -1);
    if (!parsed.ok()) {
      return context.UsageError(flags, absl::StrCat("--effective: ", parsed.status().message()));
    }
    effective = *parsed;
  }
  // The amount's minor units depend on the account's currency (JPY has
  // none), so read the account first.
  success::v1::GetAccountRequest get;
  get.set_name(account);
  return CallThen(
      context, context.clients->Success(), &success::v1::SuccessService::StubInterface::GetAccount,
      get, [&](const success::v1::Account& found) {
        int64_t delta = 0;
        if (flags.IsSet("amount")) {
          absl::StatusOr<int64_t> parsed =
              ParseMoney(flags.GetString("amount"), found.currency_code());
          if (!parsed.ok()) {
            return context.UsageError(flags, absl::StrCat("--amount: ", parsed.status().message()));
          }
          delta = *parsed;
        }
        if (type == MrrMovement::CONTRACTION && delta > 0) delta = -delta;
        success::v1::RecordMrrMovementRequest request;
        request.set_parent(account);
        MrrMovement& movement = *request.mutable_mrr_movement();
        movement.set_type(type);
        movement.set_mrr_delta_minor(delta);
        *movement.mutable_effective_time() = ToProtoTime(effective);
        movement.set_reason(flags.GetString("reason"));
        request.set_request_id(flags.GetString("request-id"));
        return CallAndPrint(context, context.clients->Revenue(),
                            &success::v1::RevenueService::StubInterface::RecordMrrMovement,
                            request);
      });
}

int IngestUsage(const CommandContext& context, const Args& args) {
  CommandFlags flags("success usage ingest",
                     "Sends product usage events from FILE: a JSON IngestUsageEventsRequest "
                     "({\"events\": [...]}) or a JSON array of events (event_id, account, "
                     "feature, user, count, event_time), in batches. Events sent before are "
                     "skipped, so a rerun is harmless.");
  flags.AddPositional("FILE");
  flags.AddInt("batch-size", kMaxUsageBatch, "Events per call, 1 to 1000.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  const int64_t batch_size = flags.GetInt("batch-size");
  if (batch_size < 1 || batch_size > kMaxUsageBatch) {
    return context.UsageError(flags, "--batch-size must be between 1 and 1000");
  }
  const std::string& path = flags.positionals()[0];
  std::ifstream file(path);
  if (!file) return context.UsageError(flags, absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  std::string json = text.str();
  if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(json), "[")) {
    json = absl::StrCat("{\"events\": ", json, "}");
  }
  success::v1::IngestUsageEventsRequest all;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(json, &all); !parsed.ok()) {
    return context.UsageError(
        flags,
        absl::StrCat(path, " is not an IngestUsageEventsRequest: ", parsed.message().as_string()));
  }
  if (all.events_size() == 0)
    return context.UsageError(flags, absl::StrCat(path, " has no events"));
  auto stub = context.clients->Usage();
  if (!stub.ok()) return context.Fail(stub.status());
  success::v1::IngestUsageEventsResponse total;
  for (int start = 0; start < all.events_size(); start += static_cast<int>(batch_size)) {
    const int end = std::min(all.events_size(), start + static_cast<int>(batch_size));
    success::v1::IngestUsageEventsRequest batch;
    for (int i = start; i < end; ++i) *batch.add_events() = all.events(i);
    success::v1::IngestUsageEventsResponse response;
    grpc::Status status =
        Call(context, **stub, &success::v1::UsageService::StubInterface::IngestUsageEvents, batch,
             &response);
    if (!status.ok()) {
      context.Fail(status);
      // The server numbers the events from 0 within each batch.
      *context.err << "The failed batch held events " << start << " to " << end - 1 << " of "
                   << path << " (events[i] above is event " << start << " + i); "
                   << total.accepted_count() << " events before it were recorded.\n";
      return kExitFailure;
    }
    total.set_accepted_count(total.accepted_count() + response.accepted_count());
    total.set_duplicate_count(total.duplicate_count() + response.duplicate_count());
    // Distinct per batch only; an account in two batches counts twice.
    total.set_account_count(total.account_count() + response.account_count());
  }
  return context.PrintFields(total);
}

}  // namespace

int RunSuccessMrr(const CommandContext& context, const Args& args) {
  static const std::vector<Action> kActions = {
      {"record", "Records a revenue movement (NEW, EXPANSION, ..., CHURN) in major units.",
       RecordMrr},
  };
  return RunAction(context, "success mrr", kActions, args);
}

int RunSuccessUsage(const CommandContext& context, const Args& args) {
  static const std::vector<Action> kActions = {
      {"ingest", "Sends usage events from a JSON file, in batches of up to 1000.", IngestUsage},
  };
  return RunAction(context, "success usage", kActions, args);
}

int RunSuccessKeyFeatures(const CommandContext& context, const Args& args) {
  CommandFlags flags("success key-features",
                     "Prints the tenant's key features, the ones adoption is measured on; with "
                     "--set replaces them (and every recently active account is re-scored).");
  flags.AddList("set", "A key feature, e.g. reports.export; give every one (repeat the flag).");
  flags.AddString("etag", "", "Refuse the change if the features changed since this etag.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  if (!flags.IsSet("set")) {
    success::v1::GetKeyFeaturesRequest request;
    request.set_name("keyFeatures");
    return CallAndPrint(context, context.clients->Usage(),
                        &success::v1::UsageService::StubInterface::GetKeyFeatures, request);
  }
  success::v1::UpdateKeyFeaturesRequest request;
  success::v1::KeyFeatures& features = *request.mutable_key_features();
  features.set_name("keyFeatures");
  features.set_etag(flags.GetString("etag"));
  for (const std::string& feature : flags.GetList("set")) features.add_features(feature);
  request.mutable_update_mask()->add_paths("features");
  return CallAndPrint(context, context.clients->Usage(),
                      &success::v1::UsageService::StubInterface::UpdateKeyFeatures, request);
}

}  // namespace tandem::ctl
