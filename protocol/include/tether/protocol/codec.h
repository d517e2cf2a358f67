// The wire codec of PROTOCOL.md, with no I/O: one WebSocket message holds exactly one
// msgpack value; a map is a control message, an array is a data frame.
//
// Decoding hostile input is this module's job: every limit below is enforced before
// memory is reserved for it (msgpack unpack_limit), trailing bytes are refused, and no
// exception escapes — failures come back as bad_request with a message saying what
// was wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::protocol {

// Hard limits of the decoder. The message-size limit itself is the transport's (close
// 1009); these bound what one message may declare inside it.
struct DecodeLimits {
  std::size_t max_depth = 16;             // nesting of arrays and maps
  std::size_t max_array_elements = 10000;  // per array
  std::size_t max_map_entries = 1024;      // per map
  std::size_t max_string_bytes = 1 << 20;
  std::size_t max_binary_bytes = 1 << 20;
};

enum class MessageKind { kControl, kDataFrame, kInvalid };

// Which kind a message is, from its first byte only (map → control, array → data frame).
MessageKind ClassifyMessage(std::span<const std::uint8_t> bytes);

// Encodes any Value as one msgpack value.
std::vector<std::uint8_t> Encode(const Value& value);

// How MsgpackWriter writes maps: as built (what Encode does), or with every map at any
// depth ordered by key, keys compared as unsigned byte strings and equal keys kept in
// their order (the canonical details of the audit chain, tether/storage/audit_chain.h).
enum class MapOrder { kAsBuilt, kSortedKeys };

// Appends msgpack to a caller's buffer, one value at a time, in the forms Encode writes
// (every integer and length in its shortest form, a double always as float 64). For
// encoders that write a message from fields rather than from a Value, and that reuse one
// buffer: it allocates nothing but the buffer's growth (and, for kSortedKeys, an index of
// a map whose keys are out of order).
class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::vector<std::uint8_t>& out) : out_(&out) {}

  void ArrayHeader(std::uint32_t size);
  void Uint(std::uint64_t value);
  void Int(std::int64_t value);
  void Bool(bool value);
  void Str(std::string_view text);
  void Write(const Value& value, MapOrder order = MapOrder::kAsBuilt);

 private:
  std::vector<std::uint8_t>* out_;  // not owned
};

// Decodes exactly one msgpack value occupying all of `bytes`.
Result<Value> Decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

// A decoded control message: a map with a string "t", an optional unsigned "id".
struct ControlMessage {
  std::string type;                // "t"
  std::optional<std::uint64_t> id;  // "id", when present and an unsigned integer
  Value body;                      // the whole map, "t" and "id" included
};

// Decodes a control message. On failure the Status is bad_request; `id_out`, when given,
// receives the "id" if it could be read even though the message as a whole was refused
// (PROTOCOL.md: the error then carries that `re`).
Result<ControlMessage> DecodeControl(std::span<const std::uint8_t> bytes,
                                     std::optional<std::uint64_t>* id_out = nullptr,
                                     const DecodeLimits& limits = {});

// Builders for the three shapes the broker sends. `fields` must be a map (or nil).
Value MakeOk(std::uint64_t re, Value fields = Value::MakeMap());
Value MakeError(std::optional<std::uint64_t> re, ErrorCode code, std::string_view message);
Value MakeEvent(std::string_view event, Value fields = Value::MakeMap());

// Typed field access for request handlers: each failure is bad_request naming the field
// and what it should have been, e.g. "field 'email' must be a string" (callers reading a
// nested map prefix its name, e.g. "auth: field 'email' ...").
Result<std::string> RequireString(const Value& map, std::string_view key);
Result<std::uint64_t> RequireUint(const Value& map, std::string_view key);
Result<bool> RequireBool(const Value& map, std::string_view key);
Result<const Value*> RequireMap(const Value& map, std::string_view key);
// Optional fields: absent → nullopt; present with the wrong type → bad_request.
Result<std::optional<std::string>> OptionalString(const Value& map, std::string_view key);
Result<std::optional<std::uint64_t>> OptionalUint(const Value& map, std::string_view key);
Result<std::optional<bool>> OptionalBool(const Value& map, std::string_view key);

}  // namespace tether::protocol
