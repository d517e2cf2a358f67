// The asciicast v2 encoder: header, timing, JSON escaping, UTF-8 split across frames and
// bytes that are not UTF-8 at all. Each line is also parsed back with nlohmann::json, as
// asciinema's own json.loads would.
#include "recording/asciicast.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tether::broker {
namespace {

std::vector<std::uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

// The [time, type, data] of one event line, which must be exactly one JSON line.
nlohmann::json Event(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per event";
  auto event = nlohmann::json::parse(line, nullptr, false);
  EXPECT_TRUE(event.is_array()) << line;
  return event;
}

TEST(Asciicast, HeaderIsVersion2WithSizeTimestampAndTitle) {
  AsciicastHeader header;
  header.cols = 120;
  header.rows = 40;
  header.start_ms = 1767225600123;
  header.title = "session \"s_1\"\n";
  auto parsed = nlohmann::json::parse(AsciicastEncoder::Header(header));
  EXPECT_EQ(parsed["version"], 2);
  EXPECT_EQ(parsed["width"], 120);
  EXPECT_EQ(parsed["height"], 40);
  EXPECT_EQ(parsed["timestamp"], 1767225600);
  EXPECT_EQ(parsed["title"], "session \"s_1\"\n");
}

TEST(Asciicast, TimesAreSecondsSinceTheStartWithMilliseconds) {
  AsciicastEncoder encoder(10'000);
  EXPECT_EQ(encoder.Output(10'000, Bytes("a")), "[0.000, \"o\", \"a\"]\n");
  EXPECT_EQ(encoder.Output(11'234, Bytes("b")), "[1.234, \"o\", \"b\"]\n");
  EXPECT_EQ(encoder.Resize(72'005, 100, 30), "[62.005, \"r\", \"100x30\"]\n");
}

TEST(Asciicast, TimeNeverGoesBackWhenTheClockDoes) {
  AsciicastEncoder encoder(10'000);
  encoder.Output(12'000, Bytes("a"));
  EXPECT_EQ(Event(encoder.Output(11'000, Bytes("b")))[0], 2.0);
  EXPECT_EQ(Event(encoder.Output(9'000, Bytes("c")))[0], 2.0);
}

TEST(Asciicast, ControlCharactersQuotesAndBackslashesAreEscaped) {
  AsciicastEncoder encoder(0);
  std::string raw = std::string("\x1b[1mbold\x1b[0m \"q\" \\ \r\n\t\b\f") + '\0' + "\x7f";
  std::string line = encoder.Output(0, Bytes(raw));
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_EQ(Event(line)[2], raw);
}

TEST(Asciicast, ValidUtf8IsKeptAndLineSeparatorsEscaped) {
  AsciicastEncoder encoder(0);
  std::string text = "café ✓ 🙂 \xE2\x80\xA8 \xC2\x85";
  std::string line = encoder.Output(0, Bytes(text));
  EXPECT_NE(line.find("café ✓ 🙂"), std::string::npos) << "kept as UTF-8, not escaped";
  EXPECT_NE(line.find("\\u2028"), std::string::npos);
  EXPECT_NE(line.find("\\u0085"), std::string::npos);
  EXPECT_EQ(Event(line)[2], text);
}

TEST(Asciicast, ACharacterSplitAcrossFramesIsJoined) {
  AsciicastEncoder encoder(0);
  std::string smile = "\xF0\x9F\x99\x82";  // U+1F642, four bytes
  EXPECT_EQ(Event(encoder.Output(0, Bytes("x" + smile.substr(0, 1))))[2], "x");
  EXPECT_EQ(encoder.pending(), 1u);
  EXPECT_EQ(encoder.Output(1, Bytes(smile.substr(1, 2))), "") << "still incomplete: nothing to write";
  EXPECT_EQ(Event(encoder.Output(2, Bytes(smile.substr(3) + "y")))[2], smile + "y");
  EXPECT_EQ(encoder.pending(), 0u);
  EXPECT_EQ(encoder.Finish(3), "");
}

TEST(Asciicast, InvalidBytesBecomeReplacementCharacters) {
  AsciicastEncoder encoder(0);
  const std::string fffd = "\xEF\xBF\xBD";
  // A lone continuation byte, an overlong lead, a surrogate, a truncated sequence followed
  // by ASCII, and a byte never valid in UTF-8.
  EXPECT_EQ(Event(encoder.Output(0, Bytes("a\x80" "b")))[2], "a" + fffd + "b");
  EXPECT_EQ(Event(encoder.Output(0, Bytes("\xC0\xAF")))[2], fffd + fffd);
  EXPECT_EQ(Event(encoder.Output(0, Bytes("\xED\xA0\x80")))[2], fffd + fffd + fffd);
  EXPECT_EQ(Event(encoder.Output(0, Bytes("\xE2\x82" "z")))[2], fffd + "z") << "one for the maximal subpart";
  EXPECT_EQ(Event(encoder.Output(0, Bytes("\xFF")))[2], fffd);
}

TEST(Asciicast, AnUnfinishedCharacterAtTheEndIsWrittenAsReplacement) {
  AsciicastEncoder encoder(0);
  EXPECT_EQ(encoder.Output(0, Bytes("\xE2\x82")), "");
  EXPECT_EQ(Event(encoder.Finish(5))[2], "\xEF\xBF\xBD");
}

TEST(Asciicast, AHeldBackStartFollowedByAnInvalidByteIsReplacedNotLost) {
  AsciicastEncoder encoder(0);
  EXPECT_EQ(encoder.Output(0, Bytes("\xE2")), "");
  EXPECT_EQ(Event(encoder.Output(1, Bytes("A")))[2], "\xEF\xBF\xBD" "A");
}

}  // namespace
}  // namespace tether::broker
