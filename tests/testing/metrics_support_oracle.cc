#include "tests/testing/metrics_support_oracle.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/proto_time.h"
#include "tandem/support/v1/article_events.pb.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::testing {
namespace {

namespace sv1 = tandem::support::v1;
using tandem::common::v1::Event;

// One event as seen by one ticket.
struct TicketEvent {
  const Event* event = nullptr;
  sv1::Ticket ticket;
  std::optional<sv1::Message> message;            // TicketReplied
  std::optional<sv1::SatisfactionRating> rating;  // TicketRated
};

template <typename Payload, typename Add>
void AddTicketOf(const Event& event, Add& add) {
  Payload payload;
  if (event.payload().UnpackTo(&payload)) add(event, payload.ticket());
}

// Every ticket's events, in feed order.
std::map<std::string, std::vector<TicketEvent>> ByTicket(const std::vector<Event>& events) {
  std::map<std::string, std::vector<TicketEvent>> out;
  auto add = [&out](const Event& event, const sv1::Ticket& ticket) -> TicketEvent& {
    TicketEvent& entry = out[ticket.name()].emplace_back();
    entry.event = &event;
    entry.ticket = ticket;
    return entry;
  };
  for (const Event& event : events) {
    const std::string& type = event.type();
    if (type == "TicketMerged") {
      sv1::TicketMerged merged;
      if (!event.payload().UnpackTo(&merged)) continue;
      add(event, merged.source());
      add(event, merged.target());
    } else if (type == "TicketReplied") {
      sv1::TicketReplied replied;
      if (!event.payload().UnpackTo(&replied)) continue;
      add(event, replied.ticket()).message = replied.message();
    } else if (type == "TicketRated") {
      sv1::TicketRated rated;
      if (!event.payload().UnpackTo(&rated)) continue;
      add(event, rated.ticket()).rating = rated.rating();
    } else if (type == "TicketCreated") {
      AddTicketOf<sv1::TicketCreated>(event, add);
    } else if (type == "TicketUpdated") {
      AddTicketOf<sv1::TicketUpdated>(event, add);
    } else if (type == "TicketSolved") {
      AddTicketOf<sv1::TicketSolved>(event, add);
    } else if (type == "TicketReopened") {
      AddTicketOf<sv1::TicketReopened>(event, add);
    } else if (type == "TicketClosed") {
      AddTicketOf<sv1::TicketClosed>(event, add);
    } else if (type == "TicketEscalated") {
      AddTicketOf<sv1::TicketEscalated>(event, add);
    } else if (type == "SlaBreached") {
      AddTicketOf<sv1::SlaBreached>(event, add);
    }
  }
  return out;
}

absl::Time OccurTime(const TicketEvent& e) { return FromProtoTime(e.event->occur_time()); }

std::string SegmentValue(const sv1::Ticket& ticket, const std::string& dimension) {
  if (dimension == "channel") {
    return ticket.channel() == 0 ? "" : sv1::Ticket::Channel_Name(ticket.channel());
  }
  if (dimension == "priority") {
    return ticket.priority() == 0 ? "" : sv1::Ticket::Priority_Name(ticket.priority());
  }
  if (dimension == "type") return ticket.type() == 0 ? "" : sv1::Ticket::Type_Name(ticket.type());
  if (dimension == "group") return ticket.group();
  return "";
}

int64_t Millis(absl::Duration d) { return std::max<int64_t>(0, absl::ToInt64Milliseconds(d)); }

const sv1::SlaMetric* Metric(const sv1::Ticket& ticket, sv1::SlaMetric::Kind kind) {
  for (const sv1::SlaMetric& metric : ticket.sla().metrics()) {
    if (metric.kind() == kind) return &metric;
  }
  return nullptr;
}

OracleSupportKpi Ratio(double numerator, double denominator, double scale) {
  OracleSupportKpi kpi;
  kpi.numerator = numerator;
  kpi.denominator = denominator;
  kpi.sample_size = static_cast<int64_t>(denominator);
  kpi.defined = denominator != 0;
  if (kpi.defined) kpi.value = numerator / denominator * scale;
  return kpi;
}

OracleSupportKpi Amount(double value) {
  OracleSupportKpi kpi;
  kpi.defined = true;
  kpi.value = value;
  kpi.numerator = value;
  kpi.denominator = 1;
  kpi.sample_size = static_cast<int64_t>(value);
  return kpi;
}

OracleSupportKpi Durations(std::vector<int64_t> millis) {
  OracleSupportKpi kpi;
  std::sort(millis.begin(), millis.end());
  kpi.durations_ms = millis;
  kpi.sample_size = static_cast<int64_t>(millis.size());
  kpi.denominator = static_cast<double>(millis.size());
  if (millis.empty()) {
    kpi.denominator = 0;
    return kpi;
  }
  kpi.defined = true;
  double sum = 0;
  for (int64_t value : millis) sum += static_cast<double>(value);
  kpi.numerator = sum / 1000;
  kpi.mean_ms = sum / static_cast<double>(millis.size());
  kpi.median_ms = SupportOracle::Quantile(millis, 0.5);
  kpi.p90_ms = SupportOracle::Quantile(millis, 0.9);
  kpi.value = kpi.median_ms / 1000;
  return kpi;
}

}  // namespace

void SupportOracle::Add(const Event& event) { events_.push_back(event); }

double SupportOracle::Quantile(const std::vector<int64_t>& values, double q) {
  const double h = (static_cast<double>(values.size()) - 1) * q;
  const size_t low = static_cast<size_t>(std::floor(h));
  const size_t high = std::min(low + 1, values.size() - 1);
  return static_cast<double>(values[low]) +
         (h - static_cast<double>(low)) * static_cast<double>(values[high] - values[low]);
}

std::map<std::string, OracleSupportKpi> SupportOracle::Compute(absl::CivilDay start,
                                                               absl::CivilDay end,
                                                               const std::string& dimension,
                                                               const std::string& value) const {
  const absl::Time from = absl::FromCivil(start, zone_);
  const absl::Time to = absl::FromCivil(end, zone_);
  auto in_window = [&](absl::Time t) { return from <= t && t < to; };

  // Reopen rate counts tickets: those with >= 1 reopen / >= 1 solve in the window.
  int64_t created = 0, open_at_end = 0, escalated = 0, solved_in_window = 0,
          reopened_in_window = 0;
  int64_t ratings = 0, good_ratings = 0, solved_tickets = 0, one_touch = 0, views = 0;
  std::vector<int64_t> first_response, first_response_business, full_resolution,
      full_resolution_business, first_resolution;
  std::map<int, std::pair<int64_t, int64_t>> sla;  // kind → (due, met)

  for (const auto& [name, events] : ByTicket(events_)) {
    const sv1::Ticket& now = events.back().ticket;  // the ticket as it is now
    if (!dimension.empty() && SegmentValue(now, dimension) != value) continue;
    const absl::Time create = FromProtoTime(events.front().ticket.create_time());
    if (in_window(create)) ++created;

    // Status at the window's end: as the last event before it left it.
    const TicketEvent* last_before_end = nullptr;
    for (const TicketEvent& e : events) {
      if (OccurTime(e) < to) last_before_end = &e;
    }
    if (create < to && last_before_end != nullptr &&
        last_before_end->ticket.status() != sv1::Ticket::SOLVED &&
        last_before_end->ticket.status() != sv1::Ticket::CLOSED) {
      ++open_at_end;
    }

    std::optional<absl::Time> first_reply, first_escalation;
    int public_agent_replies = 0;
    std::vector<absl::Time> solve_times;
    std::vector<absl::Time> reopen_times;
    int last_solve_index = -1, last_reopen_index = -1;
    std::optional<sv1::SatisfactionRating> latest_rating;
    std::map<std::pair<int, int64_t>, sv1::SlaMetric> targets;  // the last state of each
    // The last due time each target showed (Support clears it when the
    // target stops running).
    std::map<std::pair<int, int64_t>, absl::Time> due_times;
    for (size_t i = 0; i < events.size(); ++i) {
      const TicketEvent& e = events[i];
      const std::string& type = e.event->type();
      if (e.message.has_value() && !e.message->internal() &&
          e.message->author_type() == sv1::Message::AGENT) {
        ++public_agent_replies;
        const absl::Time at = FromProtoTime(e.message->create_time());
        if (!first_reply.has_value() || at < *first_reply) first_reply = at;
      }
      if (type == "TicketSolved") {
        solve_times.push_back(OccurTime(e));
        last_solve_index = static_cast<int>(i);
      }
      if (type == "TicketReopened") {
        reopen_times.push_back(OccurTime(e));
        last_reopen_index = static_cast<int>(i);
      }
      if (type == "TicketEscalated" && !first_escalation.has_value()) {
        first_escalation = OccurTime(e);
      }
      if (e.rating.has_value() &&
          (!latest_rating.has_value() ||
           FromProtoTime(e.rating->rate_time()) >= FromProtoTime(latest_rating->rate_time()))) {
        latest_rating = e.rating;
      }
      for (const sv1::SlaMetric& metric : e.ticket.sla().metrics()) {
        const std::pair<int, int64_t> key{metric.kind(),
                                          absl::ToUnixMicros(FromProtoTime(metric.start_time()))};
        targets[key] = metric;
        if (metric.has_due_time()) due_times[key] = FromProtoTime(metric.due_time());
      }
    }

    if (first_reply.has_value() && in_window(*first_reply)) {
      first_response.push_back(Millis(*first_reply - create));
      const sv1::SlaMetric* metric = Metric(now, sv1::SlaMetric::FIRST_RESPONSE);
      if (metric != nullptr && metric->stage() == sv1::SlaMetric::FULFILLED) {
        first_response_business.push_back(
            absl::ToInt64Milliseconds(absl::Seconds(metric->business_time().seconds()) +
                                      absl::Nanoseconds(metric->business_time().nanos())));
      }
    }
    if (std::any_of(solve_times.begin(), solve_times.end(), in_window)) ++solved_in_window;
    if (std::any_of(reopen_times.begin(), reopen_times.end(), in_window)) ++reopened_in_window;
    if (!solve_times.empty() && in_window(solve_times.front())) {
      first_resolution.push_back(Millis(solve_times.front() - create));
    }
    // Solved now: SOLVED or CLOSED, and not reopened after its last solve.
    const bool solved_now =
        (now.status() == sv1::Ticket::SOLVED || now.status() == sv1::Ticket::CLOSED) &&
        last_solve_index > last_reopen_index;
    if (solved_now && in_window(solve_times.back())) {
      ++solved_tickets;
      full_resolution.push_back(Millis(solve_times.back() - create));
      if (public_agent_replies == 1 && reopen_times.empty()) ++one_touch;
      const sv1::SlaMetric* metric = Metric(now, sv1::SlaMetric::RESOLUTION);
      if (metric != nullptr && metric->stage() == sv1::SlaMetric::FULFILLED) {
        full_resolution_business.push_back(
            absl::ToInt64Milliseconds(absl::Seconds(metric->business_time().seconds()) +
                                      absl::Nanoseconds(metric->business_time().nanos())));
      }
    }
    if (first_escalation.has_value() && in_window(*first_escalation)) ++escalated;
    if (latest_rating.has_value() && in_window(FromProtoTime(latest_rating->rate_time()))) {
      ++ratings;
      if (latest_rating->score() >= 4) ++good_ratings;
    }
    // A target counts when it comes due (its due time), met or missed.
    for (const auto& [key, metric] : targets) {
      const auto due_of = [&, key = key](const google::protobuf::Timestamp& otherwise) {
        auto it = due_times.find(key);
        return it != due_times.end() ? it->second : FromProtoTime(otherwise);
      };
      if (metric.breached()) {
        if (in_window(due_of(metric.breach_time()))) ++sla[key.first].first;
      } else if (metric.stage() == sv1::SlaMetric::FULFILLED && metric.has_target()) {
        if (in_window(due_of(metric.fulfill_time()))) {
          ++sla[key.first].first;
          ++sla[key.first].second;
        }
      }
    }
  }
  if (dimension.empty()) {
    for (const Event& event : events_) {
      if (event.type() != "ArticleViewed") continue;
      sv1::ArticleViewed viewed;
      if (event.payload().UnpackTo(&viewed) && in_window(FromProtoTime(viewed.view_time()))) {
        ++views;
      }
    }
  }

  const auto d = [](int64_t n) { return static_cast<double>(n); };
  std::map<std::string, OracleSupportKpi> out;
  out["first_response_time"] = Durations(first_response);
  out["first_response_time_business"] = Durations(first_response_business);
  out["resolution_time"] = Durations(full_resolution);
  out["resolution_time_business"] = Durations(full_resolution_business);
  out["first_resolution_time"] = Durations(first_resolution);
  out["csat"] = Ratio(d(good_ratings), d(ratings), 100);
  out["fcr"] = Ratio(d(one_touch), d(solved_tickets), 100);
  out["ticket_volume"] = Amount(d(created));
  out["backlog"] = Amount(d(open_at_end));
  out["sla_attainment_first_response"] = Ratio(d(sla[sv1::SlaMetric::FIRST_RESPONSE].second),
                                               d(sla[sv1::SlaMetric::FIRST_RESPONSE].first), 100);
  out["sla_attainment_next_response"] = Ratio(d(sla[sv1::SlaMetric::NEXT_RESPONSE].second),
                                              d(sla[sv1::SlaMetric::NEXT_RESPONSE].first), 100);
  out["sla_attainment_resolution"] = Ratio(d(sla[sv1::SlaMetric::RESOLUTION].second),
                                           d(sla[sv1::SlaMetric::RESOLUTION].first), 100);
  out["escalation_rate"] = Ratio(d(escalated), d(created), 100);
  out["reopen_rate"] = Ratio(d(reopened_in_window), d(solved_in_window), 100);
  out["self_service_ratio"] = Ratio(d(views), d(created), 1);
  return out;
}

}  // namespace tandem::testing
