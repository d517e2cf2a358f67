// Packing queued data frames into one batch message.
#include "transport/batch_packer.h"

#include <vector>

#include "tether/protocol/codec.h"
#include "tether/protocol/data_batch.h"

namespace tether::broker {
namespace {

// Every array the broker queues is a single data frame (it never queues a batch), and
// every control message is a map.
bool IsSmallFrame(const SharedMessage& message) {
  return message->size() <= kMaxPackedFrameBytes &&
         protocol::ClassifyMessage(message->bytes()) == protocol::MessageKind::kDataFrame;
}

}  // namespace

std::optional<PackedBatch> PackFrontFrames(std::deque<SharedMessage>& queue) {
  std::size_t count = 0;
  std::size_t bytes = 0;
  for (const SharedMessage& message : queue) {
    if (count == protocol::kMaxFramesPerBatch || !IsSmallFrame(message) ||
        bytes + message->size() > kMaxPackedBatchBytes) {
      break;
    }
    ++count;
    bytes += message->size();
  }
  if (count < 2) return std::nullopt;
  std::vector<std::uint8_t> header = protocol::EncodeBatchHeader(count);
  auto batch = std::make_shared<MessageBuffer>(header.size() + bytes);
  batch->Append(header);
  for (std::size_t i = 0; i < count; ++i) {
    batch->Append(queue.front()->bytes());
    queue.pop_front();
  }
  return PackedBatch{std::move(batch), count, bytes};
}

}  // namespace tether::broker
