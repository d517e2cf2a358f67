// Value: map and array editing, and the compact JSON text that logs and tools print.
#include "tether/protocol/value.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace tether::protocol {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 when it is not one (overlong
// forms, surrogates and code points past U+10FFFF included): decoded strings come from
// the network, and a log line or a JSON reader must never see broken UTF-8.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_low = 0xa0;   // overlong
    if (lead == 0xed) second_high = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_low = 0x90;   // overlong
    if (lead == 0xf4) second_high = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    const unsigned char low = k == 1 ? second_low : 0x80;
    const unsigned char high = k == 1 ? second_high : 0xbf;
    if (c < low || c > high) return 0;
  }
  return length;
}

void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {  // control bytes: no log-line forgery
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else if (c >= 0x80) {
      const std::size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out += "\\ufffd";  // one replacement per bad byte
        ++i;
        continue;
      }
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void AppendBase64(const Value::Bytes& bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const std::uint32_t n = (bytes[i] << 16) | (rest == 2 ? bytes[i + 1] << 8 : 0);
  out += kAlphabet[(n >> 18) & 63];
  out += kAlphabet[(n >> 12) & 63];
  out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
  out += '=';
}

void AppendDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no NaN or infinity
    out += "null";
    return;
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
  if (ec != std::errc()) {
    out += "null";
    return;
  }
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out += text;
  // Keep 1.0 apart from the integer 1 when a reader compares output.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

template <typename Integer>
void AppendInteger(Integer v, std::string& out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

void AppendJson(const Value& v, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::kNil: out += "null"; return;
    case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::kUint: AppendInteger(v.as_uint(), out); return;
    case Value::Kind::kInt: AppendInteger(v.as_int(), out); return;
    case Value::Kind::kDouble: AppendDouble(v.as_double(), out); return;
    case Value::Kind::kString: AppendJsonString(v.as_string(), out); return;
    case Value::Kind::kBinary:
      out += "\"b64:";
      AppendBase64(v.as_binary(), out);
      out += '"';
      return;
    case Value::Kind::kArray: {
      out += '[';
      const char* separator = "";
      for (const Value& item : v.as_array()) {
        out += separator;
        AppendJson(item, out);
        separator = ",";
      }
      out += ']';
      return;
    }
    case Value::Kind::kMap: {
      out += '{';
      const char* separator = "";
      for (const auto& [key, item] : v.as_map()) {
        out += separator;
        AppendJsonString(key, out);
        out += ':';
        AppendJson(item, out);
        separator = ",";
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

// The variant's alternatives are listed in Kind order, so the index is the kind.
Value::Kind Value::kind() const { return static_cast<Kind>(data_.index()); }

std::int64_t Value::as_int() const {
  if (const auto* u = std::get_if<std::uint64_t>(&data_)) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw std::out_of_range("Value::as_int: unsigned value past INT64_MAX");
    }
    return static_cast<std::int64_t>(*u);
  }
  return std::get<std::int64_t>(data_);
}

const Value* Value::Find(std::string_view key) const {
  const auto* map = std::get_if<Map>(&data_);
  if (map == nullptr) return nullptr;
  for (const auto& [k, v] : *map) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value& Value::Set(std::string key, Value v) {
  if (is_nil()) data_ = Map{};
  Map& map = as_map();
  for (auto& [k, existing] : map) {
    if (k == key) {
      existing = std::move(v);
      return *this;
    }
  }
  map.emplace_back(std::move(key), std::move(v));
  return *this;
}

Value& Value::Push(Value v) {
  if (is_nil()) data_ = Array{};
  as_array().push_back(std::move(v));
  return *this;
}

std::string Value::ToJson() const {
  std::string out;
  AppendJson(*this, out);
  return out;
}

}  // namespace tether::protocol
