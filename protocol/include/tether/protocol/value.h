// Value: an in-memory msgpack value for control messages (PROTOCOL.md "Control messages").
// Control messages are small and rare next to data frames, so a simple owning tree is
// the right trade: easy to build, inspect, test and print as JSON. Data frames never
// become Values (see data_frame.h).
//
// Maps keep insertion order and have string keys only: PROTOCOL.md uses string keys
// everywhere, and the decoder refuses any other key type with bad_request.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tether::protocol {

class Value {
 public:
  using Bytes = std::vector<std::uint8_t>;
  using Array = std::vector<Value>;
  using Map = std::vector<std::pair<std::string, Value>>;

  enum class Kind { kNil, kBool, kUint, kInt, kDouble, kString, kBinary, kArray, kMap };

  Value() = default;  // nil
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  // Non-negative integers are always kUint, negative ones kInt, whatever C++ type made them.
  Value(int v) : Value(static_cast<long long>(v)) {}
  Value(long v) : Value(static_cast<long long>(v)) {}
  Value(long long v) {
    if (v < 0) {
      data_ = static_cast<std::int64_t>(v);
    } else {
      data_ = static_cast<std::uint64_t>(v);
    }
  }
  Value(unsigned v) : data_(static_cast<std::uint64_t>(v)) {}
  Value(unsigned long v) : data_(static_cast<std::uint64_t>(v)) {}
  Value(unsigned long long v) : data_(static_cast<std::uint64_t>(v)) {}
  Value(double d) : data_(d) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(Bytes b) : data_(std::move(b)) {}
  Value(Array a) : data_(std::move(a)) {}
  Value(Map m) : data_(std::move(m)) {}

  static Value MakeMap() { return Value(Map{}); }
  static Value MakeArray() { return Value(Array{}); }
  // {{"t","ok"},{"re",1}} builds a map.
  static Value MapOf(std::initializer_list<std::pair<std::string, Value>> items) {
    return Value(Map(items));
  }

  Kind kind() const;
  bool is_nil() const { return kind() == Kind::kNil; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_uint() const { return kind() == Kind::kUint; }
  bool is_int() const { return kind() == Kind::kInt || kind() == Kind::kUint; }
  bool is_double() const { return kind() == Kind::kDouble; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_binary() const { return kind() == Kind::kBinary; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_map() const { return kind() == Kind::kMap; }

  // Accessors; calling one of the wrong kind is a programming error (std::bad_variant_access).
  bool as_bool() const { return std::get<bool>(data_); }
  std::uint64_t as_uint() const { return std::get<std::uint64_t>(data_); }
  // An int of either sign that fits int64 (a kUint above INT64_MAX is a programming error).
  std::int64_t as_int() const;
  double as_double() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const Bytes& as_binary() const { return std::get<Bytes>(data_); }
  const Array& as_array() const { return std::get<Array>(data_); }
  Array& as_array() { return std::get<Array>(data_); }
  const Map& as_map() const { return std::get<Map>(data_); }
  Map& as_map() { return std::get<Map>(data_); }

  // Map lookup: nullptr when this is not a map or has no such key.
  const Value* Find(std::string_view key) const;
  // Map insert-or-replace; turns a nil into an empty map first. Returns *this for chaining.
  Value& Set(std::string key, Value v);
  // Array append; turns a nil into an empty array first.
  Value& Push(Value v);

  bool operator==(const Value& other) const = default;

  // Compact JSON-like text for logs, tests and tool output (binary as base64 "b64:...").
  std::string ToJson() const;

 private:
  std::variant<std::monostate, bool, std::uint64_t, std::int64_t, double, std::string, Bytes,
               Array, Map>
      data_;
};

}  // namespace tether::protocol
