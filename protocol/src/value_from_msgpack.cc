// msgpack object → Value, for the decoder. Integers keep their sign as the Value contract
// says (non-negative → kUint, negative → kInt), both float widths become kDouble, and maps
// must have unique string keys: a duplicate "t" or "id" read one way here and another
// way by a different implementation is a classic smuggling trick.
#include "value_from_msgpack.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace tether::protocol {
namespace {

Status Convert(const msgpack::object& object, Value& out);

const char* TypeName(msgpack::type::object_type type) {
  switch (type) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "a boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER: return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return "a float";
    case msgpack::type::STR: return "a string";
    case msgpack::type::BIN: return "binary";
    case msgpack::type::ARRAY: return "an array";
    case msgpack::type::MAP: return "a map";
    default: return "an ext";
  }
}

// A key quoted in an error message: it comes from the network and ends up in logs.
std::string Printable(std::string_view key) {
  constexpr std::size_t kMaxShown = 64;
  std::string shown;
  for (char c : key.substr(0, kMaxShown)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (key.size() > kMaxShown) shown += "...";
  return shown;
}

std::string_view Text(const msgpack::object_str& str) {
  return str.size == 0 ? std::string_view() : std::string_view(str.ptr, str.size);
}

Status ConvertArray(const msgpack::object_array& array, Value& out) {
  Value::Array items(array.size);  // bounded: msgpack-cxx parsed this many elements
  for (std::uint32_t i = 0; i < array.size; ++i) {
    if (Status status = Convert(array.ptr[i], items[i]); !status.ok()) return status;
  }
  out = Value(std::move(items));
  return Status::Ok();
}

Status CheckUniqueKeys(const Value::Map& map) {
  std::vector<std::string_view> keys;
  keys.reserve(map.size());
  for (const auto& entry : map) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  const auto duplicate = std::adjacent_find(keys.begin(), keys.end());
  if (duplicate == keys.end()) return Status::Ok();
  return Status::BadRequest("duplicate map key '" + Printable(*duplicate) + "'");
}

Status ConvertMap(const msgpack::object_map& map, Value& out) {
  Value::Map entries;
  entries.reserve(map.size);  // bounded: msgpack-cxx parsed this many entries
  for (std::uint32_t i = 0; i < map.size; ++i) {
    const msgpack::object_kv& kv = map.ptr[i];
    if (kv.key.type != msgpack::type::STR) {
      return Status::BadRequest(std::string("map keys must be strings, not ") +
                                TypeName(kv.key.type));
    }
    Value item;
    if (Status status = Convert(kv.val, item); !status.ok()) return status;
    entries.emplace_back(std::string(Text(kv.key.via.str)), std::move(item));
  }
  if (Status status = CheckUniqueKeys(entries); !status.ok()) return status;
  out = Value(std::move(entries));
  return Status::Ok();
}

Status Convert(const msgpack::object& object, Value& out) {
  switch (object.type) {
    case msgpack::type::NIL: out = Value(); return Status::Ok();
    case msgpack::type::BOOLEAN: out = Value(object.via.boolean); return Status::Ok();
    case msgpack::type::POSITIVE_INTEGER: out = Value(object.via.u64); return Status::Ok();
    case msgpack::type::NEGATIVE_INTEGER: out = Value(object.via.i64); return Status::Ok();
    case msgpack::type::FLOAT32:  // msgpack-cxx widens float32 into f64
    case msgpack::type::FLOAT64: out = Value(object.via.f64); return Status::Ok();
    case msgpack::type::STR: out = Value(Text(object.via.str)); return Status::Ok();
    case msgpack::type::BIN: {
      const auto* data = reinterpret_cast<const std::uint8_t*>(object.via.bin.ptr);
      out = object.via.bin.size == 0 ? Value(Value::Bytes())
                                     : Value(Value::Bytes(data, data + object.via.bin.size));
      return Status::Ok();
    }
    case msgpack::type::ARRAY: return ConvertArray(object.via.array, out);
    case msgpack::type::MAP: return ConvertMap(object.via.map, out);
    default:  // EXT: the decoder's limits already refuse it; kept as a second line
      return Status::BadRequest("msgpack ext types are not allowed");
  }
}

}  // namespace

Result<Value> ValueFromMsgpack(const msgpack::object& object) {
  Value value;
  if (Status status = Convert(object, value); !status.ok()) return status;
  return value;
}

}  // namespace tether::protocol
