// How tandemctl shows things: aligned tables and "field: value" lines for
// people, one JSON object for scripts, and errors on stderr.
#ifndef TANDEM_TOOLS_TANDEMCTL_OUTPUT_H_
#define TANDEM_TOOLS_TANDEMCTL_OUTPUT_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::ctl {

// Returns `t` in RFC 3339 with seconds, in UTC, e.g. "2024-05-01T12:00:00Z";
// "-" when unset (zero).
std::string FormatTimestamp(const google::protobuf::Timestamp& t);

// Returns `d` like "1m30s"; "-" when unset (zero).
std::string FormatDuration(const google::protobuf::Duration& d);

// Returns `text` on one line (line breaks become spaces), cut to at most
// `max_chars` characters with "..." at the end when it was longer. Counts
// UTF-8 characters, never splitting one.
std::string Truncate(absl::string_view text, size_t max_chars);

// Returns `text`, or "-" when it is empty, so table cells never look blank.
std::string OrDash(absl::string_view text);

// A table printed with its columns aligned, two spaces apart:
//   Table table({"NAME", "STATUS"});
//   table.AddRow({"tickets/01J...", "NEW"});
//   table.Print(std::cout);
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Adds a row; it must have one cell per header.
  void AddRow(std::vector<std::string> cells);

  // Writes the header line and every row.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Returns one "field: value" line per field of `message`, in declaration
// order, values aligned: enums by name, timestamps in RFC 3339, repeated
// fields joined by ", ".
std::string FormatFields(const google::protobuf::Message& message);

// Returns `message` as one line of proto3 JSON, with fields at their
// default value included so scripts can rely on every key being there.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// Writes "tandemctl: CODE: message" and, indented below it, each field
// violation the status carries (google.rpc.BadRequest).
void PrintError(std::ostream& err, const absl::Status& status);

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_OUTPUT_H_
