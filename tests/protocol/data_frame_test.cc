// Data frames: the zero-copy header peek over every wire width, its refusals, and the
// encoder.
#include "tether/protocol/data_frame.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tether/protocol/codec.h"
#include "test_support.h"

namespace tether::protocol {
namespace {

using testing::BigEndian;
using testing::Bytes;
using testing::Cat;
using testing::Filler;
using testing::Hex;
using testing::Raw;
using testing::Str;

// Headers in an explicit wire form, so each width is exercised even where it is not the
// smallest encoding.
Bytes StrHeader(std::uint8_t form, std::size_t n) {
  if (form == 0xa0) return {static_cast<std::uint8_t>(0xa0 | n)};
  const std::size_t width = form == 0xd9 ? 1 : form == 0xda ? 2 : 4;
  return Cat({{form}, BigEndian(n, width)});
}
Bytes UintForm(std::uint8_t form, std::uint64_t v) {
  if (form == 0x00) return {static_cast<std::uint8_t>(v)};
  const std::size_t width = form == 0xcc ? 1 : form == 0xcd ? 2 : form == 0xce ? 4 : 8;
  return Cat({{form}, BigEndian(v, width)});
}
Bytes BinHeader(std::uint8_t form, std::size_t n) {
  const std::size_t width = form == 0xc4 ? 1 : form == 0xc5 ? 2 : 4;
  return Cat({{form}, BigEndian(n, width)});
}

struct WidthCase {
  const char* name;
  std::uint8_t str_form;
  std::size_t id_size;
  std::uint8_t uint_form;
  std::uint64_t channel;
  std::uint8_t bin_form;
  std::size_t payload_size;
};

TEST(DataFramePeek, ReadsEveryStrUintAndBinWidth) {
  const WidthCase cases[] = {
      {"fixstr/fixint/bin8", 0xa0, 31, 0x00, 1, 0xc4, 255},
      {"str8/uint8/bin16", 0xd9, 128, 0xcc, 200, 0xc5, 65535},
      {"str16/uint16/bin32", 0xda, 36, 0xcd, 0x1234, 0xc6, 70000},
      {"str32/uint32/bin8", 0xdb, 1, 0xce, 0x12345678, 0xc4, 0},
      {"fixstr/uint64/bin16", 0xa0, 8, 0xcf, 0xfedcba9876543210, 0xc5, 3},
      {"str8/fixint 127/bin32 empty", 0xd9, 10, 0x00, 127, 0xc6, 0},
  };
  for (const WidthCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string id(c.id_size, 'i');
    const Bytes payload = Filler(c.payload_size, 0xab);
    const Bytes frame =
        Cat({Hex("93"), StrHeader(c.str_form, id.size()), Raw(id), UintForm(c.uint_form, c.channel),
             BinHeader(c.bin_form, c.payload_size), payload});
    const auto view = PeekDataFrame(frame);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    EXPECT_EQ(view->session_id, id);
    EXPECT_EQ(view->channel, c.channel);
    EXPECT_EQ(Bytes(view->payload.begin(), view->payload.end()), payload);
  }
}

TEST(DataFramePeek, AcceptsArrayHeadersOfEveryWidth) {
  const Bytes body = Cat({Str("s1"), Hex("02"), Hex("c4 01 07")});
  for (const Bytes& header : {Hex("93"), Hex("dc 00 03"), Hex("dd 00 00 00 03")}) {
    const Bytes frame = Cat({header, body});  // the view points into it: keep it alive
    const auto view = PeekDataFrame(frame);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    EXPECT_EQ(view->session_id, "s1");
    EXPECT_EQ(view->channel, 2u);
  }
}

TEST(DataFramePeek, ReadsHeaderWithoutCopying) {
  const Bytes payload = {1, 2, 3, 4, 5};
  const Bytes frame = EncodeDataFrame("session-7", 3, payload);
  const auto view = PeekDataFrame(frame);
  ASSERT_TRUE(view.ok());
  const auto* begin = reinterpret_cast<const char*>(frame.data());
  const auto* end = begin + frame.size();
  // Both views point into the frame, at the exact bytes of the str and bin bodies.
  EXPECT_EQ(view->session_id.data(), begin + 2);  // after 0x93 and the fixstr header
  EXPECT_LE(view->session_id.data() + view->session_id.size(), end);
  EXPECT_EQ(view->payload.data(), frame.data() + frame.size() - payload.size());
  EXPECT_EQ(view->payload.size(), payload.size());
}

TEST(DataFramePeek, SessionIdOfExactly128BytesIsAccepted) {
  const std::string id(128, 'a');
  EXPECT_TRUE(PeekDataFrame(EncodeDataFrame(id, 1, {})).ok());
}

struct RefusedFrame {
  const char* name;
  Bytes bytes;
  const char* expected;
};

std::vector<RefusedFrame> RefusedFrames() {
  const Bytes id = Str("s1");
  const Bytes ok_rest = Cat({Hex("01"), Hex("c4 01 07")});
  return {
      {"empty", {}, "empty data frame"},
      {"a map", Cat({Hex("81"), Str("t"), Str("x")}), "data frame must be an array"},
      {"never used byte", Hex("c1"), "data frame must be an array"},
      {"two elements", Cat({Hex("92"), id, Hex("01")}), "data frame must have 3 elements, not 2"},
      {"four elements", Cat({Hex("94"), id, ok_rest, Hex("c0")}), "must have 3 elements, not 4"},
      {"array32 of 4G", Hex("dd ff ff ff ff"), "must have 3 elements, not 4294967295"},
      {"truncated array16 header", Hex("dc 00"), "truncated data frame"},
      {"only the header", Hex("93"), "truncated data frame"},
      {"id not a string", Cat({Hex("93 01"), ok_rest}), "session id must be a string"},
      {"id is binary", Cat({Hex("93 c4 02 73 31"), ok_rest}), "session id must be a string"},
      {"id empty", Cat({Hex("93 a0"), ok_rest}), "session id is empty"},
      {"id of 129 bytes", Cat({Hex("93"), Str(std::string(129, 'a')), ok_rest}),
       "session id of 129 bytes over the limit of 128"},
      {"id truncated", Hex("93 a5 61 62"), "truncated data frame"},
      {"id str32 declaring 4G", Hex("93 db ff ff ff ff 61"), "truncated data frame"},
      {"channel negative", Cat({Hex("93"), id, Hex("ff c4 00")}),
       "channel must be an unsigned integer"},
      {"channel int8", Cat({Hex("93"), id, Hex("d0 01 c4 00")}),
       "channel must be an unsigned integer"},
      {"channel a string", Cat({Hex("93"), id, Str("1"), Hex("c4 00")}),
       "channel must be an unsigned integer"},
      {"channel truncated uint64", Cat({Hex("93"), id, Hex("cf 00 00")}), "truncated data frame"},
      {"payload a string", Cat({Hex("93"), id, Hex("01"), Str("abc")}), "payload must be binary"},
      {"payload nil", Cat({Hex("93"), id, Hex("01 c0")}), "payload must be binary"},
      {"payload truncated", Cat({Hex("93"), id, Hex("01 c4 0a 01 02")}), "truncated data frame"},
      {"payload bin32 of 4G", Cat({Hex("93"), id, Hex("01 c6 ff ff ff ff 00")}),
       "truncated data frame"},
      {"payload missing", Cat({Hex("93"), id, Hex("01")}), "truncated data frame"},
      {"trailing byte", Cat({Hex("93"), id, ok_rest, Hex("00")}),
       "trailing bytes after the data frame"},
  };
}

TEST(DataFramePeek, RefusesMalformedFramesSayingWhy) {
  for (const RefusedFrame& c : RefusedFrames()) {
    SCOPED_TRACE(c.name);
    const auto view = PeekDataFrame(c.bytes);
    ASSERT_FALSE(view.ok());
    EXPECT_EQ(view.status().code(), ErrorCode::kBadRequest);
    EXPECT_NE(view.status().message().find(c.expected), std::string::npos)
        << "message was: " << view.status().message();
  }
}

TEST(DataFramePeek, RefusesEveryTruncation) {
  const Bytes frame = EncodeDataFrame("abc", 16, Bytes(300, 9));
  ASSERT_TRUE(PeekDataFrame(frame).ok());
  for (std::size_t n = 0; n < frame.size(); ++n) {
    EXPECT_FALSE(PeekDataFrame(std::span(frame.data(), n)).ok()) << n << " bytes";
  }
}

TEST(DataFramePeek, AgreesWithTheFullDecoderOnRandomMutations) {
  // Whatever the peek accepts must be a well-formed [str, uint, bin] to the full decoder.
  const Bytes original = EncodeDataFrame("sess", 2, Bytes{1, 2, 3, 4, 5, 6});
  std::mt19937 random(777);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes mutated = original;
    mutated[random() % mutated.size()] = static_cast<std::uint8_t>(random());
    const auto view = PeekDataFrame(mutated);
    if (!view.ok()) continue;
    ++accepted;
    const auto decoded = Decode(mutated);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ASSERT_TRUE(decoded->is_array());
    ASSERT_EQ(decoded->as_array().size(), 3u);
    EXPECT_EQ(decoded->as_array()[0].as_string(), view->session_id);
    EXPECT_EQ(decoded->as_array()[1].as_uint(), view->channel);
    EXPECT_EQ(decoded->as_array()[2].as_binary().size(), view->payload.size());
  }
  EXPECT_GT(accepted, 0);
}

TEST(DataFrameEncode, WritesTheSmallestForms) {
  EXPECT_EQ(EncodeDataFrame("ab", 1, Bytes{1, 2}), Hex("93 a2 61 62 01 c4 02 01 02"));
  const Bytes big = EncodeDataFrame("s", 300, Bytes(70000, 0));
  EXPECT_EQ(Bytes(big.begin(), big.begin() + 9), Hex("93 a1 73 cd 01 2c c6 00 01"));
}

TEST(DataFrameEncode, RoundTripsThroughThePeek) {
  const Bytes payload = Filler(1000, 0x5a);
  const Bytes frame = EncodeDataFrame("a-session", 0xffffffffffffffff, payload);
  EXPECT_EQ(ClassifyMessage(frame), MessageKind::kDataFrame);
  const auto view = PeekDataFrame(frame);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->session_id, "a-session");
  EXPECT_EQ(view->channel, 0xffffffffffffffffu);
  EXPECT_EQ(Bytes(view->payload.begin(), view->payload.end()), payload);
}

}  // namespace
}  // namespace tether::protocol
