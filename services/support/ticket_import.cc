#include "services/support/ticket_import.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/support/ticket_rules.h"
#include "services/support/ticket_sla.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxExternalId = 128;
constexpr int kMaxMessages = 1000;
constexpr int kMaxStatusChanges = 500;
constexpr size_t kMaxActor = 128;

bool ValidExternalId(const std::string& id) {
  return !id.empty() && id.size() <= kMaxExternalId &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                  c == '.' || c == ':';
         });
}

// Checks that `field` holds a time in [created, now].
void CheckStepTime(const google::protobuf::Timestamp& time, bool set, const std::string& field,
                   absl::Time created, absl::Time now, FieldViolations& violations) {
  if (!set) {
    violations.Add(field, "is required");
    return;
  }
  const absl::Time t = FromProtoTime(time);
  if (t < created) violations.Add(field, "is before the ticket's create_time");
  if (t > now) violations.Add(field, "is in the future");
}

// Marks a replayed event as imported (every ticket event has the field).
void MarkImported(google::protobuf::Message& event) {
  const auto* field = event.GetDescriptor()->FindFieldByName("imported");
  if (field != nullptr) event.GetReflection()->SetBool(&event, field, true);
}

// One step of the history: a message, a status change or the rating.
struct Step {
  absl::Time time;
  int kind;  // 0 message, 1 status change, 2 rating: the order at equal times
  int index;
};

}  // namespace

absl::Status ValidateImportTicket(const v1::ImportTicketRequest& request, absl::Time now) {
  FieldViolations violations;
  if (!ValidExternalId(request.external_id())) {
    violations.Add("external_id",
                   "must be 1 to 128 characters of letters, digits, '-', '_', '.' and ':'");
  }
  if (!request.has_ticket()) {
    violations.Add("ticket", "is required");
    return violations.ToStatus();
  }
  const v1::Ticket& ticket = request.ticket();
  CheckTicketFields(
      ticket, [](absl::string_view) { return true; }, violations);
  if (!ticket.has_create_time()) {
    violations.Add("ticket.create_time", "is required: the time the ticket was created");
    return violations.ToStatus();
  }
  const absl::Time created = FromProtoTime(ticket.create_time());
  if (created > now) violations.Add("ticket.create_time", "is in the future");
  if (request.messages_size() > kMaxMessages) {
    violations.Add("messages", absl::StrCat("must have at most ", kMaxMessages, " messages"));
  }
  for (int i = 0; i < request.messages_size() && i < kMaxMessages; ++i) {
    const std::string field = absl::StrCat("messages[", i, "]");
    const v1::Message& message = request.messages(i);
    CheckMessageFields(message, field, violations);
    CheckStepTime(message.create_time(), message.has_create_time(), field + ".create_time",
                  created, now, violations);
    if (message.author().size() > kMaxActor) {
      violations.Add(field + ".author", absl::StrCat("must be at most ", kMaxActor, " bytes"));
    }
  }
  if (request.status_changes_size() > kMaxStatusChanges) {
    violations.Add("status_changes",
                   absl::StrCat("must have at most ", kMaxStatusChanges, " changes"));
  }
  for (int i = 0; i < request.status_changes_size() && i < kMaxStatusChanges; ++i) {
    const std::string field = absl::StrCat("status_changes[", i, "]");
    const v1::ImportedStatusChange& change = request.status_changes(i);
    if (!v1::Ticket::Status_IsValid(change.status()) ||
        change.status() == v1::Ticket::STATUS_UNSPECIFIED || change.status() == v1::Ticket::NEW) {
      violations.Add(field + ".status", "must be OPEN, PENDING, ON_HOLD, SOLVED or CLOSED");
    }
    CheckStepTime(change.change_time(), change.has_change_time(), field + ".change_time", created,
                  now, violations);
    if (change.actor().size() > kMaxActor) {
      violations.Add(field + ".actor", absl::StrCat("must be at most ", kMaxActor, " bytes"));
    }
  }
  if (request.has_rating()) {
    const v1::SatisfactionRating& rating = request.rating();
    if (rating.score() < 1 || rating.score() > 5) violations.Add("rating.score", "must be 1 to 5");
    if (rating.comment().size() > 2000) {
      violations.Add("rating.comment", "must be at most 2000 bytes");
    }
    CheckStepTime(rating.rate_time(), rating.has_rate_time(), "rating.rate_time", created, now,
                  violations);
  }
  return violations.ToStatus();
}

absl::StatusOr<TicketImport> ReplayImport(const v1::ImportTicketRequest& request,
                                          const v1::Ticket& ticket, const std::string& importer,
                                          const std::vector<SlaRule>& rules,
                                          const std::function<std::string(absl::Time)>& new_id) {
  TicketImport import;
  const std::string id = ResourceIdOf(ticket.name());
  // Stored once, at row version 1: every snapshot carries that etag.
  const std::string etag = EtagFor(id, 1);
  v1::Ticket current = ticket;
  current.set_imported(true);
  current.set_external_id(request.external_id());
  current.set_etag(etag);
  const absl::Time created = FromProtoTime(ticket.create_time());
  StartTicketSla(current, rules, created);

  v1::TicketChange& creation = import.changes.emplace_back();
  creation.set_actor(importer);
  creation.set_field("ticket");
  creation.set_new_value(absl::StrCat("imported as ", request.external_id()));
  *creation.mutable_change_time() = ticket.create_time();
  auto created_event = std::make_unique<v1::TicketCreated>();
  *created_event->mutable_ticket() = current;
  created_event->set_imported(true);
  import.events.push_back({created, std::move(created_event)});

  std::vector<Step> steps;
  for (int i = 0; i < request.messages_size(); ++i) {
    steps.push_back({FromProtoTime(request.messages(i).create_time()), 0, i});
  }
  for (int i = 0; i < request.status_changes_size(); ++i) {
    steps.push_back({FromProtoTime(request.status_changes(i).change_time()), 1, i});
  }
  if (request.has_rating()) steps.push_back({FromProtoTime(request.rating().rate_time()), 2, 0});
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return std::tie(a.time, a.kind, a.index) < std::tie(b.time, b.kind, b.index);
  });

  auto take = [&](TicketUpdate update, absl::Time at, PostedMessage posted) {
    AdvanceTicketSla(current, update, rules, posted, at);
    RefreshEventSnapshots(update);
    current = std::move(update.ticket);
    for (v1::TicketChange& change : update.changes) import.changes.push_back(std::move(change));
    for (auto& event : update.events) {
      MarkImported(*event);
      import.events.push_back({at, std::move(event)});
    }
  };
  for (const Step& step : steps) {
    switch (step.kind) {
      case 0: {
        v1::Message message = request.messages(step.index);
        message.set_name(absl::StrCat(current.name(), "/messages/", new_id(step.time)));
        if (message.author().empty()) message.set_author(std::string(kImportActor));
        absl::StatusOr<MessagePosting> posting =
            DecideMessagePosting(current, message, step.time, etag);
        if (!posting.ok()) {
          return InvalidField(absl::StrCat("messages[", step.index, "]"),
                              std::string(posting.status().message()));
        }
        import.messages.push_back(posting->message);
        take(std::move(posting->ticket_update), step.time, KindOf(posting->message));
        break;
      }
      case 1: {
        const v1::ImportedStatusChange& change = request.status_changes(step.index);
        v1::UpdateTicketRequest update;
        update.mutable_ticket()->set_status(change.status());
        update.mutable_update_mask()->add_paths("status");
        const std::string actor =
            change.actor().empty() ? std::string(kImportActor) : change.actor();
        absl::StatusOr<TicketUpdate> decided =
            DecideTicketUpdate(current, update, actor, step.time, etag);
        if (!decided.ok()) {
          return InvalidField(absl::StrCat("status_changes[", step.index, "]"),
                              std::string(decided.status().message()));
        }
        take(*std::move(decided), step.time, PostedMessage::kNone);
        break;
      }
      case 2: {
        absl::StatusOr<TicketUpdate> decided =
            DecideRating(current, request.rating(), std::string(kImportActor), step.time, etag);
        if (!decided.ok()) {
          return InvalidField("rating", std::string(decided.status().message()));
        }
        take(*std::move(decided), step.time, PostedMessage::kNone);
        break;
      }
    }
  }
  import.ticket = std::move(current);
  return import;
}

}  // namespace tandem::support
