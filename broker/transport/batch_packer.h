// BatchPacker: for a receiver that negotiated batches (PROTOCOL.md §2.4), the run of
// small data frames at the front of its output queue leaves as one batch message — one
// WebSocket frame and one write instead of one each. Control messages are never packed
// and keep their place between frames, so the order the receiver sees is unchanged.
//
// Thread-safety: none, loop thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

#include "transport/message_buffer.h"

namespace tether::broker {

struct PackedBatch {
  SharedMessage message;
  std::size_t frames = 0;
  std::size_t queued_bytes = 0;  // the packed frames' own sizes, as the queue counted them
};

// Frames over this size go alone: packing would copy them for no saving worth having.
constexpr std::size_t kMaxPackedFrameBytes = 4 * 1024;
// A packed batch stops growing here (well under the smallest message limit a client keeps).
constexpr std::size_t kMaxPackedBatchBytes = 64 * 1024;

// Removes the run of two or more small data frames at the front of `queue` and returns it
// as one batch; nullopt (queue untouched) when the front is not such a run.
std::optional<PackedBatch> PackFrontFrames(std::deque<SharedMessage>& queue);

}  // namespace tether::broker
