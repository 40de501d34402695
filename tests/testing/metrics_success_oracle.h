// An independent, naive calculator of the "other success" KPIs of KPIS.md
// (NPS, renewal rates, product adoption, active-seat ratio, time to value,
// health distribution), for tests to check Metrics against. It keeps the
// raw events in feed order and answers each question by scanning them for
// the window asked: no rollups, no periods, no code of services/metrics —
// only the words of KPIS.md and the definitions in success_facts.h.
#ifndef TANDEM_TESTS_TESTING_METRICS_SUCCESS_ORACLE_H_
#define TANDEM_TESTS_TESTING_METRICS_SUCCESS_ORACLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/testing/metrics_revenue_oracle.h"

namespace tandem::testing {

class SuccessOracle {
 public:
  // Windows are whole days of `zone`.
  explicit SuccessOracle(absl::TimeZone zone) : zone_(zone) {}

  // Each Add… records one event, in feed order.

  // An NPS answer; `contact` may be empty (the answer is its own
  // respondent). `segment` is the account's when it answered.
  void AddNpsAnswer(const std::string& name, const std::string& contact, int score, absl::Time time,
                    const OracleSegment& segment);
  // A renewal as an event describes it (`outcome` 0 while open; 1 RENEWED,
  // 2 RENEWED_WITH_CHANGES, 3 CHURNED); the latest event of a renewal wins.
  void AddRenewal(const std::string& name, absl::Time due_time, int64_t target_minor,
                  int64_t final_minor, int outcome, const OracleSegment& segment);
  // An onboarding plan that ended, completed or cancelled.
  void AddOnboardingEnded(const std::string& name, bool completed, absl::Time start_time,
                          absl::Time end_time, const OracleSegment& segment);
  // An account's health scoring (`band` 1 RED, 2 YELLOW, 3 GREEN).
  void AddHealthScore(const std::string& account, absl::Time time, int score, int band,
                      const OracleSegment& segment);
  // An account's lifecycle stage move; only whether it churns or comes
  // back from churn matters, besides the segment.
  void AddStageChange(const std::string& account, absl::Time time, bool to_churned,
                      bool from_churned, const OracleSegment& segment);
  // An account's tier, plan or owner change.
  void AddSegmentChange(const std::string& account, absl::Time time, const OracleSegment& segment);
  // An account's deletion.
  void AddAccountDeleted(const std::string& account, absl::Time time);
  // An account's usage totals of the UTC day starting at `day_start`, after
  // an ingest; the day's latest report wins.
  void AddUsage(const std::string& account, absl::Time day_start, int active_users, int seats,
                const std::vector<std::string>& features, const OracleSegment& segment);
  // The tenant's key features, as announced; the latest wins.
  void SetKeyFeatures(const std::vector<std::string>& features);

  // Every KPI for the window of days `[start, end)` and the segment
  // `dimension` = `value` ("tier", "plan" or "owner"; empty for all), keyed
  // by the catalog's ids: nps, renewal_rate_logo, renewal_rate_revenue,
  // product_adoption, active_seat_ratio, time_to_value (median days),
  // health_red_share, health_yellow_share, health_green_share,
  // health_mean_score; and "product_adoption:<feature>" (the share of
  // active accounts using it) for each key feature.
  std::map<std::string, OracleKpi> Kpis(absl::CivilDay start, absl::CivilDay end,
                                        const std::string& dimension,
                                        const std::string& value) const;

  const std::vector<std::string>& key_features() const { return key_features_; }

 private:
  struct Answer {
    std::string name;
    std::string respondent;
    int score;
    absl::Time time;
    OracleSegment segment;
  };
  struct Renewal {
    absl::Time due_time;
    int64_t target_minor;
    int64_t final_minor;
    int outcome;
    OracleSegment segment;
  };
  struct Onboarding {
    absl::Time start_time;
    absl::Time end_time;
    OracleSegment segment;
  };
  enum class Change { kScore, kChurn, kReturn, kSegment, kDelete };
  struct AccountEvent {
    absl::Time time;
    int64_t order;
    Change change;
    int score = 0;
    int band = 0;
    OracleSegment segment;
  };
  struct Usage {
    int active_users;
    int seats;
    std::vector<std::string> features;
    OracleSegment segment;
  };

  static bool InSegment(const OracleSegment& segment, const std::string& dimension,
                        const std::string& value);

  absl::TimeZone zone_;
  int64_t order_ = 0;
  std::vector<Answer> answers_;
  std::map<std::string, Renewal> renewals_;
  std::map<std::string, Onboarding> onboardings_;  // completed only
  std::map<std::string, std::vector<AccountEvent>> accounts_;
  std::map<std::string, std::map<absl::Time, Usage>> usage_;  // by account, by UTC day start
  std::vector<std::string> key_features_;
};

// One event of a generated history, as Success would publish it.
struct SuccessHistoryEvent {
  std::string subject;
  std::shared_ptr<const google::protobuf::Message> payload;
  absl::Time occur_time;
};

// Knobs of a generated history.
struct SuccessHistoryOptions {
  int accounts = 12;
  // Days `[first_day, end_day)` of `zone` that the history falls in.
  absl::CivilDay first_day = absl::CivilDay(2026, 1, 1);
  absl::CivilDay end_day = absl::CivilDay(2026, 7, 1);
  absl::TimeZone zone = absl::UTCTimeZone();
};

// A random but valid Success history, in the order Success would publish
// it: per account NPS answers (some without a contact, some contacts
// answering twice in a month), renewals created, updated and closed (won,
// changed, churned or left open), onboardings completed or cancelled,
// health scorings with churns, returns, tier/owner/plan changes and a rare
// deletion (some published after later ones, as back-dated history is),
// and daily usage reported several times a day with growing totals; the
// tenant's key features announced once or twice. Some times fall on local
// midnight. Accounts interleave at random. Every event is also recorded in
// `oracle`, in the same order.
std::vector<SuccessHistoryEvent> RandomSuccessHistory(uint32_t seed,
                                                      const SuccessHistoryOptions& options,
                                                      SuccessOracle& oracle);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_METRICS_SUCCESS_ORACLE_H_
