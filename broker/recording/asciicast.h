// AsciicastEncoder: turns one terminal session's output into asciicast v2 lines (the
// format `asciinema play` and `asciinema cat` read): a JSON header line, then one
// `[time, "o", data]` line per output chunk and `[time, "r", "COLSxROWS"]` per resize.
// Pure: no I/O, no clock of its own, so the writer thread and the tests drive it alike.
//
// Terminal output is bytes; asciicast wants JSON strings. A UTF-8 sequence split across
// two frames is held back and joined with the next chunk; a byte that can never be
// valid UTF-8 becomes U+FFFD (what asciinema itself does when it records). Times are
// seconds since the start with millisecond precision, never decreasing (a wall clock
// stepping back cannot make the file unplayable).
//
// Thread-safety: none; one instance per recording, used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tether::broker {

struct AsciicastHeader {
  std::uint32_t cols = 80;
  std::uint32_t rows = 24;
  std::int64_t start_ms = 0;  // epoch milliseconds; the header's `timestamp` is in seconds
  std::string title;
};

class AsciicastEncoder {
 public:
  explicit AsciicastEncoder(std::int64_t start_ms) : start_ms_(start_ms) {}

  // The header line (ending in "\n").
  static std::string Header(const AsciicastHeader& header);
  // The output line for `bytes` at `at_ms`, or "" when nothing complete is left to write
  // (all of it is the start of a character the next chunk finishes).
  std::string Output(std::int64_t at_ms, std::span<const std::uint8_t> bytes);
  // A resize event line.
  std::string Resize(std::int64_t at_ms, std::uint32_t cols, std::uint32_t rows);
  // At the end: an output line for a character left unfinished (as U+FFFD), else "".
  std::string Finish(std::int64_t at_ms);

  // Bytes held back: the start of a multi-byte character (at most 3).
  std::size_t pending() const { return pending_.size(); }

 private:
  std::string Line(std::int64_t at_ms, std::string_view type, std::string_view json_string);
  std::string Time(std::int64_t at_ms);

  std::int64_t start_ms_;
  std::int64_t last_offset_ms_ = 0;
  std::string pending_;
};

// `bytes` as the contents of a JSON string (without the quotes): valid UTF-8 copied,
// invalid bytes as U+FFFD, control characters and U+2028/U+2029 escaped. When
// `keep_incomplete_tail` is set, an incomplete but so far valid sequence at the end is
// not converted; its length is returned in `*held` (the caller keeps those bytes).
std::string JsonStringContents(std::string_view bytes, bool keep_incomplete_tail, std::size_t* held);

}  // namespace tether::broker
