#include "core/text_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/status_macros.h"

namespace recsys::core {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kMaxQuotedValue = 64;

}  // namespace

std::string Quote(absl::string_view value) {
  if (value.size() <= kMaxQuotedValue) return absl::StrCat("'", value, "'");
  return absl::StrCat("'", value.substr(0, kMaxQuotedValue), "...'");
}

absl::Status OpenError(absl::string_view path, absl::string_view purpose,
                       int error_number) {
  const std::string message =
      absl::StrCat("cannot open '", path, "' for ", purpose);
  // Without an errno, a missing file is the likeliest cause.
  if (error_number == 0) return absl::NotFoundError(message);
  return absl::ErrnoToStatus(error_number, message);
}

absl::Status SplitCsvLineInto(absl::string_view line,
                              std::vector<std::string>& fields) {
  fields.clear();
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      const size_t opening = i++;
      while (true) {
        const size_t quote = line.find('"', i);
        if (quote == absl::string_view::npos) {
          return absl::InvalidArgumentError(absl::StrCat(
              "unterminated quoted field starting at character ", opening + 1,
              " (line breaks inside quoted fields are not supported)"));
        }
        field.append(line.data() + i, quote - i);
        i = quote + 1;
        if (i < line.size() && line[i] == '"') {  // "" is one quote
          field.push_back('"');
          ++i;
          continue;
        }
        break;
      }
      if (i < line.size() && line[i] != ',') {
        return absl::InvalidArgumentError(absl::StrCat(
            "unexpected text after the closing quote at character ", i + 1));
      }
    } else {
      const size_t comma = std::min(line.find(',', i), line.size());
      field.assign(line.data() + i, comma - i);
      i = comma;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return absl::OkStatus();
    ++i;  // past the comma; a trailing comma leaves one empty field
  }
}

TableReader::TableReader(const std::string& path, TableFormat format)
    : path_(path), format_(format), buffer_(kIoBufferBytes) {}

absl::StatusOr<std::unique_ptr<TableReader>> TableReader::Open(
    const std::string& path, TableFormat format) {
  auto reader = std::unique_ptr<TableReader>(new TableReader(path, format));
  // A large buffer, installed before open() as libstdc++ requires: these
  // files run to gigabytes.
  reader->in_.rdbuf()->pubsetbuf(reader->buffer_.data(),
                                 reader->buffer_.size());
  errno = 0;
  reader->in_.open(path, std::ios::binary);
  if (!reader->in_.is_open()) return OpenError(path, "reading", errno);
  RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

int TableReader::Find(absl::string_view name) const {
  const auto it = columns_.find(name);
  return it == columns_.end() ? -1 : it->second;
}

absl::StatusOr<int> TableReader::Require(absl::string_view name) const {
  const int column = Find(name);
  if (column < 0) {
    return ErrorAt(header_line_,
                   absl::StrCat("missing required column ", Quote(name)));
  }
  return column;
}

absl::StatusOr<bool> TableReader::Next() {
  while (ReadLine()) {
    if (line_.empty()) continue;
    RETURN_IF_ERROR(SplitRow());
    if (fields_.size() != names_.size()) {
      return Error(absl::StrCat("expected ", names_.size(),
                                " fields as in the header, found ",
                                fields_.size()));
    }
    return true;
  }
  if (in_.bad()) {
    return absl::ErrnoToStatus(
        errno != 0 ? errno : EIO,
        absl::StrCat("cannot read '", path_, "' after line ", line_number_));
  }
  return false;
}

absl::Status TableReader::ErrorAt(int64_t line,
                                  absl::string_view reason) const {
  return absl::InvalidArgumentError(
      absl::StrCat(path_, ":", line, ": ", reason));
}

bool TableReader::ReadLine() {
  if (!std::getline(in_, line_)) return false;
  ++line_number_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

absl::Status TableReader::SplitRow() {
  fields_.clear();
  if (format_ == TableFormat::kTsv) {
    for (absl::string_view field : absl::StrSplit(line_, '\t')) {
      fields_.push_back(field);
    }
    return absl::OkStatus();
  }
  const absl::Status split = SplitCsvLineInto(line_, csv_fields_);
  if (!split.ok()) return Error(split.message());
  for (const std::string& field : csv_fields_) fields_.push_back(field);
  return absl::OkStatus();
}

absl::Status TableReader::ReadHeader() {
  bool found = false;
  while (!found && ReadLine()) {
    if (line_number_ == 1 && absl::StartsWith(line_, kUtf8Bom)) {
      line_.erase(0, kUtf8Bom.size());
    }
    found = !line_.empty();
  }
  if (!found) {
    return ErrorAt(std::max<int64_t>(line_number_, 1), "missing header line");
  }
  header_line_ = line_number_;
  RETURN_IF_ERROR(SplitRow());
  for (absl::string_view field : fields_) {
    names_.emplace_back(absl::StripAsciiWhitespace(field));
  }
  for (size_t i = 0; i < names_.size(); ++i) {
    // Unnamed columns (say, a spreadsheet's index) are ignored like any
    // unknown column, however many there are.
    if (names_[i].empty()) continue;
    if (!columns_.emplace(names_[i], static_cast<int>(i)).second) {
      return Error(absl::StrCat("repeated column ", Quote(names_[i])));
    }
  }
  return absl::OkStatus();
}

std::optional<uint32_t> ParseCount(absl::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0 ||
      value > std::numeric_limits<uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

std::optional<float> ParseNumberIn(absl::string_view text, float min,
                                   float max) {
  float value = 0;
  if (!absl::SimpleAtof(text, &value) || !std::isfinite(value) || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

absl::StatusOr<absl::string_view> RequireNonEmpty(const TableReader& reader,
                                                  int column) {
  const absl::string_view text = reader.field(column);
  if (text.empty()) {
    return reader.Error(absl::StrCat(
        "column ", Quote(reader.column_name(column)), " is empty"));
  }
  return text;
}

FeatureRange AudioFeatureRange(absl::string_view name) {
  if (name == "loudness") return {-100, 10};
  if (name == "tempo") return {0, 300};
  return {0, 1};
}

absl::StatusOr<uint16_t> Intern(
    absl::string_view name, absl::string_view what,
    std::vector<std::string>& table,
    absl::flat_hash_map<std::string, uint16_t>& index,
    const TableReader& reader) {
  const auto it = index.find(name);
  if (it != index.end()) return it->second;
  if (table.size() > std::numeric_limits<uint16_t>::max()) {
    return reader.Error(absl::StrCat("more than 65536 distinct ", what));
  }
  const uint16_t id = static_cast<uint16_t>(table.size());
  table.emplace_back(name);
  index.emplace(std::string(name), id);
  return id;
}

absl::Status CheckIndexRoom(size_t size, absl::string_view what,
                            const TableReader& reader) {
  if (size >= std::numeric_limits<uint32_t>::max()) {
    return reader.Error(absl::StrCat("more than 2^32 - 1 ", what));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::array<int, kNumAudioFeatures>> RequireAudioFeatureColumns(
    const TableReader& reader) {
  std::array<int, kNumAudioFeatures> columns;
  for (int f = 0; f < kNumAudioFeatures; ++f) {
    ASSIGN_OR_RETURN(columns[f], reader.Require(kAudioFeatureNames[f]));
  }
  return columns;
}

absl::StatusOr<AudioFeatures> ParseAudioFeatures(
    const TableReader& reader,
    const std::array<int, kNumAudioFeatures>& columns) {
  AudioFeatures audio;
  for (int f = 0; f < kNumAudioFeatures; ++f) {
    const FeatureRange range = AudioFeatureRange(kAudioFeatureNames[f]);
    ASSIGN_OR_RETURN(
        audio[f],
        ParseField<float>(
            reader, columns[f], std::nullopt,
            [range](absl::string_view text) {
              return ParseNumberIn(text, range.min, range.max);
            },
            absl::StrCat("a number in [", range.min, ", ", range.max, "]")));
  }
  return audio;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents) {
  // The pid keeps two processes writing the same file from sharing a
  // temporary file; the last rename wins, and both files are whole.
  const std::string temp = absl::StrCat(path, ".tmp.", ::getpid());
  auto fail = [&](absl::string_view what) {
    const int error = errno;
    ::unlink(temp.c_str());
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot write '", path, "': ", what));
  };
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("open");
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n =
        ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const absl::Status status = fail("write");
      ::close(fd);
      return status;
    }
    written += static_cast<size_t>(n);
  }
  // Flushed before the rename: after a crash, `path` holds the old or the
  // new contents, never an empty file.
  if (::fsync(fd) != 0) {
    const absl::Status status = fail("fsync");
    ::close(fd);
    return status;
  }
  if (::close(fd) != 0) return fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename");
  return absl::OkStatus();
}

}  // namespace recsys::core
