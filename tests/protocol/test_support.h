// Helpers for writing msgpack test inputs by hand, byte by byte, so the tests do not
// depend on the encoder they check; and a printer for Values in failure messages.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tether/protocol/value.h"

namespace tether::protocol {

// Lets GoogleTest print a Value in failure messages as its JSON text (found by ADL).
inline void PrintTo(const Value& value, std::ostream* os) {
  constexpr std::size_t kMaxShown = 400;
  const std::string json = value.ToJson();
  *os << json.substr(0, kMaxShown) << (json.size() > kMaxShown ? "..." : "");
}

}  // namespace tether::protocol

namespace tether::protocol::testing {

using Bytes = std::vector<std::uint8_t>;

// "93 a2 61 62" → {0x93, 0xa2, 0x61, 0x62}; spaces are ignored.
inline Bytes Hex(std::string_view text) {
  Bytes out;
  std::string digits;
  for (char c : text) {
    if (c == ' ') continue;
    digits += c;
    if (digits.size() == 2) {
      out.push_back(static_cast<std::uint8_t>(std::strtoul(digits.c_str(), nullptr, 16)));
      digits.clear();
    }
  }
  return out;
}

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// The raw bytes of a text, without any msgpack header.
inline Bytes Raw(std::string_view text) { return Bytes(text.begin(), text.end()); }

// `n` bytes of filler.
inline Bytes Filler(std::size_t n, std::uint8_t byte = 'x') { return Bytes(n, byte); }

// A big-endian length or value of `width` bytes.
inline Bytes BigEndian(std::uint64_t v, std::size_t width) {
  Bytes out(width);
  for (std::size_t i = 0; i < width; ++i) {
    out[width - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  return out;
}

// fixstr for short texts, str8 / str16 / str32 above (the smallest form).
inline Bytes Str(std::string_view text) {
  const std::size_t n = text.size();
  Bytes header;
  if (n < 32) header = {static_cast<std::uint8_t>(0xa0 | n)};
  else if (n < 256) header = Cat({Hex("d9"), BigEndian(n, 1)});
  else if (n < 65536) header = Cat({Hex("da"), BigEndian(n, 2)});
  else header = Cat({Hex("db"), BigEndian(n, 4)});
  return Cat({header, Raw(text)});
}

}  // namespace tether::protocol::testing
