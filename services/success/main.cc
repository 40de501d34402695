// tandem-success: wires Success's parts together and serves them.
#include <algorithm>
#include <iostream>
#include <memory>

#include "common/feed/consumer.h"
#include "common/periodic.h"
#include "common/server.h"
#include "common/service_process.h"
#include "common_migrations.h"
#include "services/success/account_manager.h"
#include "services/success/account_reviewer.h"
#include "services/success/contact_manager.h"
#include "services/success/engagement_manager.h"
#include "services/success/engagement_service.h"
#include "services/success/health_manager.h"
#include "services/success/health_service.h"
#include "services/success/lifecycle_service.h"
#include "services/success/mysql_account_store.h"
#include "services/success/mysql_contact_store.h"
#include "services/success/mysql_engagement_store.h"
#include "services/success/mysql_health_store.h"
#include "services/success/mysql_lifecycle_store.h"
#include "services/success/mysql_playbook_store.h"
#include "services/success/mysql_revenue_store.h"
#include "services/success/mysql_usage_store.h"
#include "services/success/playbook_manager.h"
#include "services/success/playbook_service.h"
#include "services/success/revenue_manager.h"
#include "services/success/revenue_service.h"
#include "services/success/success_service.h"
#include "services/success/support_signal_applier.h"
#include "services/success/usage_manager.h"
#include "services/success/usage_service.h"
#include "success_migrations.h"

int main(int argc, char** argv) {
  using namespace tandem;
  BlockTerminationSignals();
  ServiceProcess process("success", 50052, 9462);
  process.flags().AddString(
      "support-address", "127.0.0.1:50051",
      "Support service address, host:port (its event feed); empty: do not consume it.");
  process.flags().AddDuration("support-poll-interval", absl::Milliseconds(500),
                              "Wait between polls of Support's event feed once caught up.");
  process.flags().AddDuration("account-review-interval", absl::Seconds(1),
                              "How often queued accounts are reviewed (health re-scored, then "
                              "playbooks run) after a change that may move their health.");
  process.flags().AddDuration("daily-review-interval", absl::Hours(24),
                              "How often every account that has not churned is reviewed, for "
                              "what time alone changes (renewals coming due, overdue "
                              "milestones, ageing usage and engagement).");
  if (auto exit_code = process.Init(argc, argv, {CommonMigrations(), SuccessMigrations()})) {
    return *exit_code;
  }
  success::MysqlAccountStore accounts(&process.pool(), &process.outbox());
  success::AccountManager manager(&accounts, &process.page_tokens(), &process.clock());
  success::MysqlContactStore contact_store(&process.pool(), &process.outbox());
  success::ContactManager contacts(&contact_store, &process.page_tokens(), &process.clock());
  success::SuccessServiceImpl service(&process.auth(), &manager, &contacts);
  success::MysqlRevenueStore revenue_store(&process.pool(), &process.outbox());
  success::RevenueManager revenue(&revenue_store, &process.page_tokens(), &process.clock());
  success::RevenueServiceImpl revenue_service(&process.auth(), &revenue);
  success::MysqlPlaybookStore playbook_store(&process.pool(), &process.outbox());
  success::PlaybookManager playbooks(&playbook_store, &process.page_tokens(), &process.clock());
  success::PlaybookServiceImpl playbook_service(&process.auth(), &playbooks);
  success::MysqlEngagementStore engagement_store(&process.pool(), &process.outbox());
  success::EngagementManager engagement(&engagement_store, &process.page_tokens(),
                                        &process.clock());
  success::EngagementServiceImpl engagement_service(&process.auth(), &engagement);
  success::MysqlUsageStore usage_store(&process.pool(), &process.outbox());
  success::UsageManager usage(&usage_store, &process.page_tokens(), &process.clock());
  success::UsageServiceImpl usage_service(&process.auth(), &usage);
  success::MysqlHealthStore health_store(&process.pool());
  success::HealthManager health(&health_store, &process.page_tokens(), &process.clock());
  success::HealthServiceImpl health_service(&process.auth(), &health);
  success::MysqlLifecycleStore lifecycle_store(&process.pool(), &process.outbox());
  success::OnboardingManager onboarding(&lifecycle_store, &process.page_tokens(), &process.clock());
  success::SuccessPlanManager success_plans(&lifecycle_store, &process.page_tokens(),
                                            &process.clock());
  success::RenewalManager renewals(&lifecycle_store, &process.page_tokens(), &process.clock());
  success::LifecycleServiceImpl lifecycle_service(&process.auth(), &onboarding, &success_plans,
                                                  &renewals);
  // Support's events feed the support signals, the timeline and feedback
  // (an empty --support-address turns the consumer off).
  success::SupportSignalApplier support_applier(&process.outbox(), &process.clock());
  std::unique_ptr<feed::FeedConsumer> support_feed;
  if (!process.flags().GetString("support-address").empty()) {
    auto support_channel = process.PeerChannel("support-address");
    if (!support_channel.ok()) {
      std::cerr << "tandem-success: " << support_channel.status().message() << "\n";
      return 2;
    }
    support_feed = std::make_unique<feed::FeedConsumer>(
        feed::ConsumerOptions{
            .feed = "support",
            .poll_interval = process.flags().GetDuration("support-poll-interval")},
        tandem::common::v1::EventFeed::NewStub(*support_channel),
        [&process] { return process.service_tokens().For(kAllTenants); }, &process.pool(),
        &support_applier);
    support_feed->Start();
    process.OnShutdown([&support_feed] { support_feed->Stop(); });
  }
  // Changes queue their accounts; the reviewer re-scores and runs playbooks.
  success::AccountReviewer reviewer(&process.pool(), &process.outbox(), &process.clock());
  PeriodicTask review("account-review", process.flags().GetDuration("account-review-interval"),
                      [&reviewer] {
                        constexpr int kBatch = 100;
                        absl::StatusOr<int> reviewed;
                        do {
                          reviewed = reviewer.ReviewDue(kBatch, absl::Now() + absl::Minutes(1));
                        } while (reviewed.ok() && *reviewed == kBatch);
                        return reviewed.status();
                      });
  review.Start();
  // Checked every few minutes against the last pass in the database, so a
  // restart (a deploy) never postpones it.
  const absl::Duration daily = process.flags().GetDuration("daily-review-interval");
  PeriodicTask daily_review("daily-review", std::min(daily, absl::Minutes(5)), [&reviewer, daily] {
    return reviewer.QueueAllIfDue("daily", daily, absl::Now() + absl::Minutes(10)).status();
  });
  daily_review.Start();
  // Finishes re-segmentations that a policy update left unfinished; 30 s a
  // pass, so a shutdown never waits long (the next pass goes on).
  PeriodicTask reapply("segmentation-reapply", absl::Seconds(10), [&revenue_store, &process] {
    return revenue_store.ResumeReapplies(process.clock().Now(), absl::Now() + absl::Seconds(30))
        .status();
  });
  reapply.Start();
  process.OnShutdown([&review, &daily_review, &reapply] {
    review.Stop();
    daily_review.Stop();
    reapply.Stop();
  });
  return process.Serve({&lifecycle_service, &usage_service, &health_service, &engagement_service,
                        &playbook_service, &revenue_service, &service});
}
