// Reading of header-first CSV and TSV tables, shared by the dataset importers
// (dataset_io.h, lastfm_import.h, spotify_songs_import.h) so that all of them
// stream files the same way, find columns by name, and report bad input the
// same way: INVALID_ARGUMENT "<path>:<line>: <reason>", with offending values
// quoted and truncated.
//
// Thread safety: the free functions share no state; a TableReader is not
// thread-safe, distinct readers may be used concurrently.
#ifndef RECSYS_CORE_TEXT_IO_H_
#define RECSYS_CORE_TEXT_IO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"

namespace recsys::core {

// Size of the read and write buffers of table files.
inline constexpr size_t kIoBufferBytes = size_t{1} << 20;

// `value` in single quotes for an error message, cut to its first 64
// characters (then ending in "...'"): one broken field in a gigabyte file must
// not make a gigabyte message.
std::string Quote(absl::string_view value);

// The status of a failed open of `path` for `purpose` ("reading",
// "writing"): the code of `error_number` (ENOENT -> NOT_FOUND), or NOT_FOUND
// when error_number is 0. The message names the path.
absl::Status OpenError(absl::string_view path, absl::string_view purpose,
                       int error_number);

// Splits one CSV line into `fields` (cleared first) per RFC 4180: comma
// separated; a field may be double-quoted, "" inside quotes is one quote;
// quoted fields may contain commas but not line breaks. "" yields one empty
// field; a quote inside an unquoted field is kept as text. Reusing `fields`
// across lines avoids reallocating for every row.
// Returns INVALID_ARGUMENT on an unterminated quoted field or text after a
// closing quote.
absl::Status SplitCsvLineInto(absl::string_view line,
                              std::vector<std::string>& fields);

enum class TableFormat {
  kCsv,  // as SplitCsvLineInto
  kTsv,  // tab separated, no quoting
};

// Reads a header-first table file row by row, numbering lines for errors.
// Lines may end in LF or CRLF; a UTF-8 byte order mark before the header is
// dropped; blank lines are skipped. Bytes are passed through as they are (no
// encoding is checked), so Latin-1 text reads without error.
class TableReader {
 public:
  // Opens `path` and reads its header, whose fields (stripped of ASCII
  // whitespace) name the columns. Returns the open error (see OpenError), or
  // INVALID_ARGUMENT for a missing header or a repeated column name.
  static absl::StatusOr<std::unique_ptr<TableReader>> Open(
      const std::string& path, TableFormat format);

  // Position of column `name`, or -1 when the header lacks it.
  int Find(absl::string_view name) const;

  // Position of column `name`, or INVALID_ARGUMENT naming it, at the header
  // line, when the header lacks it.
  absl::StatusOr<int> Require(absl::string_view name) const;

  // Moves to the next non-blank row. Returns false at end of file; the OS
  // error's code for a read failure; INVALID_ARGUMENT for a row that does
  // not split (CSV) or whose field count differs from the header's.
  absl::StatusOr<bool> Next();

  // The current row's field in `column`; "" when column is -1. Valid until
  // the next call to Next().
  absl::string_view field(int column) const {
    return column < 0 ? absl::string_view() : fields_[column];
  }

  absl::string_view column_name(int column) const { return names_[column]; }

  // INVALID_ARGUMENT "<path>:<line>: <reason>" for the current line.
  absl::Status Error(absl::string_view reason) const {
    return ErrorAt(line_number_, reason);
  }

 private:
  TableReader(const std::string& path, TableFormat format);

  absl::Status ErrorAt(int64_t line, absl::string_view reason) const;
  bool ReadLine();
  absl::Status SplitRow();
  absl::Status ReadHeader();

  const std::string path_;
  const TableFormat format_;
  std::vector<char> buffer_;  // declared before in_, which uses it to the end
  std::ifstream in_;
  std::string line_;
  int64_t line_number_ = 0;
  int64_t header_line_ = 0;
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, int> columns_;
  std::vector<std::string> csv_fields_;    // CSV rows own their unquoted text
  std::vector<absl::string_view> fields_;  // into line_ or csv_fields_
};

// Field parsers: nullopt when the text is not a valid value.

// An integer in [0, 2^32).
std::optional<uint32_t> ParseCount(absl::string_view text);

// A finite number in [min, max].
std::optional<float> ParseNumberIn(absl::string_view text, float min,
                                   float max);

// Parses `column` of the current row with `parse` (text -> std::optional<T>).
// An empty field (or an absent column) yields `if_empty`, or an error when
// it is nullopt. Returns INVALID_ARGUMENT "column '<name>' is not
// <expected>: '<text>'" for text that `parse` rejects.
template <typename T, typename Parser>
absl::StatusOr<T> ParseField(const TableReader& reader, int column,
                             std::optional<T> if_empty, Parser parse,
                             absl::string_view expected) {
  const absl::string_view text = reader.field(column);
  if (text.empty() && if_empty.has_value()) return *if_empty;
  const std::optional<T> value = parse(text);
  if (!value.has_value()) {
    return reader.Error(absl::StrCat("column ",
                                     Quote(reader.column_name(column)),
                                     " is not ", expected, ": ", Quote(text)));
  }
  return *value;
}

// The field in `column`, or INVALID_ARGUMENT when it is empty.
absl::StatusOr<absl::string_view> RequireNonEmpty(const TableReader& reader,
                                                  int column);

// The valid input range of an audio feature: [0, 1] except loudness in
// [-100, 10] dB and tempo in [0, 300] bpm, wider than typical so that real
// exports (a few tracks louder than 0 dB, tempo 0 when no beat is found) load.
struct FeatureRange {
  float min;
  float max;
};
// `name` is one of kAudioFeatureNames.
FeatureRange AudioFeatureRange(absl::string_view name);

// The columns of the nine kAudioFeatureNames, in that order, or
// INVALID_ARGUMENT naming the first one the header lacks.
absl::StatusOr<std::array<int, kNumAudioFeatures>> RequireAudioFeatureColumns(
    const TableReader& reader);

// The current row's audio features from `columns` (as returned above), each
// required and within AudioFeatureRange; INVALID_ARGUMENT otherwise.
absl::StatusOr<AudioFeatures> ParseAudioFeatures(
    const TableReader& reader,
    const std::array<int, kNumAudioFeatures>& columns);

// Writes `contents` to `path` atomically: to "<path>.tmp.<pid>", fsynced,
// then renamed over `path`, so a reader (or a crash) sees the old file or
// the whole new one. The OS error's code naming the path on failure; the
// temporary file is removed.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

using IdIndex = absl::flat_hash_map<std::string, uint32_t>;

// Returns the index of `name` in `table`, appending it on first sight.
// Returns INVALID_ARGUMENT at the current line of `reader` when `table`
// would outgrow uint16_t; `what` names the table in that message.
absl::StatusOr<uint16_t> Intern(
    absl::string_view name, absl::string_view what,
    std::vector<std::string>& table,
    absl::flat_hash_map<std::string, uint16_t>& index,
    const TableReader& reader);

// OK while a table of `size` entries can take one more uint32_t index;
// INVALID_ARGUMENT at the current line of `reader` otherwise.
absl::Status CheckIndexRoom(size_t size, absl::string_view what,
                            const TableReader& reader);

}  // namespace recsys::core

#endif  // RECSYS_CORE_TEXT_IO_H_
