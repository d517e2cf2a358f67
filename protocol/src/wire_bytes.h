// Private to tether_protocol: msgpack at the byte level. ReadHeader reads one header (type
// byte plus its length or value) straight from the bytes, never trusting a declared
// length: the data-frame peek parses with it, and the decoder uses it to say which
// declared length broke a limit (msgpack-cxx's exceptions do not carry the number) and to
// find a refused request's "id". ByteSink lets msgpack::packer write into a vector.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tether::protocol::wire {

enum class Family {
  kNil, kBool, kUint, kSignedInt, kFloat, kStr, kBin, kExt, kArray, kMap,
  kNeverUsed,  // 0xc1
};

struct Header {
  Family family = Family::kNeverUsed;
  // The integer for kUint; the declared element, entry or byte count for containers,
  // str, bin and ext; unused otherwise.
  std::uint64_t value = 0;
  std::size_t size = 0;       // bytes of the header itself, scalars' data included
  std::uint64_t payload = 0;  // bytes after the header that belong to it (str/bin/ext data)
};

// Big-endian unsigned of `width` bytes at `pos`; the caller has checked the bounds.
inline std::uint64_t ReadBigEndian(std::span<const std::uint8_t> bytes, std::size_t pos,
                                   std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = (v << 8) | bytes[pos + i];
  return v;
}

// A header whose length or value follows the type byte in `width` bytes.
inline std::optional<Header> Sized(std::span<const std::uint8_t> bytes, std::size_t pos,
                                   Family family, std::size_t width, std::size_t extra = 0) {
  if (bytes.size() - pos - 1 < width + extra) return std::nullopt;  // pos < size: caller
  Header h{family, ReadBigEndian(bytes, pos + 1, width), 1 + width + extra, 0};
  if (family == Family::kStr || family == Family::kBin || family == Family::kExt) {
    h.payload = h.value;
  }
  return h;
}

// A header whose whole data (`width` bytes) follows the type byte: numbers.
inline std::optional<Header> Fixed(std::span<const std::uint8_t> bytes, std::size_t pos,
                                   Family family, std::size_t width) {
  if (bytes.size() - pos - 1 < width) return std::nullopt;
  Header h{family, 0, 1 + width, 0};
  if (family == Family::kUint) h.value = ReadBigEndian(bytes, pos + 1, width);
  return h;
}

// The header starting at bytes[pos]; nullopt when the buffer ends inside it (the payload
// is not checked: compare `payload` with what is left).
inline std::optional<Header> ReadHeader(std::span<const std::uint8_t> bytes, std::size_t pos) {
  if (pos >= bytes.size()) return std::nullopt;
  const std::uint8_t b = bytes[pos];
  if (b <= 0x7f) return Header{Family::kUint, b, 1, 0};
  if (b <= 0x8f) return Header{Family::kMap, b & 0x0fu, 1, 0};
  if (b <= 0x9f) return Header{Family::kArray, b & 0x0fu, 1, 0};
  if (b <= 0xbf) return Header{Family::kStr, b & 0x1fu, 1, b & 0x1fu};
  if (b >= 0xe0) return Header{Family::kSignedInt, 0, 1, 0};
  switch (b) {
    case 0xc0: return Header{Family::kNil, 0, 1, 0};
    case 0xc2: case 0xc3: return Header{Family::kBool, b & 1u, 1, 0};
    case 0xc4: return Sized(bytes, pos, Family::kBin, 1);
    case 0xc5: return Sized(bytes, pos, Family::kBin, 2);
    case 0xc6: return Sized(bytes, pos, Family::kBin, 4);
    case 0xc7: return Sized(bytes, pos, Family::kExt, 1, 1);  // + the ext type byte
    case 0xc8: return Sized(bytes, pos, Family::kExt, 2, 1);
    case 0xc9: return Sized(bytes, pos, Family::kExt, 4, 1);
    case 0xca: return Fixed(bytes, pos, Family::kFloat, 4);
    case 0xcb: return Fixed(bytes, pos, Family::kFloat, 8);
    case 0xcc: return Fixed(bytes, pos, Family::kUint, 1);
    case 0xcd: return Fixed(bytes, pos, Family::kUint, 2);
    case 0xce: return Fixed(bytes, pos, Family::kUint, 4);
    case 0xcf: return Fixed(bytes, pos, Family::kUint, 8);
    case 0xd0: return Fixed(bytes, pos, Family::kSignedInt, 1);  // int8..64, whatever the sign
    case 0xd1: return Fixed(bytes, pos, Family::kSignedInt, 2);
    case 0xd2: return Fixed(bytes, pos, Family::kSignedInt, 4);
    case 0xd3: return Fixed(bytes, pos, Family::kSignedInt, 8);
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: {  // fixext 1..16, + type byte
      if (bytes.size() - pos < 2) return std::nullopt;
      const std::uint64_t data = std::uint64_t{1} << (b - 0xd4);
      return Header{Family::kExt, data, 2, data};
    }
    case 0xd9: return Sized(bytes, pos, Family::kStr, 1);
    case 0xda: return Sized(bytes, pos, Family::kStr, 2);
    case 0xdb: return Sized(bytes, pos, Family::kStr, 4);
    case 0xdc: return Sized(bytes, pos, Family::kArray, 2);
    case 0xdd: return Sized(bytes, pos, Family::kArray, 4);
    case 0xde: return Sized(bytes, pos, Family::kMap, 2);
    case 0xdf: return Sized(bytes, pos, Family::kMap, 4);
    default: return Header{Family::kNeverUsed, 0, 1, 0};  // 0xc1
  }
}

// Advances `pos` past one complete item, containers with all their contents; false when
// the bytes end or break first. Linear in the bytes whatever the lengths declare.
inline bool SkipItem(std::span<const std::uint8_t> bytes, std::size_t& pos) {
  std::uint64_t pending = 1;  // items still to skip; at most 2^33 added per header
  while (pending > 0) {
    const auto h = ReadHeader(bytes, pos);
    if (!h || h->family == Family::kNeverUsed) return false;
    if (h->payload > bytes.size() - pos - h->size) return false;
    pos += h->size + static_cast<std::size_t>(h->payload);
    --pending;
    if (h->family == Family::kArray) pending += h->value;
    if (h->family == Family::kMap) pending += 2 * h->value;
  }
  return true;
}

// The stream msgpack::packer writes to: appends straight to the caller's vector.
struct ByteSink {
  std::vector<std::uint8_t>* out;
  void write(const char* data, std::size_t size) {
    const auto* begin = reinterpret_cast<const std::uint8_t*>(data);
    out->insert(out->end(), begin, begin + size);
  }
};

// A float64 (0xcb) whatever its value. msgpack-cxx 4.1's pack_double writes integral
// doubles as integers (2.0 → 0x02, -0.0 → 0x00), so a kDouble would not come back as one.
inline void WriteFloat64(ByteSink& sink, double d) {
  const auto bits = std::bit_cast<std::uint64_t>(d);
  char out[9];
  out[0] = static_cast<char>(0xcb);
  for (std::size_t i = 0; i < 8; ++i) out[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  sink.write(out, sizeof out);
}

}  // namespace tether::protocol::wire
