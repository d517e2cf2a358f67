// BatchPacker: the small data frames at the front of an output queue leave as one batch;
// control messages, large frames and lone frames are left as they are.
#include "transport/batch_packer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tether/protocol/codec.h"
#include "tether/protocol/data_batch.h"

namespace tether::broker {
namespace {

SharedMessage Frame(const std::string& payload) {
  return MessageBuffer::CopyOf(protocol::EncodeDataFrame(
      "s_1", 1, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}));
}

SharedMessage Control() {
  return MessageBuffer::CopyOf(protocol::Encode(protocol::Value::MapOf({{"t", "event"}, {"event", "x"}})));
}

std::vector<std::string> PayloadsOf(const SharedMessage& batch) {
  auto frames = protocol::PeekDataBatch(batch->bytes());
  EXPECT_TRUE(frames.ok()) << frames.status().ToString();
  std::vector<std::string> out;
  if (frames.ok()) {
    for (const auto& inner : *frames) out.emplace_back(inner.frame.payload.begin(), inner.frame.payload.end());
  }
  return out;
}

TEST(BatchPacker, PacksTheRunOfFramesBeforeAControlMessageInOrder) {
  std::deque<SharedMessage> queue = {Frame("a"), Frame("b"), Frame("c"), Control(), Frame("d")};
  std::size_t queued = queue[0]->size() + queue[1]->size() + queue[2]->size();
  auto packed = PackFrontFrames(queue);
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(packed->frames, 3u);
  EXPECT_EQ(packed->queued_bytes, queued);
  EXPECT_EQ(PayloadsOf(packed->message), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(queue.size(), 2u);  // the control message keeps its place before "d"
  EXPECT_EQ(protocol::ClassifyMessage(queue.front()->bytes()), protocol::MessageKind::kControl);
}

TEST(BatchPacker, LeavesAQueueAloneWhenItsFrontIsNotARunOfSmallFrames) {
  std::deque<SharedMessage> lone = {Frame("a"), Control(), Frame("b")};
  EXPECT_FALSE(PackFrontFrames(lone).has_value());
  EXPECT_EQ(lone.size(), 3u);
  std::deque<SharedMessage> control_first = {Control(), Frame("a"), Frame("b")};
  EXPECT_FALSE(PackFrontFrames(control_first).has_value());
  std::deque<SharedMessage> large_first = {Frame(std::string(kMaxPackedFrameBytes, 'x')), Frame("a"), Frame("b")};
  EXPECT_FALSE(PackFrontFrames(large_first).has_value());
  EXPECT_EQ(large_first.size(), 3u);
}

TEST(BatchPacker, StopsAtTheByteAndFrameCaps) {
  std::deque<SharedMessage> big;
  const std::string payload(3000, 'y');
  for (int i = 0; i < 40; ++i) big.push_back(Frame(payload));
  auto packed = PackFrontFrames(big);
  ASSERT_TRUE(packed.has_value());
  EXPECT_LE(packed->queued_bytes, kMaxPackedBatchBytes);
  EXPECT_EQ(packed->frames + big.size(), 40u);
  EXPECT_GT(big.size(), 0u);

  std::deque<SharedMessage> many;
  for (std::size_t i = 0; i < protocol::kMaxFramesPerBatch + 10; ++i) many.push_back(Frame(""));
  packed = PackFrontFrames(many);
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(packed->frames, protocol::kMaxFramesPerBatch);
  EXPECT_EQ(many.size(), 10u);
}

}  // namespace
}  // namespace tether::broker
