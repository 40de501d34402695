// What the `tandemctl success ...` views share and can be tested without a
// server: money in major units, dates relative to now, filter values, times
// given as RFC 3339 or as a duration from now, and the caller's subject.
#ifndef TANDEM_TOOLS_TANDEMCTL_SUCCESS_FORMAT_H_
#define TANDEM_TOOLS_TANDEMCTL_SUCCESS_FORMAT_H_

#include <cstdint>
#include <string>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem::ctl {

// Returns how many decimal digits the minor unit of ISO 4217 `currency`
// has: 0 for JPY, KRW and other currencies without a minor unit, 3 for
// BHD, KWD, OMR..., else 2 (also for an empty or unknown code).
int CurrencyExponent(absl::string_view currency);

// Returns `minor` units of `currency` in major units with thousands
// separators and the code, e.g. FormatMoney(120000, "USD") ==
// "1,200.00 USD", FormatMoney(-5000, "JPY") == "-5,000 JPY"; without a
// code when `currency` is empty.
std::string FormatMoney(int64_t minor, absl::string_view currency);

// Parses an amount in major units of `currency` ("1200", "1200.5",
// "-75.25", "1,200.00") into minor units. INVALID_ARGUMENT for anything
// else, more decimals than the currency has, or an amount that does not fit.
absl::StatusOr<int64_t> ParseMoney(absl::string_view major, absl::string_view currency);

// Returns the UTC date of `t`, e.g. "2026-12-01"; "-" when unset.
std::string FormatDate(const google::protobuf::Timestamp& t);

// Returns how far `t` lies from `now` in whole days, for people: "today",
// "in 12d", "3d ago"; "-" when unset.
std::string DaysFromNow(const google::protobuf::Timestamp& t, absl::Time now);

// Returns `value` as a double-quoted filter value (AIP-160 string with
// `\"` and `\\` escapes), e.g. "alice" -> "\"alice\"".
std::string QuoteFilterValue(absl::string_view value);

// Reads a time given on the command line: RFC 3339 ("2026-11-01T00:00:00Z")
// or a duration counted from `now`, forward when `direction` is +1
// ("3d", "36h", "90m" -> now + it) and back when -1. Days ("d") are 24
// hours; the other units are absl::ParseDuration's. INVALID_ARGUMENT
// otherwise.
absl::StatusOr<absl::Time> ParseTimeOrOffset(absl::string_view text, absl::Time now, int direction);

// Returns the `sub` claim of a JWT without checking its signature (the
// server checks it); INVALID_ARGUMENT when `token` is empty, not a JWT or
// has no subject. Used for "mine" filters the server cannot do itself.
absl::StatusOr<std::string> TokenSubject(absl::string_view token);

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_SUCCESS_FORMAT_H_
