// `tandemctl success ...` against the real Success server (in process, real
// MariaDB): the filters and requests the CLI builds are ones the server
// takes, and a CSM can feed and work the views from the command line alone.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tests/testing/child_process.h"
#include "tests/testing/servers.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/dispatch.h"

namespace tandem {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace v1 = ::tandem::success::v1;

// Returns the first `prefix` + 26-character id in `text`, or "".
std::string FirstName(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  return at == std::string::npos ? "" : text.substr(at, prefix.size() + 26);
}

class TandemctlSuccessIntegrationTest : public ::testing::Test {
 protected:
  // Runs tandemctl with a csm token of subject "tester" against the server.
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    const std::vector<std::string> globals = {"--success-address", address(), "--token",
                                              testing::TestToken("ctl", {"csm"})};
    args.insert(args.end(), globals.begin(), globals.end());
    const ctl::Runtime runtime{
        .open_clients = ctl::OpenClients, .clock = &SystemClock::Get(), .out = &out_, .err = &err_};
    return ctl::Dispatch(ctl::AllCommands(), args, runtime);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", server_.runner.grpc_port()); }
  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

  testing::SuccessServer server_;
  std::ostringstream out_;
  std::ostringstream err_;
};

// A CSM creates an account, records its first revenue, sees it in the book,
// opens, snoozes and completes a CTA, and lists renewals due — all through
// the CLI; the server's refusals come back as exit code 1.
TEST_F(TandemctlSuccessIntegrationTest, CsmWorksTheBookFromTheCli) {
  ASSERT_EQ(Run({"--json", "accounts", "create", "--display-name", "Acme Corp", "--owner", "tester",
                 "--plan", "pro"}),
            ctl::kExitOk)
      << err();
  const std::string account = FirstName(out(), "accounts/");
  ASSERT_FALSE(account.empty()) << out();

  ASSERT_EQ(Run({"success", "mrr", "record", account, "--type", "NEW", "--amount", "1200.00",
                 "--effective", "30d", "--request-id", "first-mrr"}),
            ctl::kExitOk)
      << err();
  EXPECT_EQ(Run({"success", "mrr", "record", account, "--type", "CONTRACTION", "--amount", "5000"}),
            ctl::kExitFailure);  // would take the MRR below zero
  EXPECT_THAT(err(), HasSubstr("FAILED_PRECONDITION"));

  ASSERT_EQ(Run({"success", "book", "--mine", "--plan", "pro"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("Acme Corp"), HasSubstr("1,200.00 USD"),
                           HasSubstr("14,400.00 USD"), HasSubstr("1 account")));
  ASSERT_EQ(Run({"success", "book", "--owner", "someone-else"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("0 accounts"));
  ASSERT_EQ(
      Run({"success", "book", "--band", "RED", "--renewal-within", "30", "--stage", "ADOPTION"}),
      ctl::kExitOk)
      << err();
  EXPECT_EQ(Run({"success", "book", "--filter", "colour = red"}), ctl::kExitFailure);
  EXPECT_THAT(err(), HasSubstr("INVALID_ARGUMENT"));

  // Not scored yet in this server (no reviewer runs here).
  ASSERT_EQ(Run({"success", "health", account}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("not scored yet"));
  EXPECT_EQ(Run({"success", "health", account, "--since", "7d"}), ctl::kExitFailure);
  EXPECT_THAT(err(), HasSubstr("FAILED_PRECONDITION"));

  ASSERT_EQ(Run({"--json", "success", "cta", "open", account, "--type", "RISK", "--title",
                 "Call the sponsor", "--due", "7d", "--request-id", "cta-1"}),
            ctl::kExitOk)
      << err();
  const std::string cta = FirstName(out(), "ctas/");
  ASSERT_FALSE(cta.empty()) << out();
  ASSERT_EQ(Run({"success", "ctas"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(),
              AllOf(HasSubstr(cta), HasSubstr("Acme Corp"), HasSubstr("RISK"), HasSubstr("1 CTA")));
  ASSERT_EQ(Run({"success", "ctas", "--all-owners", "--account", account, "--type", "RISK"}),
            ctl::kExitOk)
      << err();
  EXPECT_THAT(out(), HasSubstr(cta));

  ASSERT_EQ(Run({"success", "cta", "snooze", cta, "--until", "2d"}), ctl::kExitOk) << err();
  ASSERT_EQ(Run({"success", "ctas"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), AllOf(Not(HasSubstr(cta)), HasSubstr("0 CTAs")));
  ASSERT_EQ(Run({"success", "ctas", "--status", "SNOOZED"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr(cta));
  ASSERT_EQ(Run({"success", "cta", "wake", cta}), ctl::kExitOk) << err();
  ASSERT_EQ(Run({"success", "cta", "complete", cta, "--note", "Sponsor happy"}), ctl::kExitOk)
      << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("COMPLETED"), HasSubstr("Sponsor happy")));
  EXPECT_EQ(Run({"success", "cta", "cancel", cta}), ctl::kExitFailure);
  EXPECT_THAT(err(), HasSubstr("FAILED_PRECONDITION"));

  // A renewal in 10 days (there is no CLI to create one; the stub does).
  auto lifecycle = v1::LifecycleService::NewStub(
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  v1::CreateRenewalRequest create;
  create.set_parent(account);
  *create.mutable_renewal()->mutable_due_time() = ToProtoTime(absl::Now() + absl::Hours(24 * 10));
  create.mutable_renewal()->set_target_amount_minor(1440000);
  create.mutable_renewal()->set_forecast_amount_minor(1300000);
  grpc::ClientContext call;
  testing::Authorize(call, testing::TestToken("ctl", {"csm"}));
  v1::Renewal renewal;
  ASSERT_TRUE(lifecycle->CreateRenewal(&call, create, &renewal).ok());
  ASSERT_EQ(Run({"success", "renewals", "--within", "30", "--mine"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr(renewal.name()), HasSubstr("Acme Corp"), HasSubstr("(in 10d)"),
                           HasSubstr("14,400.00 USD"), HasSubstr("forecast 13,000.00 USD")));
  ASSERT_EQ(Run({"success", "renewals", "--within", "5"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("0 renewals"));

  // Renewal dates set on accounts: Acme's is tracked by its renewal, a
  // second account's is not, and the view says so.
  ASSERT_EQ(Run({"accounts", "update", account, "--renewal", "12d", "--seats", "25"}), ctl::kExitOk)
      << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("seats_licensed:"), HasSubstr("25")));
  ASSERT_EQ(Run({"--json", "accounts", "create", "--display-name", "Initech", "--owner", "tester"}),
            ctl::kExitOk)
      << err();
  const std::string untracked = FirstName(out(), "accounts/");
  ASSERT_EQ(Run({"accounts", "update", untracked, "--renewal", "20d"}), ctl::kExitOk) << err();
  EXPECT_EQ(Run({"accounts", "update", untracked, "--renewal", "sometime"}), ctl::kExitUsage);
  ASSERT_EQ(Run({"success", "renewals", "--within", "30"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("1 renewal,"),
                           HasSubstr("1 account renews within the window with no open renewal"),
                           HasSubstr(untracked), HasSubstr("Initech")));
  EXPECT_EQ(out().find(account + "  Acme"), std::string::npos);  // tracked by its renewal
  ASSERT_EQ(Run({"success", "book", "--renewal-within", "30"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("2 accounts"));
  EXPECT_LT(out().find("Acme Corp"), out().find("Initech"));  // soonest renewal first
  ASSERT_EQ(Run({"success", "renewals", "--within", "0", "--account", account}), ctl::kExitOk)
      << err();
  EXPECT_THAT(out(), HasSubstr(renewal.name()));
}

// Usage from a file: recorded once, skipped on a rerun; a bad event is
// refused with its field named.
TEST_F(TandemctlSuccessIntegrationTest, UsageIngestIsIdempotentByEventId) {
  ASSERT_EQ(Run({"--json", "accounts", "create", "--display-name", "Globex"}), ctl::kExitOk)
      << err();
  const std::string account = FirstName(out(), "accounts/");
  ASSERT_FALSE(account.empty()) << out();
  const std::string dir = testing::MakeTempDir("tandemctl-usage-it");
  const std::string file = dir + "/usage.json";
  const std::string day =
      absl::FormatTime("%Y-%m-%dT08:00:00Z", absl::Now() - absl::Hours(24), absl::UTCTimeZone());
  std::ofstream(file) << "[{\"event_id\": \"u-1\", \"account\": \"" << account
                      << "\", \"feature\": \"reports\", \"user\": \"ann\", \"event_time\": \""
                      << day << "\"}, {\"event_id\": \"u-2\", \"account\": \"" << account
                      << "\", \"feature\": \"export\", \"user\": \"bob\", \"event_time\": \"" << day
                      << "\"}]";
  ASSERT_EQ(Run({"success", "usage", "ingest", file}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("accepted_count:  2"));
  ASSERT_EQ(Run({"success", "usage", "ingest", file, "--batch-size", "1"}), ctl::kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("accepted_count:  0"), HasSubstr("duplicate_count: 2")));

  const std::string bad = dir + "/bad.json";
  std::ofstream(bad) << "[{\"event_id\": \"u-3\", \"account\": \"" << account
                     << "\", \"feature\": \"reports\", \"event_time\": \"" << day << "\"}]";
  EXPECT_EQ(Run({"success", "usage", "ingest", bad}), ctl::kExitFailure);
  EXPECT_THAT(err(), AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("events[0].user")));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tandem
