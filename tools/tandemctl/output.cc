#include "tools/tandemctl/output.h"

#include <algorithm>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "common/status.h"

namespace tandem::ctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Returns true for the bytes that start a UTF-8 character.
bool StartsCharacter(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) != 0x80; }

// Returns how many characters (not bytes) `text` holds.
size_t CharacterCount(absl::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), StartsCharacter));
}

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// Formats a message-typed value: the well-known types readably, anything
// else in the text format.
std::string FormatMessageValue(const Message& value) {
  const std::string& type = value.GetDescriptor()->full_name();
  if (type == google::protobuf::Timestamp::descriptor()->full_name()) {
    google::protobuf::Timestamp t;
    t.CopyFrom(value);
    return FormatTimestamp(t);
  }
  if (type == google::protobuf::Duration::descriptor()->full_name()) {
    google::protobuf::Duration d;
    d.CopyFrom(value);
    return FormatDuration(d);
  }
  if (type == google::protobuf::Any::descriptor()->full_name()) {
    google::protobuf::Any any;
    any.CopyFrom(value);
    return any.type_url();
  }
  return value.ShortDebugString();
}

// Formats element `index` of a repeated field, or the singular field when
// `index` is negative.
std::string FormatValue(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? reflection->GetRepeatedString(message, field, index)
                      : reflection->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? reflection->GetRepeatedInt32(message, field, index)
                                   : reflection->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? reflection->GetRepeatedInt64(message, field, index)
                                   : reflection->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? reflection->GetRepeatedUInt32(message, field, index)
                                   : reflection->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? reflection->GetRepeatedUInt64(message, field, index)
                                   : reflection->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? reflection->GetRepeatedDouble(message, field, index)
                                   : reflection->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? reflection->GetRepeatedFloat(message, field, index)
                                   : reflection->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? reflection->GetRepeatedBool(message, field, index)
                       : reflection->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? reflection->GetRepeatedEnumValue(message, field, index)
                                  : reflection->GetEnumValue(message, field);
      const auto* value = field->enum_type()->FindValueByNumber(number);
      return value != nullptr ? value->name() : absl::StrCat(number);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (repeated)
        return FormatMessageValue(reflection->GetRepeatedMessage(message, field, index));
      if (!reflection->HasField(message, field)) return "";
      return FormatMessageValue(reflection->GetMessage(message, field));
  }
  return "";
}

}  // namespace

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTime(t), absl::UTCTimeZone());
}

std::string FormatDuration(const google::protobuf::Duration& d) {
  if (d.seconds() == 0 && d.nanos() == 0) return "-";
  return absl::FormatDuration(absl::Trunc(FromProtoDuration(d), absl::Milliseconds(1)));
}

std::string Truncate(absl::string_view text, size_t max_chars) {
  std::string line(text);
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  if (CharacterCount(line) <= max_chars) return line;
  constexpr absl::string_view kEllipsis = "...";
  const size_t keep = max_chars > kEllipsis.size() ? max_chars - kEllipsis.size() : 0;
  size_t chars = 0;
  size_t end = 0;
  for (; end < line.size(); ++end) {
    if (StartsCharacter(line[end]) && chars++ == keep) break;
  }
  return absl::StrCat(line.substr(0, end), kEllipsis);
}

std::string OrDash(absl::string_view text) { return text.empty() ? "-" : std::string(text); }

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t column = 0; column < headers_.size(); ++column) {
    widths[column] = CharacterCount(headers_[column]);
    for (const auto& row : rows_) {
      widths[column] = std::max(widths[column], CharacterCount(row[column]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t column = 0; column < cells.size(); ++column) {
      absl::StrAppend(&line, cells[column]);
      if (column + 1 < cells.size()) {
        line.append(widths[column] - CharacterCount(cells[column]) + 2, ' ');
      }
    }
    out << line << "\n";
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

std::string FormatFields(const Message& message) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  size_t width = 0;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    width = std::max(width, descriptor->field(i)->name().size());
  }
  std::string out;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    std::string value;
    if (field->is_repeated()) {
      std::vector<std::string> items;
      const int size = message.GetReflection()->FieldSize(message, field);
      for (int index = 0; index < size; ++index) {
        items.push_back(FormatValue(message, field, index));
      }
      value = absl::StrJoin(items, ", ");
    } else {
      value = FormatValue(message, field, -1);
    }
    absl::StrAppend(&out, field->name(), ":", std::string(width - field->name().size() + 1, ' '),
                    OrDash(value), "\n");
  }
  return out;
}

absl::StatusOr<std::string> ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the response as JSON: ", status.message().as_string()));
  }
  return json;
}

void PrintError(std::ostream& err, const absl::Status& status) {
  err << "tandemctl: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
      << "\n";
  for (const FieldViolation& violation : FieldViolationsOf(status)) {
    err << "  " << violation.field << ": " << violation.description << "\n";
  }
}

}  // namespace tandem::ctl
