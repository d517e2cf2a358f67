// MessageBuffer: the bytes of one message with the headroom lws_write needs in front.
#include "transport/message_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

namespace tether::broker {
namespace {

std::vector<std::uint8_t> Sequence(std::size_t size, std::uint8_t first) {
  std::vector<std::uint8_t> bytes(size);
  std::iota(bytes.begin(), bytes.end(), first);
  return bytes;
}

TEST(MessageBuffer, AppendsPastItsExpectedSizeKeepingEveryByte) {
  MessageBuffer buffer(3);
  std::vector<std::uint8_t> expected;
  for (int part = 0; part < 5; ++part) {
    auto bytes = Sequence(1000, static_cast<std::uint8_t>(part));
    buffer.Append(bytes);
    expected.insert(expected.end(), bytes.begin(), bytes.end());
  }
  EXPECT_EQ(std::vector<std::uint8_t>(buffer.bytes().begin(), buffer.bytes().end()), expected);
}

TEST(MessageBuffer, HeadroomBeforeThePayloadIsWritableWithoutTouchingIt) {
  auto bytes = Sequence(64, 7);
  SharedMessage message = MessageBuffer::CopyOf(bytes);
  // What lws_write does with a server frame: its header goes right before the payload.
  std::memset(message->payload_after_headroom() - MessageBuffer::kHeadroom, 0xAB, MessageBuffer::kHeadroom);
  EXPECT_EQ(std::vector<std::uint8_t>(message->bytes().begin(), message->bytes().end()), bytes);
}

TEST(MessageBuffer, MovedFromAndReleasedBuffersAreEmpty) {
  MessageBuffer buffer(10);
  buffer.Append(Sequence(10, 0));
  MessageBuffer taken = std::move(buffer);
  EXPECT_EQ(taken.size(), 10u);
  EXPECT_EQ(buffer.size(), 0u);  // NOLINT(bugprone-use-after-move): the state is defined
  EXPECT_TRUE(buffer.bytes().empty());
  taken.Release();
  EXPECT_EQ(taken.size(), 0u);
  taken.Append(Sequence(5, 1));
  EXPECT_EQ(taken.bytes()[4], 5);
}

TEST(MessageBuffer, AnEmptyCopyStillHasHeadroomForAWrite) {
  SharedMessage message = MessageBuffer::CopyOf({});
  EXPECT_EQ(message->size(), 0u);
  EXPECT_NE(message->payload_after_headroom(), nullptr);
}

}  // namespace
}  // namespace tether::broker
