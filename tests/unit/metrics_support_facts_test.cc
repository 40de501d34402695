// Support's ticket facts (services/metrics/support_facts.h) over hand-made
// ticket histories shaped like Support's events: what each history
// contributes to the Support measures, on which day and in which segment,
// and that duplicate or out-of-order deliveries change nothing.
#include "services/metrics/support_facts.h"

#include <algorithm>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "services/metrics/measures.h"
#include "tandem/support/v1/article_events.pb.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::metrics {
namespace {

namespace sv1 = tandem::support::v1;
namespace m = measure;
using tandem::common::v1::Event;

constexpr char kTenant[] = "t1";

// 09:00 UTC on Monday 2 March 2026.
absl::Time At(int day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilMinute(2026, 3, day, hour, minute), absl::UTCTimeZone());
}

absl::CivilDay Day(int day) { return absl::CivilDay(2026, 3, day); }

Period DayPeriod(int day) { return PeriodOf(Grain::kDay, Day(day)); }

// A ticket's life as Support tells it: every change updates the snapshot
// and appends the events Support would publish, with growing cursors.
class Story {
 public:
  Story(const std::string& id, absl::Time created,
        sv1::Ticket::Channel channel = sv1::Ticket::EMAIL,
        sv1::Ticket::Priority priority = sv1::Ticket::NORMAL) {
    ticket_.set_name("tickets/" + id);
    ticket_.set_channel(channel);
    ticket_.set_priority(priority);
    ticket_.set_type(sv1::Ticket::QUESTION);
    ticket_.set_status(sv1::Ticket::NEW);
    ticket_.set_group("groups/g1");
    ticket_.set_escalation_tier(1);
    *ticket_.mutable_create_time() = ToProtoTime(created);
    *ticket_.mutable_update_time() = ToProtoTime(created);
    sv1::TicketCreated created_event;
    *created_event.mutable_ticket() = ticket_;
    Emit("TicketCreated", created_event, created);
  }

  void Reply(absl::Time at, sv1::Message::AuthorType author, bool internal = false) {
    Touch(at);
    const bool agent_reply = author == sv1::Message::AGENT && !internal;
    if (agent_reply) {
      ticket_.set_agent_reply_count(ticket_.agent_reply_count() + 1);
      if (!ticket_.has_first_response_time()) {
        *ticket_.mutable_first_response_time() = ToProtoTime(at);
      }
      if (ticket_.status() == sv1::Ticket::NEW) ticket_.set_status(sv1::Ticket::OPEN);
    }
    sv1::TicketReplied replied;
    *replied.mutable_ticket() = ticket_;
    replied.mutable_message()->set_author_type(author);
    replied.mutable_message()->set_internal(internal);
    *replied.mutable_message()->mutable_create_time() = ToProtoTime(at);
    Emit("TicketReplied", replied, at);
  }

  void Solve(absl::Time at) {
    Touch(at);
    ticket_.set_status(sv1::Ticket::SOLVED);
    *ticket_.mutable_solve_time() = ToProtoTime(at);
    EmitUpdated(at);
    sv1::TicketSolved solved;
    *solved.mutable_ticket() = ticket_;
    Emit("TicketSolved", solved, at);
  }

  // `keep_solve_time` plays a producer that leaves the old solve time on the
  // reopened snapshot (Support clears it).
  void Reopen(absl::Time at, bool keep_solve_time = false) {
    Touch(at);
    ticket_.set_status(sv1::Ticket::OPEN);
    ticket_.set_reopen_count(ticket_.reopen_count() + 1);
    if (!keep_solve_time) ticket_.clear_solve_time();
    EmitUpdated(at);
    sv1::TicketReopened reopened;
    *reopened.mutable_ticket() = ticket_;
    Emit("TicketReopened", reopened, at);
  }

  void Close(absl::Time at) {
    Touch(at);
    ticket_.set_status(sv1::Ticket::CLOSED);
    *ticket_.mutable_close_time() = ToProtoTime(at);
    EmitUpdated(at);
    sv1::TicketClosed closed;
    *closed.mutable_ticket() = ticket_;
    Emit("TicketClosed", closed, at);
  }

  void Escalate(absl::Time at) {
    Touch(at);
    ticket_.set_escalation_tier(ticket_.escalation_tier() + 1);
    sv1::TicketEscalated escalated;
    *escalated.mutable_ticket() = ticket_;
    Emit("TicketEscalated", escalated, at);
  }

  void Rate(absl::Time at, int score) {
    Touch(at);
    ticket_.mutable_satisfaction()->set_score(score);
    *ticket_.mutable_satisfaction()->mutable_rate_time() = ToProtoTime(at);
    sv1::TicketRated rated;
    *rated.mutable_ticket() = ticket_;
    *rated.mutable_rating() = ticket_.satisfaction();
    Emit("TicketRated", rated, at);
  }

  void SetPriority(absl::Time at, sv1::Ticket::Priority priority) {
    Touch(at);
    ticket_.set_priority(priority);
    EmitUpdated(at);
  }

  // Sets the SLA metric of `kind` (replacing the one of that kind; a 4 h
  // target, due 4 h after `start` — shown only while RUNNING, as Support
  // does) and publishes the change; an SlaBreached too when it is breached.
  void Sla(absl::Time at, sv1::SlaMetric::Kind kind, absl::Time start, sv1::SlaMetric::Stage stage,
           std::optional<absl::Time> fulfilled, std::optional<absl::Time> breached,
           absl::Duration business_time = absl::ZeroDuration()) {
    Touch(at);
    sv1::SlaMetric* metric = nullptr;
    for (sv1::SlaMetric& candidate : *ticket_.mutable_sla()->mutable_metrics()) {
      if (candidate.kind() == kind) metric = &candidate;
    }
    if (metric == nullptr) metric = ticket_.mutable_sla()->add_metrics();
    metric->Clear();
    metric->set_kind(kind);
    metric->set_stage(stage);
    *metric->mutable_target() = ToProtoDuration(absl::Hours(4));
    *metric->mutable_start_time() = ToProtoTime(start);
    if (stage == sv1::SlaMetric::RUNNING) {
      *metric->mutable_due_time() = ToProtoTime(start + absl::Hours(4));
    }
    *metric->mutable_business_time() = ToProtoDuration(business_time);
    if (fulfilled.has_value()) *metric->mutable_fulfill_time() = ToProtoTime(*fulfilled);
    if (breached.has_value()) {
      metric->set_breached(true);
      *metric->mutable_breach_time() = ToProtoTime(*breached);
      sv1::SlaBreached event;
      *event.mutable_ticket() = ticket_;
      event.set_metric(kind);
      Emit("SlaBreached", event, at);
    } else {
      EmitUpdated(at);
    }
  }

  // Merges this ticket away into `target` (which is left as it is).
  void MergeInto(absl::Time at, const Story& target) {
    Touch(at);
    ticket_.set_status(sv1::Ticket::CLOSED);
    ticket_.set_merged_into(target.ticket_.name());
    *ticket_.mutable_close_time() = ToProtoTime(at);
    sv1::TicketMerged merged;
    *merged.mutable_source() = ticket_;
    *merged.mutable_target() = target.ticket_;
    Emit("TicketMerged", merged, at);
  }

  const std::vector<Event>& events() const { return events_; }
  std::string id() const { return ticket_.name().substr(8); }

 private:
  void Touch(absl::Time at) { *ticket_.mutable_update_time() = ToProtoTime(at); }

  void EmitUpdated(absl::Time at) {
    sv1::TicketUpdated updated;
    *updated.mutable_ticket() = ticket_;
    Emit("TicketUpdated", updated, at);
  }

  void Emit(const std::string& type, const google::protobuf::Message& payload, absl::Time at) {
    Event& event = events_.emplace_back();
    event.set_cursor(static_cast<int64_t>(events_.size()));
    event.set_tenant(kTenant);
    event.set_type(type);
    event.set_source(kSupportEventSource);
    event.set_subject(ticket_.name());
    *event.mutable_occur_time() = ToProtoTime(at);
    event.mutable_payload()->PackFrom(payload);
  }

  sv1::Ticket ticket_;
  std::vector<Event> events_;
};

TicketFacts FactsOf(const Story& story) {
  TicketFacts facts;
  for (const Event& event : story.events()) FoldSupportEvent(facts, story.id(), event);
  return facts;
}

Contributions ContributionsOf(const TicketFacts& facts, absl::TimeZone zone = absl::UTCTimeZone()) {
  Contributions out;
  AddTicketContributions(facts, kTenant, PeriodScheme::Calendar(zone), 1, out);
  out.Prune();
  return out;
}

// The cell of `measure` in `period`, for the whole tenant or one segment.
Cell CellOf(const Contributions& contributions, const std::string& measure, const Period& period,
            const std::string& dimension = "", const std::string& value = "") {
  auto it = contributions.cells().find(RollupKey{kTenant, dimension, value, measure, period});
  return it == contributions.cells().end() ? Cell{} : it->second;
}

// The measure's cells over every day, as (day of March, count) pairs.
std::vector<std::pair<int, int64_t>> DailyCounts(const Contributions& contributions,
                                                 const std::string& measure) {
  std::vector<std::pair<int, int64_t>> out;
  for (const auto& [key, cell] : contributions.cells()) {
    if (key.measure != measure || !key.dimension.empty() || key.period.grain != Grain::kDay) {
      continue;
    }
    out.emplace_back(static_cast<int>(key.period.start.day()), cell.count);
  }
  return out;
}

// Durations (ms) recorded for `measure` in the day cells.
std::vector<int64_t> DailyTotals(const Contributions& contributions, const std::string& measure) {
  std::vector<int64_t> out;
  for (const auto& [key, cell] : contributions.cells()) {
    if (key.measure == measure && key.dimension.empty() && key.period.grain == Grain::kDay) {
      out.push_back(cell.total);
    }
  }
  return out;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

// A new ticket counts once in the volume and enters the backlog, on its
// creation day and month, for the whole tenant and each of its segments.
TEST(SupportFactsTest, CreationCountsVolumeAndBacklogInEverySegment) {
  Story story("a", At(2, 9), sv1::Ticket::CHAT, sv1::Ticket::URGENT);
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2)).count, 1);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, PeriodOf(Grain::kMonth, Day(2))).count, 1);
  EXPECT_EQ(CellOf(out, m::kBacklog, DayPeriod(2)).count, 1);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2), m::kChannel, "CHAT").count, 1);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2), m::kPriority, "URGENT").count, 1);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2), m::kType, "QUESTION").count, 1);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2), m::kGroup, "groups/g1").count, 1);
  // Additive measures live in day and month cells only.
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, PeriodOf(Grain::kWeek, Day(2))).count, 0);
}

// A ticket without a priority has no priority segment (but still counts for
// the tenant).
TEST(SupportFactsTest, UnspecifiedAttributeHasNoSegment) {
  Story story("a", At(2, 9), sv1::Ticket::EMAIL, sv1::Ticket::PRIORITY_UNSPECIFIED);
  const Contributions out = ContributionsOf(FactsOf(story));
  for (const auto& [key, cell] : out.cells()) EXPECT_NE(key.dimension, m::kPriority);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2)).count, 1);
}

// First response counts on the day of the first public agent reply, with
// the time since creation; internal notes and customer messages do not
// count, and a second agent reply does not move it.
TEST(SupportFactsTest, FirstResponseIsTheFirstPublicAgentReply) {
  Story story("a", At(2, 9));
  story.Reply(At(2, 10), sv1::Message::AGENT, /*internal=*/true);
  story.Reply(At(2, 11), sv1::Message::CUSTOMER);
  story.Reply(At(3, 9, 30), sv1::Message::AGENT);
  story.Reply(At(4, 9), sv1::Message::AGENT);
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kFirstResponse), ElementsAre(Pair(3, 1)));
  EXPECT_THAT(DailyTotals(out, m::kFirstResponse),
              ElementsAre(absl::ToInt64Milliseconds(absl::Hours(24) + absl::Minutes(30))));
}

// Solve, reopen, solve: full resolution moves to the last solve (from
// creation), first resolution stays at the first solve, both solves and
// the reopen count, and the backlog goes +1, -1, +1, -1.
TEST(SupportFactsTest, ReopenAndSolveAgainMovesFullResolutionToTheLastSolve) {
  Story story("a", At(2, 9));
  story.Reply(At(2, 10), sv1::Message::AGENT);
  story.Solve(At(2, 12));
  story.Reopen(At(5, 8));
  story.Solve(At(6, 9));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kFullResolution), ElementsAre(Pair(6, 1)));
  EXPECT_THAT(DailyTotals(out, m::kFullResolution),
              ElementsAre(absl::ToInt64Milliseconds(absl::Hours(4 * 24))));
  EXPECT_THAT(DailyCounts(out, m::kFirstResolution), ElementsAre(Pair(2, 1)));
  EXPECT_THAT(DailyTotals(out, m::kFirstResolution),
              ElementsAre(absl::ToInt64Milliseconds(absl::Hours(3))));
  EXPECT_THAT(DailyCounts(out, m::kSolves), ElementsAre(Pair(2, 1), Pair(6, 1)));
  EXPECT_THAT(DailyCounts(out, m::kReopens), ElementsAre(Pair(5, 1)));
  // Day 2 nets to zero (+1 created, -1 solved), so its cell is pruned.
  EXPECT_THAT(DailyCounts(out, m::kBacklog), ElementsAre(Pair(5, 1), Pair(6, -1)));
  EXPECT_EQ(CellOf(out, m::kBacklog, PeriodOf(Grain::kMonth, Day(2))).count, 0);
  // Reopened: never a one-touch solve.
  EXPECT_THAT(DailyCounts(out, m::kOneTouchSolved), IsEmpty());
}

// A reopened snapshot that still carries the previous solve time records no
// solve in the new cycle: full resolution waits for the real second solve.
TEST(SupportFactsTest, StaleSolveTimeOnAReopenedSnapshotIsNoSolve) {
  Story story("a", At(2, 9));
  story.Solve(At(2, 12));
  story.Reopen(At(5, 8), /*keep_solve_time=*/true);
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(story)), m::kFullResolution), IsEmpty());
  story.Solve(At(6, 9));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kFullResolution), ElementsAre(Pair(6, 1)));
  EXPECT_THAT(DailyTotals(out, m::kFullResolution),
              ElementsAre(absl::ToInt64Milliseconds(absl::Hours(4 * 24))));
  EXPECT_THAT(DailyCounts(out, m::kSolves), ElementsAre(Pair(2, 1), Pair(6, 1)));
}

// A reopened ticket leaves full resolution (and rejoins the backlog) until
// it is solved again; its first resolution stays.
TEST(SupportFactsTest, ReopenedTicketLeavesFullResolutionUntilSolvedAgain) {
  Story story("a", At(2, 9));
  story.Solve(At(2, 12));
  story.Reopen(At(3, 8));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kFullResolution), IsEmpty());
  EXPECT_THAT(DailyCounts(out, m::kFirstResolution), ElementsAre(Pair(2, 1)));
  EXPECT_EQ(CellOf(out, m::kBacklog, PeriodOf(Grain::kMonth, Day(2))).count, 1);
}

// One-touch: solved with exactly one public agent reply and never reopened;
// two replies, or none, are not.
TEST(SupportFactsTest, OneTouchNeedsExactlyOnePublicAgentReply) {
  Story one("one", At(2, 9));
  one.Reply(At(2, 10), sv1::Message::AGENT);
  one.Reply(At(2, 10, 30), sv1::Message::AGENT, /*internal=*/true);
  one.Solve(At(2, 11));
  Story two("two", At(2, 9));
  two.Reply(At(2, 10), sv1::Message::AGENT);
  two.Reply(At(2, 10, 30), sv1::Message::AGENT);
  two.Solve(At(2, 11));
  Story none("none", At(2, 9));
  none.Solve(At(2, 11));
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(one)), m::kOneTouchSolved),
              ElementsAre(Pair(2, 1)));
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(two)), m::kOneTouchSolved), IsEmpty());
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(none)), m::kOneTouchSolved), IsEmpty());
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(none)), m::kFullResolution),
              ElementsAre(Pair(2, 1)));
}

// A re-rating replaces the rating: only the latest counts, at its time,
// and it is good only if it scores 4 or 5.
TEST(SupportFactsTest, LatestRatingCountsAtItsTime) {
  Story story("a", At(2, 9));
  story.Solve(At(2, 12));
  story.Rate(At(3, 9), 5);
  story.Rate(At(4, 9), 2);
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kCsatRatings), ElementsAre(Pair(4, 1)));
  EXPECT_THAT(DailyCounts(out, m::kCsatGood), IsEmpty());

  Story good("b", At(2, 9));
  good.Solve(At(2, 12));
  good.Rate(At(3, 9), 2);
  good.Rate(At(3, 10), 4);
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(good)), m::kCsatGood), ElementsAre(Pair(3, 1)));
}

// A ticket counts as escalated once, at its first escalation.
TEST(SupportFactsTest, EscalationCountsOnceAtTheFirst) {
  Story story("a", At(2, 9));
  story.Escalate(At(3, 9));
  story.Escalate(At(4, 9));
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(story)), m::kEscalated), ElementsAre(Pair(3, 1)));
}

// SLA targets: a met target counts as due and met at its due time, a
// missed one as due (not met) at its due time, an open or stopped one not
// at all; every next-response cycle counts once, even after Support
// replaced it in the snapshot with the next cycle.
TEST(SupportFactsTest, SlaTargetsCountMetAndMissedPerKindAndCycle) {
  Story story("a", At(2, 9));
  story.Sla(At(2, 9), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::RUNNING,
            std::nullopt, std::nullopt);
  story.Sla(At(2, 10), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::FULFILLED,
            At(2, 10), std::nullopt, absl::Hours(1));
  // Next-response cycle 1: missed (due day 3 at 09:00, recorded later).
  story.Sla(At(3, 8), sv1::SlaMetric::NEXT_RESPONSE, At(3, 5), sv1::SlaMetric::RUNNING,
            std::nullopt, std::nullopt);
  story.Sla(At(3, 12), sv1::SlaMetric::NEXT_RESPONSE, At(3, 5), sv1::SlaMetric::RUNNING,
            std::nullopt, At(3, 9));
  // Cycle 2: met on day 4; cycle 3: stopped by the solve.
  story.Sla(At(4, 8), sv1::SlaMetric::NEXT_RESPONSE, At(4, 7), sv1::SlaMetric::RUNNING,
            std::nullopt, std::nullopt);
  story.Sla(At(4, 9), sv1::SlaMetric::NEXT_RESPONSE, At(4, 7), sv1::SlaMetric::FULFILLED, At(4, 9),
            std::nullopt);
  story.Sla(At(5, 8), sv1::SlaMetric::NEXT_RESPONSE, At(5, 7), sv1::SlaMetric::STOPPED,
            std::nullopt, std::nullopt);
  // Resolution: breached while running, fulfilled later: still missed.
  story.Sla(At(6, 9), sv1::SlaMetric::RESOLUTION, At(2, 9), sv1::SlaMetric::FULFILLED, At(6, 9),
            At(2, 13));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kSlaDueFirstResponse), ElementsAre(Pair(2, 1)));
  EXPECT_THAT(DailyCounts(out, m::kSlaMetFirstResponse), ElementsAre(Pair(2, 1)));
  EXPECT_THAT(DailyCounts(out, m::kSlaDueNextResponse), ElementsAre(Pair(3, 1), Pair(4, 1)));
  EXPECT_THAT(DailyCounts(out, m::kSlaMetNextResponse), ElementsAre(Pair(4, 1)));
  EXPECT_THAT(DailyCounts(out, m::kSlaDueResolution), ElementsAre(Pair(2, 1)));
  EXPECT_THAT(DailyCounts(out, m::kSlaMetResolution), IsEmpty());
}

// A target met early counts on the day it comes due, not the day it was met
// (targets met ÷ targets that came due in the window).
TEST(SupportFactsTest, MetSlaTargetCountsAtItsDueTimeNotItsFulfilment) {
  Story story("a", At(2, 22));
  // Due day 3 at 02:00 (shown while running), met day 2 at 23:00 (the
  // fulfilled snapshot no longer shows a due time).
  story.Sla(At(2, 22), sv1::SlaMetric::FIRST_RESPONSE, At(2, 22), sv1::SlaMetric::RUNNING,
            std::nullopt, std::nullopt);
  story.Sla(At(2, 23), sv1::SlaMetric::FIRST_RESPONSE, At(2, 22), sv1::SlaMetric::FULFILLED,
            At(2, 23), std::nullopt, absl::Hours(1));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kSlaDueFirstResponse), ElementsAre(Pair(3, 1)));
  EXPECT_THAT(DailyCounts(out, m::kSlaMetFirstResponse), ElementsAre(Pair(3, 1)));
  const TicketFacts facts = FactsOf(story);
  ASSERT_EQ(facts.sla_targets.size(), 1u);
  EXPECT_EQ(facts.sla_targets.begin()->second.due_time, At(3, 2));
  EXPECT_EQ(facts.sla_targets.begin()->second.result_time, At(2, 23));
}

// Reopen rate counts tickets: a ticket counts once in solved_tickets /
// reopened_tickets in each calendar period holding >= 1 of its solves /
// reopens, however many it has there.
TEST(SupportFactsTest, SolvedAndReopenedTicketsCountOncePerPeriod) {
  Story story("a", At(2, 9));
  story.Solve(At(2, 10));
  story.Reopen(At(2, 11));
  story.Solve(At(2, 12));
  story.Reopen(At(5, 8));
  story.Solve(At(6, 9));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyCounts(out, m::kSolvedTickets), ElementsAre(Pair(2, 1), Pair(6, 1)));
  EXPECT_THAT(DailyCounts(out, m::kReopenedTickets), ElementsAre(Pair(2, 1), Pair(5, 1)));
  // Window measures live in every calendar period: once in the month.
  EXPECT_EQ(CellOf(out, m::kSolvedTickets, PeriodOf(Grain::kMonth, Day(2))).count, 1);
  EXPECT_EQ(CellOf(out, m::kReopenedTickets, PeriodOf(Grain::kMonth, Day(2))).count, 1);
  EXPECT_EQ(CellOf(out, m::kSolvedTickets, PeriodOf(Grain::kYear, Day(2))).count, 1);
  // The events still count each.
  EXPECT_THAT(DailyCounts(out, m::kSolves), ElementsAre(Pair(2, 2), Pair(6, 1)));
}

// Business-time durations come from the SLA metrics Support fulfilled:
// first response at the reply, resolution at the last solve.
TEST(SupportFactsTest, BusinessTimesComeFromFulfilledSlaMetrics) {
  Story story("a", At(2, 9));
  story.Reply(At(2, 11), sv1::Message::AGENT);
  story.Sla(At(2, 11), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::FULFILLED,
            At(2, 11), std::nullopt, absl::Minutes(90));
  story.Solve(At(3, 9));
  story.Sla(At(3, 9), sv1::SlaMetric::RESOLUTION, At(2, 9), sv1::SlaMetric::FULFILLED, At(3, 9),
            std::nullopt, absl::Hours(9));
  const Contributions out = ContributionsOf(FactsOf(story));
  EXPECT_THAT(DailyTotals(out, m::kFirstResponseBusiness),
              ElementsAre(absl::ToInt64Milliseconds(absl::Minutes(90))));
  EXPECT_THAT(DailyCounts(out, m::kFirstResponseBusiness), ElementsAre(Pair(2, 1)));
  EXPECT_THAT(DailyTotals(out, m::kFullResolutionBusiness),
              ElementsAre(absl::ToInt64Milliseconds(absl::Hours(9))));
  EXPECT_THAT(DailyCounts(out, m::kFullResolutionBusiness), ElementsAre(Pair(3, 1)));
}

// Solved then closed leaves the backlog once; merged away (closed without a
// solve) leaves it at the close, with no resolution.
TEST(SupportFactsTest, BacklogLeavesOnceAtSolveOrClose) {
  Story solved("a", At(2, 9));
  solved.Solve(At(3, 9));
  solved.Close(At(7, 9));
  EXPECT_THAT(DailyCounts(ContributionsOf(FactsOf(solved)), m::kBacklog),
              ElementsAre(Pair(2, 1), Pair(3, -1)));

  Story target("t", At(2, 8));
  Story merged("m", At(2, 9));
  merged.MergeInto(At(4, 9), target);
  const Contributions out = ContributionsOf(FactsOf(merged));
  EXPECT_THAT(DailyCounts(out, m::kBacklog), ElementsAre(Pair(2, 1), Pair(4, -1)));
  EXPECT_THAT(DailyCounts(out, m::kFullResolution), IsEmpty());
  // The merge tells about the target too.
  TicketFacts target_facts;
  FoldSupportEvent(target_facts, "t", merged.events().back());
  EXPECT_TRUE(target_facts.known);
}

// Everything of a ticket moves with its newest snapshot's segment; an
// older snapshot delivered late does not move it back.
TEST(SupportFactsTest, SegmentsFollowTheNewestSnapshot) {
  Story story("a", At(2, 9), sv1::Ticket::EMAIL, sv1::Ticket::LOW);
  story.Reply(At(2, 10), sv1::Message::AGENT);
  story.SetPriority(At(3, 9), sv1::Ticket::HIGH);
  TicketFacts facts = FactsOf(story);
  FoldSupportEvent(facts, story.id(), story.events().front());  // the creation, again
  const Contributions out = ContributionsOf(facts);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2), m::kPriority, "HIGH").count, 1);
  EXPECT_EQ(CellOf(out, m::kFirstResponse, DayPeriod(2), m::kPriority, "HIGH").count, 1);
  EXPECT_EQ(CellOf(out, m::kTicketsCreated, DayPeriod(2), m::kPriority, "LOW").count, 0);
}

// Folding every event again in random orders, or a shuffled history from
// scratch, gives the same facts as the history once in order.
TEST(SupportFactsTest, DuplicatesAndOutOfOrderDeliveriesChangeNothing) {
  Story story("a", At(2, 9), sv1::Ticket::WEB, sv1::Ticket::HIGH);
  story.Sla(At(2, 9), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::RUNNING,
            std::nullopt, std::nullopt);
  story.Reply(At(2, 10), sv1::Message::AGENT);
  story.Sla(At(2, 10), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::FULFILLED,
            At(2, 10), std::nullopt, absl::Hours(1));
  story.Reply(At(2, 11), sv1::Message::CUSTOMER);
  story.Sla(At(2, 11), sv1::SlaMetric::NEXT_RESPONSE, At(2, 11), sv1::SlaMetric::RUNNING,
            std::nullopt, std::nullopt);
  story.Escalate(At(2, 12));
  story.Solve(At(2, 13));
  story.Rate(At(2, 14), 5);
  story.Reopen(At(3, 9));
  story.SetPriority(At(3, 10), sv1::Ticket::URGENT);
  story.Sla(At(3, 11), sv1::SlaMetric::NEXT_RESPONSE, At(3, 10), sv1::SlaMetric::RUNNING,
            std::nullopt, At(3, 11));
  story.Solve(At(4, 9));
  story.Rate(At(4, 10), 3);
  story.Close(At(8, 9));
  const TicketFacts expected = FactsOf(story);
  const Contributions expected_cells = ContributionsOf(expected);

  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<Event> shuffled = story.events();
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    TicketFacts again = expected;
    for (const Event& event : shuffled) FoldSupportEvent(again, story.id(), event);
    EXPECT_EQ(again, expected) << "re-delivery, round " << round;
    TicketFacts scratch;
    for (const Event& event : shuffled) FoldSupportEvent(scratch, story.id(), event);
    EXPECT_EQ(scratch, expected) << "out of order, round " << round;
    EXPECT_EQ(ContributionsOf(scratch).cells().size(), expected_cells.cells().size());
  }
}

// The change of a ticket's contributions, computed from the few that
// differ, equals its contributions after minus before, also across a
// segment change and from an unknown ticket.
TEST(SupportFactsTest, ChangeEqualsAfterMinusBefore) {
  Story story("a", At(2, 9), sv1::Ticket::PHONE, sv1::Ticket::LOW);
  story.Reply(At(2, 10), sv1::Message::AGENT);
  story.Sla(At(2, 10), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::FULFILLED,
            At(2, 10), std::nullopt, absl::Hours(1));
  story.Solve(At(2, 13));
  story.Rate(At(2, 14), 4);
  story.Reopen(At(3, 9));
  story.SetPriority(At(3, 10), sv1::Ticket::URGENT);
  story.Escalate(At(3, 11));
  story.Solve(At(4, 9));
  story.Close(At(8, 9));
  std::vector<TicketFacts> states(1);
  for (const Event& event : story.events()) {
    states.push_back(states.back());
    FoldSupportEvent(states.back(), story.id(), event);
  }
  const PeriodScheme scheme = PeriodScheme::Calendar(absl::FixedTimeZone(-5 * 3600));
  for (size_t from = 0; from < states.size(); ++from) {
    for (size_t to = from + 1; to < states.size(); ++to) {
      Contributions expected;
      AddTicketContributions(states[from], kTenant, scheme, -1, expected);
      AddTicketContributions(states[to], kTenant, scheme, 1, expected);
      expected.Prune();
      Contributions change;
      AddTicketChange(states[from], states[to], kTenant, scheme, change);
      change.Prune();
      ASSERT_EQ(change.cells().size(), expected.cells().size()) << from << " -> " << to;
      for (const auto& [key, cell] : expected.cells()) {
        auto it = change.cells().find(key);
        ASSERT_NE(it, change.cells().end()) << key.measure << " " << from << " -> " << to;
        EXPECT_EQ(it->second.count, cell.count);
        EXPECT_EQ(it->second.total, cell.total);
        EXPECT_EQ(it->second.digest, cell.digest);
      }
    }
  }
}

// Days are the tenant's: 23:30 UTC on 2 March is 3 March in Tokyo.
TEST(SupportFactsTest, DaysAreInTheTenantsTimeZone) {
  Story story("a", At(2, 23, 30));
  const Contributions out = ContributionsOf(FactsOf(story), absl::FixedTimeZone(9 * 3600));
  EXPECT_THAT(DailyCounts(out, m::kTicketsCreated), ElementsAre(Pair(3, 1)));
}

// A reply stamped before the ticket's creation (clock skew) counts as zero.
TEST(SupportFactsTest, NegativeDurationsCountAsZero) {
  Story story("a", At(2, 9));
  story.Reply(At(2, 8), sv1::Message::AGENT);
  EXPECT_THAT(DailyTotals(ContributionsOf(FactsOf(story)), m::kFirstResponse), ElementsAre(0));
}

// A window scheme adds only the WINDOW measures, once in the window, and
// only for solves and reopens inside it.
TEST(SupportFactsTest, WindowSchemeAddsOnlyWindowMeasuresInsideTheWindow) {
  Story story("a", At(2, 9));
  story.Solve(At(3, 9));
  story.Reopen(At(4, 9));
  story.Solve(At(4, 10));
  story.Reopen(At(12, 9));
  const Period window = Classify(Day(1), Day(10));
  Contributions out;
  AddTicketContributions(FactsOf(story), kTenant,
                         PeriodScheme::ForWindow(absl::UTCTimeZone(), window), 1, out);
  EXPECT_EQ(CellOf(out, m::kSolvedTickets, window).count, 1);
  EXPECT_EQ(CellOf(out, m::kReopenedTickets, window).count, 1);
  // Those two only, for the tenant and its four segments.
  for (const auto& [key, cell] : out.cells()) {
    EXPECT_TRUE(key.measure == m::kSolvedTickets || key.measure == m::kReopenedTickets)
        << key.measure;
  }
  EXPECT_EQ(out.cells().size(), 2u * 5);

  Story untouched("b", At(2, 9));
  Contributions none;
  AddTicketContributions(FactsOf(untouched), kTenant,
                         PeriodScheme::ForWindow(absl::UTCTimeZone(), window), 1, none);
  EXPECT_TRUE(none.empty());
}

// A subtraction of the same facts cancels every cell.
TEST(SupportFactsTest, NegativeSignCancels) {
  Story story("a", At(2, 9));
  story.Reply(At(2, 10), sv1::Message::AGENT);
  story.Solve(At(2, 11));
  const TicketFacts facts = FactsOf(story);
  Contributions out;
  const PeriodScheme scheme = PeriodScheme::Calendar(absl::UTCTimeZone());
  AddTicketContributions(facts, kTenant, scheme, 1, out);
  AddTicketContributions(facts, kTenant, scheme, -1, out);
  out.Prune();
  EXPECT_TRUE(out.empty());
}

// An article view counts for the whole tenant only.
TEST(SupportFactsTest, ArticleViewCountsForTheWholeTenant) {
  Contributions out;
  AddArticleViewContribution(At(2, 9), kTenant, PeriodScheme::Calendar(absl::UTCTimeZone()), 1,
                             out);
  EXPECT_EQ(CellOf(out, m::kArticleViews, DayPeriod(2)).count, 1);
  EXPECT_EQ(out.cells().size(), 2u);  // the day and the month
}

// The keeper takes Support's ticket and article-view events, nothing else.
TEST(SupportFactsTest, HandlesSupportTicketAndViewEventsOnly) {
  SupportFacts keeper;
  Event event;
  event.set_source(kSupportEventSource);
  for (const char* type : {"TicketCreated", "TicketMerged", "SlaBreached", "ArticleViewed"}) {
    event.set_type(type);
    EXPECT_TRUE(keeper.Handles(event)) << type;
  }
  event.set_type("ArticleVoted");
  EXPECT_FALSE(keeper.Handles(event));
  event.set_type("TicketCreated");
  event.set_source("tandem.success.v1");
  EXPECT_FALSE(keeper.Handles(event));
}

// The stored list forms read back as written, and malformed text is refused.
TEST(SupportFactsTest, ListEncodingsRoundTrip) {
  Story story("a", At(2, 9));
  story.Sla(At(2, 10), sv1::SlaMetric::FIRST_RESPONSE, At(2, 9), sv1::SlaMetric::FULFILLED,
            At(2, 10), std::nullopt);
  story.Sla(At(2, 11), sv1::SlaMetric::RESOLUTION, At(2, 9), sv1::SlaMetric::RUNNING, std::nullopt,
            std::nullopt);
  story.Solve(At(2, 12));
  story.Reopen(At(3, 9));
  const TicketFacts facts = FactsOf(story);
  std::map<int, absl::Time> solves;
  std::map<int, absl::Time> reopens;
  std::map<std::pair<int, absl::Time>, SlaTargetFact> targets;
  ASSERT_TRUE(DecodeCycleTimes(EncodeCycleTimes(facts.solves), solves));
  ASSERT_TRUE(DecodeCycleTimes(EncodeCycleTimes(facts.reopens), reopens));
  ASSERT_TRUE(DecodeSlaTargets(EncodeSlaTargets(facts.sla_targets), targets));
  EXPECT_EQ(solves, facts.solves);
  EXPECT_EQ(reopens, facts.reopens);
  EXPECT_EQ(targets, facts.sla_targets);
  EXPECT_EQ(targets.size(), 2u);
  EXPECT_FALSE(DecodeCycleTimes("1:x", solves));
  EXPECT_FALSE(DecodeSlaTargets("1:2:3", targets));
}

// A payload that does not parse is skipped, not folded.
TEST(SupportFactsTest, UnparseablePayloadIsSkipped) {
  Event event;
  event.set_source(kSupportEventSource);
  event.set_type("TicketCreated");
  sv1::ArticleViewed wrong;
  event.mutable_payload()->PackFrom(wrong);
  EXPECT_THAT(ObserveTickets(event), IsEmpty());
}

}  // namespace
}  // namespace tandem::metrics
