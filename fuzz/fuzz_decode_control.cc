// Fuzz target: DecodeControl (protocol/src/codec.cc), the broker's first look at every
// control message a stranger sends. Beyond "no crash, no sanitizer report" it checks the
// decoder's contract (codec.h): a refusal is bad_request (or internal for memory), an
// accepted message is a map whose "t" is a string, and encoding what was decoded gives
// bytes that decode again to the same encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>

#include "tether/protocol/codec.h"

using namespace tether::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  std::optional<std::uint64_t> id;
  auto message = DecodeControl(bytes, &id);
  if (!message.ok()) {
    const ErrorCode code = message.status().code();
    if (code != ErrorCode::kBadRequest && code != ErrorCode::kInternal) std::abort();
    return 0;
  }
  if (!message->body.is_map() || message->body.Find("t") == nullptr) std::abort();
  if (message->id != id) std::abort();

  const auto encoded = Encode(message->body);
  auto again = DecodeControl(encoded);
  if (!again.ok() || Encode(again->body) != encoded) std::abort();
  return 0;
}
