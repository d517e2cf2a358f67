// Private to tether_protocol: turns a parsed msgpack object into an owning Value, refusing
// what PROTOCOL.md has no use for (non-string map keys, duplicate keys, ext types).
#pragma once

#include <msgpack.hpp>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::protocol {

// The object's depth is already bounded by the decoder's limits, so recursion is safe.
// May throw std::bad_alloc; Decode catches it.
Result<Value> ValueFromMsgpack(const msgpack::object& object);

}  // namespace tether::protocol
