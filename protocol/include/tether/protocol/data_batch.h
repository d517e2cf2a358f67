// Batches of data frames (PROTOCOL.md §2.4, ext): one WebSocket message holding a msgpack
// array of data frames, `[[session_id, channel, payload], ...]`, for clients that asked
// for them in hello. A batch is told from a single frame by its first element: an array
// where a single frame has a str. Each inner frame is exactly a data frame of §2.2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tether/protocol/data_frame.h"
#include "tether/protocol/status.h"

namespace tether::protocol {

// More frames than this in one batch is bad_request (the bytes are bounded by the
// message size limit).
constexpr std::size_t kMaxFramesPerBatch = 1024;

struct BatchedFrame {
  DataFrameView frame;                   // points into the batch's buffer
  std::span<const std::uint8_t> bytes;   // the whole inner frame, as a single frame's bytes
};

// Whether `bytes` is shaped as a batch: a msgpack array whose first element starts as
// an array. Says nothing about the rest (PeekDataBatch checks it all).
bool IsDataBatch(std::span<const std::uint8_t> bytes);

// Reads every frame of a batch without copying, or refuses the whole batch with
// bad_request: not an array, no frames, more than kMaxFramesPerBatch, an inner frame that
// PeekDataFrame refuses (the message names its index), trailing bytes. The views stay
// valid while `bytes` does.
Result<std::vector<BatchedFrame>> PeekDataBatch(std::span<const std::uint8_t> bytes);

// The msgpack array header of a batch of `frame_count` frames (1 to 5 bytes): followed by
// the frames' bytes back to back, it makes the batch.
std::vector<std::uint8_t> EncodeBatchHeader(std::size_t frame_count);

// A batch of already encoded frames (EncodeDataFrame's output), in order.
std::vector<std::uint8_t> EncodeDataBatch(std::span<const std::vector<std::uint8_t>> frames);

}  // namespace tether::protocol
