// Batches of data frames: the outer array is read here, each inner frame by PeekDataFrame
// on its own bytes, so a frame inside a batch obeys exactly the rules of a single one.
#include "tether/protocol/data_batch.h"

#include <msgpack.hpp>

#include <string>

#include "wire_bytes.h"

namespace tether::protocol {

using wire::Family;

bool IsDataBatch(std::span<const std::uint8_t> bytes) {
  const auto outer = wire::ReadHeader(bytes, 0);
  if (!outer || outer->family != Family::kArray || outer->value == 0) return false;
  const auto first = wire::ReadHeader(bytes, outer->size);
  return first && first->family == Family::kArray;
}

Result<std::vector<BatchedFrame>> PeekDataBatch(std::span<const std::uint8_t> bytes) {
  const auto outer = wire::ReadHeader(bytes, 0);
  if (!outer || outer->family != Family::kArray) return Status::BadRequest("a batch must be an array of data frames");
  if (outer->value == 0) return Status::BadRequest("a batch must hold at least one data frame");
  if (outer->value > kMaxFramesPerBatch) {
    return Status::BadRequest("batch of " + std::to_string(outer->value) + " frames over the limit of " +
                              std::to_string(kMaxFramesPerBatch));
  }
  std::vector<BatchedFrame> frames;
  frames.reserve(static_cast<std::size_t>(outer->value));
  std::size_t pos = outer->size;
  for (std::uint64_t i = 0; i < outer->value; ++i) {
    const std::size_t start = pos;
    if (!wire::SkipItem(bytes, pos)) return Status::BadRequest("batch frame " + std::to_string(i) + ": truncated");
    const auto inner = bytes.subspan(start, pos - start);
    auto frame = PeekDataFrame(inner);
    if (!frame.ok()) return Status::BadRequest("batch frame " + std::to_string(i) + ": " + frame.status().message());
    frames.push_back(BatchedFrame{*frame, inner});
  }
  if (pos != bytes.size()) return Status::BadRequest("trailing bytes after the batch");
  return frames;
}

std::vector<std::uint8_t> EncodeBatchHeader(std::size_t frame_count) {
  std::vector<std::uint8_t> out;
  wire::ByteSink sink{&out};
  msgpack::packer<wire::ByteSink> packer(sink);
  packer.pack_array(static_cast<std::uint32_t>(frame_count));
  return out;
}

std::vector<std::uint8_t> EncodeDataBatch(std::span<const std::vector<std::uint8_t>> frames) {
  std::size_t total = 5;
  for (const auto& frame : frames) total += frame.size();
  std::vector<std::uint8_t> out = EncodeBatchHeader(frames.size());
  out.reserve(total);
  for (const auto& frame : frames) out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

}  // namespace tether::protocol
