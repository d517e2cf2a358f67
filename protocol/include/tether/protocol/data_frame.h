// Data frames: `[session_id (str), channel (uint), payload (bin)]` (PROTOCOL.md "Data
// frames"). The broker routes a frame by its first two elements and forwards the same
// bytes unchanged, so the peek below reads the header in place and copies nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tether/protocol/status.h"

namespace tether::protocol {

// On the wire: never renumber.
enum class Channel : std::uint64_t {
  kTerminal = 1,
  kFileChunk = 2,
  kScreen = 3,
  kClipboard = 4,
  kApplicationFirst = 16,
};

struct DataFrameView {
  std::string_view session_id;           // points into the peeked buffer
  std::uint64_t channel = 0;
  std::span<const std::uint8_t> payload;  // points into the peeked buffer
};

// Reads the header of a data frame without copying. The whole buffer must be exactly one
// 3-element array of (str, uint, bin), with no trailing bytes; anything else is
// bad_request. The views stay valid while `bytes` does.
Result<DataFrameView> PeekDataFrame(std::span<const std::uint8_t> bytes);

// Encodes a data frame (clients and tests; the broker forwards what it received).
std::vector<std::uint8_t> EncodeDataFrame(std::string_view session_id, std::uint64_t channel,
                                          std::span<const std::uint8_t> payload);

}  // namespace tether::protocol
