// Fuzz target: PeekDataFrame (protocol/src/data_frame.cc), the hand-written zero-copy
// header reader every data frame goes through. AddressSanitizer catches a read outside the
// frame; the checks below hold the peek to its contract (data_frame.h): views lie inside
// the frame, the session id is 1 to 128 bytes, and re-encoding what was peeked gives a
// frame that peeks the same.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "tether/protocol/data_frame.h"

using namespace tether::protocol;

namespace {

bool Inside(const void* view, std::size_t length, std::span<const std::uint8_t> frame) {
  const auto* begin = static_cast<const std::uint8_t*>(view);
  return length == 0 || (begin >= frame.data() && begin + length <= frame.data() + frame.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const auto frame = PeekDataFrame(bytes);
  if (!frame.ok()) {
    if (frame.status().code() != ErrorCode::kBadRequest) std::abort();
    return 0;
  }
  if (frame->session_id.empty() || frame->session_id.size() > 128) std::abort();
  if (!Inside(frame->session_id.data(), frame->session_id.size(), bytes)) std::abort();
  if (!Inside(frame->payload.data(), frame->payload.size(), bytes)) std::abort();

  const auto encoded = EncodeDataFrame(frame->session_id, frame->channel, frame->payload);
  const auto again = PeekDataFrame(encoded);
  if (!again.ok() || again->session_id != frame->session_id || again->channel != frame->channel ||
      !std::equal(again->payload.begin(), again->payload.end(), frame->payload.begin(),
                  frame->payload.end())) {
    std::abort();
  }
  return 0;
}
