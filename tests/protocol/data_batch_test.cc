// Batches of data frames (PROTOCOL.md §2.4): telling a batch from a frame, reading every
// inner frame or refusing the whole batch, and the encoders.
#include "tether/protocol/data_batch.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tether::protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes Frame(const std::string& session, std::uint64_t channel, const std::string& payload) {
  return EncodeDataFrame(session, channel, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

std::string Text(std::span<const std::uint8_t> bytes) { return std::string(bytes.begin(), bytes.end()); }

TEST(DataBatch, IsToldFromASingleFrameByItsFirstElement) {
  Bytes frame = Frame("s_1", 1, "ls\n");
  EXPECT_FALSE(IsDataBatch(frame));
  EXPECT_TRUE(IsDataBatch(Cat({{0x91}, frame})));
  EXPECT_TRUE(IsDataBatch(Cat({{0xdc, 0x00, 0x01}, frame})));  // array16 form
  EXPECT_FALSE(IsDataBatch(Bytes{0x90}));                      // empty: a malformed frame
  EXPECT_FALSE(IsDataBatch(Bytes{0x91}));                      // nothing after the header
  EXPECT_FALSE(IsDataBatch(Bytes{0x81, 0xa1, 't'}));           // a control message
}

TEST(DataBatch, PeeksEveryFrameInOrderAsViewsIntoTheBatch) {
  Bytes first = Frame("s_a", 1, "hello");
  Bytes second = Frame("s_b", 2, std::string(300, 'x'));
  Bytes batch = EncodeDataBatch(std::vector<Bytes>{first, second});
  auto frames = PeekDataBatch(batch);
  ASSERT_TRUE(frames.ok()) << frames.status().ToString();
  ASSERT_EQ(frames->size(), 2u);
  EXPECT_EQ((*frames)[0].frame.session_id, "s_a");
  EXPECT_EQ((*frames)[0].frame.channel, 1u);
  EXPECT_EQ(Text((*frames)[0].frame.payload), "hello");
  EXPECT_EQ(Bytes((*frames)[0].bytes.begin(), (*frames)[0].bytes.end()), first);
  EXPECT_EQ((*frames)[1].frame.session_id, "s_b");
  EXPECT_EQ(Bytes((*frames)[1].bytes.begin(), (*frames)[1].bytes.end()), second);
  EXPECT_GE((*frames)[1].bytes.data(), batch.data());
  EXPECT_LE((*frames)[1].bytes.data() + (*frames)[1].bytes.size(), batch.data() + batch.size());
}

TEST(DataBatch, TheHeaderMatchesMsgpackArrayForms) {
  EXPECT_EQ(EncodeBatchHeader(2), Bytes({0x92}));
  EXPECT_EQ(EncodeBatchHeader(16), Bytes({0xdc, 0x00, 0x10}));
  EXPECT_EQ(EncodeBatchHeader(70000), Bytes({0xdd, 0x00, 0x01, 0x11, 0x70}));
}

TEST(DataBatch, RefusesTheWholeBatchNamingWhatIsWrong) {
  Bytes good = Frame("s_a", 1, "x");
  Bytes many = EncodeBatchHeader(kMaxFramesPerBatch + 1);
  for (std::size_t i = 0; i <= kMaxFramesPerBatch; ++i) many.insert(many.end(), good.begin(), good.end());
  struct Case {
    const char* name;
    Bytes bytes;
    const char* message_part;
  };
  const Case cases[] = {
      {"not an array", {0x81, 0xa1, 't', 0xa1, 'x'}, "array of data frames"},
      {"no frames", {0x90}, "at least one"},
      {"too many frames", many, "1025 frames over the limit of 1024"},
      {"payload not binary", Cat({{0x92}, good, {0x93, 0xa3, 's', '_', 'a', 0x01, 0xa1, 'x'}}), "batch frame 1: data frame payload must be binary"},
      {"a batch nested in a frame", Cat({{0x91, 0x93}, good, {0x01, 0xc4, 0x00}}), "batch frame 0: data frame session id must be a string"},
      {"truncated inner frame", Cat({{0x91}, Bytes(good.begin(), good.end() - 1)}), "batch frame 0: truncated"},
      {"declares two, holds one", Cat({{0x92}, good}), "batch frame 1: truncated"},
      {"trailing bytes", Cat({{0x91}, good, {0xc0}}), "trailing bytes after the batch"},
      {"a frame with a fourth element", Cat({{0x91, 0x94, 0xa3, 's', '_', 'a', 0x01, 0xc4, 0x00, 0xc0}}), "batch frame 0: data frame must have 3 elements"},
  };
  for (const Case& c : cases) {
    auto frames = PeekDataBatch(c.bytes);
    ASSERT_FALSE(frames.ok()) << c.name;
    EXPECT_EQ(frames.status().code(), ErrorCode::kBadRequest) << c.name;
    EXPECT_NE(frames.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << frames.status().message();
  }
}

TEST(DataBatch, AcceptsExactlyTheFrameLimit) {
  Bytes good = Frame("s_a", 1, "x");
  Bytes batch = EncodeBatchHeader(kMaxFramesPerBatch);
  for (std::size_t i = 0; i < kMaxFramesPerBatch; ++i) batch.insert(batch.end(), good.begin(), good.end());
  auto frames = PeekDataBatch(batch);
  ASSERT_TRUE(frames.ok()) << frames.status().ToString();
  EXPECT_EQ(frames->size(), kMaxFramesPerBatch);
}

}  // namespace
}  // namespace tether::protocol
