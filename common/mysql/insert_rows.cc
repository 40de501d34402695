#include "common/mysql/insert_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/mysql/sql_params.h"
#include "common/status.h"

namespace tandem::mysql {

absl::Status InsertRows(Connection& db, absl::string_view insert, size_t width,
                        const std::vector<Value>& params, absl::string_view suffix,
                        const InsertRowsOptions& options) {
  // A statement may carry at most 65,535 parameter markers.
  constexpr size_t kMaxMarkers = 65535;
  if (width == 0 || params.size() % width != 0) {
    return absl::InternalError(
        absl::StrCat("InsertRows: ", params.size(), " values are not whole rows of ", width));
  }
  if (options.max_rows == 0 || options.max_rows * width > kMaxMarkers) {
    return absl::InternalError(absl::StrCat("InsertRows: max_rows ", options.max_rows, " of ",
                                            width, " values is not 1 to ", kMaxMarkers / width,
                                            " rows"));
  }
  const size_t rows = params.size() / width;
  std::vector<Value> chunk;
  for (size_t first = 0; first < rows; first += options.max_rows) {
    const size_t count = std::min(options.max_rows, rows - first);
    const size_t sent =
        options.pad_to_power_of_two ? std::min(PaddedCount(count), options.max_rows) : count;
    chunk.assign(params.begin() + first * width, params.begin() + (first + count) * width);
    const auto last_row = params.begin() + (first + count - 1) * width;
    for (size_t i = count; i < sent; ++i) chunk.insert(chunk.end(), last_row, last_row + width);
    RETURN_IF_ERROR(
        db.Execute(absl::StrCat(insert, " VALUES ", ParameterRows(sent, width), suffix), chunk)
            .status());
  }
  return absl::OkStatus();
}

}  // namespace tandem::mysql
