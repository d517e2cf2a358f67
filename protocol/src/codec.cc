// The control-message codec: Value <-> msgpack, the hostile-input decoder, the reply and
// event builders, and typed field access. The msgpack-object-to-Value conversion lives in
// value_from_msgpack.cc.
#include "tether/protocol/codec.h"

#include <msgpack.hpp>

#include <algorithm>
#include <cassert>
#include <exception>
#include <new>
#include <string>

#include "value_from_msgpack.h"
#include "wire_bytes.h"

namespace tether::protocol {
namespace {

using wire::Family;

// Every limit is checked by msgpack-cxx before it reserves memory for the declared
// length. Ext types are not part of PROTOCOL.md: a limit of 0 refuses all of them.
msgpack::unpack_limit ToUnpackLimit(const DecodeLimits& limits) {
  return msgpack::unpack_limit(limits.max_array_elements, limits.max_map_entries,
                               limits.max_string_bytes, limits.max_binary_bytes,
                               /*ext=*/0, limits.max_depth);
}

// "array of 100000000 elements over the limit of 10000". msgpack-cxx's exception does not
// carry the length, but it stopped at the first header breaking the limit, and everything
// before it parsed, so the first such header in byte order is the one.
Status Oversized(std::span<const std::uint8_t> bytes, Family family, std::size_t limit,
                 const char* noun, const char* unit) {
  const std::string tail = " over the limit of " + std::to_string(limit);
  std::size_t pos = 0;
  while (const auto h = wire::ReadHeader(bytes, pos)) {
    if (h->family == family && h->value > limit) {
      return Status::BadRequest(std::string(noun) + " of " + std::to_string(h->value) + " " +
                                unit + tail);
    }
    if (h->family == Family::kNeverUsed || h->payload > bytes.size() - pos - h->size) break;
    pos += h->size + static_cast<std::size_t>(h->payload);
  }
  return Status::BadRequest(std::string(noun) + tail + " " + unit);
}

// Runs msgpack-cxx and turns each of its exceptions into a bad_request naming the problem.
Status Unpack(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
              msgpack::object_handle& handle, std::size_t& offset) {
  // str and bin may point into `bytes` instead of being copied into the zone: the handle
  // is converted to a Value before `bytes` can go away.
  const auto reference_input = [](msgpack::type::object_type, std::size_t, void*) {
    return true;
  };
  try {
    handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(), offset,
                             reference_input, nullptr, ToUnpackLimit(limits));
  } catch (const msgpack::insufficient_bytes&) {
    return Status::BadRequest("truncated msgpack");
  } catch (const msgpack::parse_error&) {
    return Status::BadRequest("invalid msgpack byte");
  } catch (const msgpack::array_size_overflow&) {
    return Oversized(bytes, Family::kArray, limits.max_array_elements, "array", "elements");
  } catch (const msgpack::map_size_overflow&) {
    return Oversized(bytes, Family::kMap, limits.max_map_entries, "map", "entries");
  } catch (const msgpack::str_size_overflow&) {
    return Oversized(bytes, Family::kStr, limits.max_string_bytes, "string", "bytes");
  } catch (const msgpack::bin_size_overflow&) {
    return Oversized(bytes, Family::kBin, limits.max_binary_bytes, "binary", "bytes");
  } catch (const msgpack::ext_size_overflow&) {
    return Status::BadRequest("msgpack ext types are not allowed");
  } catch (const msgpack::depth_size_overflow&) {
    return Status::BadRequest("nesting deeper than " + std::to_string(limits.max_depth));
  }
  // Anything else (bad_alloc included) is caught by Decode, the module edge.
  if (!handle.zone()) return Status::BadRequest("undecodable msgpack");  // no value parsed
  return Status::Ok();
}

// Best effort for a refused request: the uint "id" of a top-level map, read from the bytes
// up to the first problem, so the error can carry `re` (PROTOCOL.md "Errors and closes").
std::optional<std::uint64_t> PeekRequestId(std::span<const std::uint8_t> bytes) {
  const auto map = wire::ReadHeader(bytes, 0);
  if (!map || map->family != Family::kMap) return std::nullopt;
  std::size_t pos = map->size;
  for (std::uint64_t i = 0; i < map->value; ++i) {
    const auto key = wire::ReadHeader(bytes, pos);
    if (!key || key->family != Family::kStr) return std::nullopt;
    if (key->payload > bytes.size() - pos - key->size) return std::nullopt;
    const auto* key_data = reinterpret_cast<const char*>(bytes.data() + pos + key->size);
    const std::string_view name(key_data, static_cast<std::size_t>(key->payload));
    pos += key->size + static_cast<std::size_t>(key->payload);
    if (name == "id") {
      const auto id = wire::ReadHeader(bytes, pos);
      if (id && id->family == Family::kUint) return id->value;
      return std::nullopt;
    }
    if (!wire::SkipItem(bytes, pos)) return std::nullopt;
  }
  return std::nullopt;
}

void PackStr(msgpack::packer<wire::ByteSink>& packer, std::string_view s) {
  packer.pack_str(static_cast<std::uint32_t>(s.size()));
  packer.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void Pack(wire::ByteSink& sink, const Value& value, MapOrder order);

void PackMap(wire::ByteSink& sink, const Value::Map& map, MapOrder order) {
  msgpack::packer<wire::ByteSink> packer(sink);
  packer.pack_map(static_cast<std::uint32_t>(map.size()));
  const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  // std::string's < compares as unsigned char (char_traits<char>), i.e. bytewise. Maps are
  // usually built in order already; only those that are not pay for an index.
  if (order == MapOrder::kSortedKeys && !std::is_sorted(map.begin(), map.end(), by_key)) {
    std::vector<const Value::Map::value_type*> sorted;
    sorted.reserve(map.size());
    for (const auto& entry : map) sorted.push_back(&entry);
    std::stable_sort(sorted.begin(), sorted.end(), [&](const auto* a, const auto* b) { return by_key(*a, *b); });
    for (const auto* entry : sorted) {
      PackStr(packer, entry->first);
      Pack(sink, entry->second, order);
    }
    return;
  }
  for (const auto& [key, item] : map) {
    PackStr(packer, key);
    Pack(sink, item, order);
  }
}

void Pack(wire::ByteSink& sink, const Value& value, MapOrder order) {
  msgpack::packer<wire::ByteSink> packer(sink);  // holds only a reference: cheap
  // Sizes are cast to uint32: msgpack cannot say more, and messages are capped far below.
  switch (value.kind()) {
    case Value::Kind::kNil: packer.pack_nil(); return;
    case Value::Kind::kBool: value.as_bool() ? packer.pack_true() : packer.pack_false(); return;
    case Value::Kind::kUint: packer.pack_uint64(value.as_uint()); return;
    case Value::Kind::kInt: packer.pack_int64(value.as_int()); return;
    case Value::Kind::kDouble: wire::WriteFloat64(sink, value.as_double()); return;
    case Value::Kind::kString: PackStr(packer, value.as_string()); return;
    case Value::Kind::kBinary: {
      const Value::Bytes& b = value.as_binary();
      packer.pack_bin(static_cast<std::uint32_t>(b.size()));
      packer.pack_bin_body(reinterpret_cast<const char*>(b.data()),
                           static_cast<std::uint32_t>(b.size()));
      return;
    }
    case Value::Kind::kArray:
      packer.pack_array(static_cast<std::uint32_t>(value.as_array().size()));
      for (const Value& item : value.as_array()) Pack(sink, item, order);
      return;
    case Value::Kind::kMap: PackMap(sink, value.as_map(), order); return;
  }
}

// Copies `fields` after the envelope keys already in `message`. The envelope wins: a result
// field named "t" or "re" must not turn a reply into something else.
Value WithFields(Value message, const Value& fields) {
  assert(fields.is_map() || fields.is_nil());
  if (!fields.is_map()) return message;
  for (const auto& [key, item] : fields.as_map()) {
    if (message.Find(key) == nullptr) message.as_map().emplace_back(key, item);
  }
  return message;
}

// How a field accessor reads one type: the check, the extraction, and the words for the
// error ("field 'id' must be an unsigned integer").
struct StringField {
  using Type = std::string;
  static constexpr const char* kWhat = "a string";
  static bool Is(const Value& v) { return v.is_string(); }
  static Type Get(const Value& v) { return v.as_string(); }
};
struct UintField {
  using Type = std::uint64_t;
  static constexpr const char* kWhat = "an unsigned integer";
  static bool Is(const Value& v) { return v.is_uint(); }
  static Type Get(const Value& v) { return v.as_uint(); }
};
struct BoolField {
  using Type = bool;
  static constexpr const char* kWhat = "a boolean";
  static bool Is(const Value& v) { return v.is_bool(); }
  static Type Get(const Value& v) { return v.as_bool(); }
};
struct MapField {
  using Type = const Value*;
  static constexpr const char* kWhat = "a map";
  static bool Is(const Value& v) { return v.is_map(); }
  static Type Get(const Value& v) { return &v; }
};

// The one lookup-and-type-check behind every accessor: absent → nullopt.
template <typename Field>
Result<std::optional<typename Field::Type>> ReadField(const Value& map, std::string_view key) {
  const Value* value = map.Find(key);
  if (value == nullptr) return std::optional<typename Field::Type>();
  if (!Field::Is(*value)) {
    return Status::BadRequest("field '" + std::string(key) + "' must be " + Field::kWhat);
  }
  return std::optional<typename Field::Type>(Field::Get(*value));
}

template <typename Field>
Result<typename Field::Type> RequireField(const Value& map, std::string_view key) {
  auto field = ReadField<Field>(map, key);
  if (!field.ok()) return field.status();
  if (!field->has_value()) return Status::BadRequest("missing field '" + std::string(key) + "'");
  return std::move(**field);
}

}  // namespace

MessageKind ClassifyMessage(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return MessageKind::kInvalid;
  const std::uint8_t first = bytes[0];
  if ((first >= 0x80 && first <= 0x8f) || first == 0xde || first == 0xdf) {
    return MessageKind::kControl;
  }
  if ((first >= 0x90 && first <= 0x9f) || first == 0xdc || first == 0xdd) {
    return MessageKind::kDataFrame;
  }
  return MessageKind::kInvalid;
}

std::vector<std::uint8_t> Encode(const Value& value) {
  std::vector<std::uint8_t> out;
  MsgpackWriter(out).Write(value);
  return out;
}

void MsgpackWriter::ArrayHeader(std::uint32_t size) {
  wire::ByteSink sink{out_};
  msgpack::packer<wire::ByteSink>(sink).pack_array(size);
}

void MsgpackWriter::Uint(std::uint64_t value) {
  wire::ByteSink sink{out_};
  msgpack::packer<wire::ByteSink>(sink).pack_uint64(value);
}

// pack_int64 writes a value >= 0 in the unsigned forms, as Value's kUint would be written.
void MsgpackWriter::Int(std::int64_t value) {
  wire::ByteSink sink{out_};
  msgpack::packer<wire::ByteSink>(sink).pack_int64(value);
}

void MsgpackWriter::Bool(bool value) { out_->push_back(value ? 0xc3 : 0xc2); }

void MsgpackWriter::Str(std::string_view text) {
  wire::ByteSink sink{out_};
  msgpack::packer<wire::ByteSink> packer(sink);
  PackStr(packer, text);
}

void MsgpackWriter::Write(const Value& value, MapOrder order) {
  wire::ByteSink sink{out_};
  Pack(sink, value, order);
}

Result<Value> Decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.empty()) return Status::BadRequest("empty message");
  // The module edge: msgpack-cxx reports with exceptions (type_error is a bad_cast, not an
  // unpack_error), and none may reach the event loop.
  try {
    msgpack::object_handle handle;
    std::size_t offset = 0;
    if (Status status = Unpack(bytes, limits, handle, offset); !status.ok()) return status;
    if (offset != bytes.size()) return Status::BadRequest("trailing bytes after the message");
    return ValueFromMsgpack(handle.get());
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory decoding a message");
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("undecodable msgpack: ") + e.what());
  } catch (...) {
    return Status::BadRequest("undecodable msgpack");
  }
}

Result<ControlMessage> DecodeControl(std::span<const std::uint8_t> bytes,
                                     std::optional<std::uint64_t>* id_out,
                                     const DecodeLimits& limits) {
  if (id_out != nullptr) *id_out = std::nullopt;
  auto decoded = Decode(bytes, limits);
  if (!decoded.ok()) {
    if (id_out != nullptr) *id_out = PeekRequestId(bytes);
    return decoded.status();
  }
  Value& body = decoded.value();
  if (!body.is_map()) return Status::BadRequest("a control message must be a map");
  auto id = ReadField<UintField>(body, "id");
  if (!id.ok()) return id.status();
  if (id_out != nullptr) *id_out = *id;
  auto type = RequireField<StringField>(body, "t");
  if (!type.ok()) return type.status();
  return ControlMessage{std::move(*type), *id, std::move(body)};
}

Value MakeOk(std::uint64_t re, Value fields) {
  return WithFields(Value::MapOf({{"t", "ok"}, {"re", re}}), fields);
}

Value MakeError(std::optional<std::uint64_t> re, ErrorCode code, std::string_view message) {
  Value error = Value::MapOf({{"t", "error"}});
  if (re) error.Set("re", *re);  // an error answering no request has no "re"
  error.Set("code", WireName(code));
  error.Set("message", message);
  return error;
}

Value MakeEvent(std::string_view event, Value fields) {
  return WithFields(Value::MapOf({{"t", "event"}, {"event", event}}), fields);
}

Result<std::string> RequireString(const Value& map, std::string_view key) {
  return RequireField<StringField>(map, key);
}
Result<std::uint64_t> RequireUint(const Value& map, std::string_view key) {
  return RequireField<UintField>(map, key);
}
Result<bool> RequireBool(const Value& map, std::string_view key) {
  return RequireField<BoolField>(map, key);
}
Result<const Value*> RequireMap(const Value& map, std::string_view key) {
  return RequireField<MapField>(map, key);
}
Result<std::optional<std::string>> OptionalString(const Value& map, std::string_view key) {
  return ReadField<StringField>(map, key);
}
Result<std::optional<std::uint64_t>> OptionalUint(const Value& map, std::string_view key) {
  return ReadField<UintField>(map, key);
}
Result<std::optional<bool>> OptionalBool(const Value& map, std::string_view key) {
  return ReadField<BoolField>(map, key);
}

}  // namespace tether::protocol
