// asciicast v2 lines, and bytes as JSON string contents (UTF-8 checked per Unicode
// Table 3-7; each maximal invalid subpart becomes one U+FFFD, as Unicode recommends).
#include "recording/asciicast.h"

#include <algorithm>
#include <cstdio>

namespace tether::broker {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the sequence `lead` starts (0: never a valid lead), and the range its
// second byte must fall in (the others are always 80..BF).
struct Lead {
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xBF;
};

Lead LeadOf(std::uint8_t b) {
  if (b < 0x80) return {1};
  if (b >= 0xC2 && b <= 0xDF) return {2};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return {3};
  if (b == 0xED) return {3, 0x80, 0x9F};  // no UTF-16 surrogates
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  return {0};
}

void AppendEscapedAscii(std::string& out, char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7F) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
    out += escaped;
    return;
  }
  out.push_back(c);
}

// A complete, valid sequence. Line and paragraph separators (and NEL) are escaped so
// that no reader that splits lines on them can cut an event in two.
void AppendCharacter(std::string& out, std::string_view sequence) {
  if (sequence == "\xE2\x80\xA8") return void(out += "\\u2028");
  if (sequence == "\xE2\x80\xA9") return void(out += "\\u2029");
  if (sequence == "\xC2\x85") return void(out += "\\u0085");
  out += sequence;
}

}  // namespace

std::string JsonStringContents(std::string_view bytes, bool keep_incomplete_tail, std::size_t* held) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  if (held != nullptr) *held = 0;
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto b = static_cast<std::uint8_t>(bytes[i]);
    if (b < 0x80) {
      AppendEscapedAscii(out, bytes[i++]);
      continue;
    }
    Lead lead = LeadOf(b);
    if (lead.length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    // How much of the sequence is valid so far.
    std::size_t valid = 1;
    while (valid < lead.length && i + valid < bytes.size()) {
      auto next = static_cast<std::uint8_t>(bytes[i + valid]);
      std::uint8_t low = valid == 1 ? lead.low : 0x80, high = valid == 1 ? lead.high : 0xBF;
      if (next < low || next > high) break;
      ++valid;
    }
    if (valid == lead.length) {
      AppendCharacter(out, bytes.substr(i, valid));
    } else if (i + valid == bytes.size() && keep_incomplete_tail) {
      if (held != nullptr) *held = valid;  // the next chunk may finish it
    } else {
      out += kReplacement;  // one for the whole maximal subpart
    }
    i += valid;
  }
  return out;
}

std::string AsciicastEncoder::Header(const AsciicastHeader& header) {
  std::string title = JsonStringContents(header.title, false, nullptr);
  char line[160];
  std::snprintf(line, sizeof line, "{\"version\": 2, \"width\": %u, \"height\": %u, \"timestamp\": %lld, ",
                header.cols, header.rows, static_cast<long long>(header.start_ms / 1000));
  return std::string(line) + "\"title\": \"" + title + "\"}\n";
}

std::string AsciicastEncoder::Time(std::int64_t at_ms) {
  last_offset_ms_ = std::max(last_offset_ms_, at_ms - start_ms_);
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(last_offset_ms_ / 1000),
                static_cast<long long>(last_offset_ms_ % 1000));
  return text;
}

std::string AsciicastEncoder::Line(std::int64_t at_ms, std::string_view type, std::string_view json_string) {
  std::string line = "[" + Time(at_ms) + ", \"";
  line += type;
  line += "\", \"";
  line += json_string;
  line += "\"]\n";
  return line;
}

std::string AsciicastEncoder::Output(std::int64_t at_ms, std::span<const std::uint8_t> bytes) {
  pending_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t held = 0;
  std::string text = JsonStringContents(pending_, true, &held);
  pending_.erase(0, pending_.size() - held);
  if (text.empty()) return {};
  return Line(at_ms, "o", text);
}

std::string AsciicastEncoder::Resize(std::int64_t at_ms, std::uint32_t cols, std::uint32_t rows) {
  return Line(at_ms, "r", std::to_string(cols) + "x" + std::to_string(rows));
}

std::string AsciicastEncoder::Finish(std::int64_t at_ms) {
  if (pending_.empty()) return {};
  std::string text = JsonStringContents(pending_, false, nullptr);
  pending_.clear();
  return Line(at_ms, "o", text);
}

}  // namespace tether::broker
