// The control-message codec: classification, encoding forms, round trips, DecodeControl,
// the reply builders and the typed field accessors.
#include "tether/protocol/codec.h"

#include <msgpack.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "test_support.h"

namespace tether::protocol {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::Hex;
using testing::Str;

MessageKind ExpectedKind(int b) {
  if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) return MessageKind::kControl;
  if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) return MessageKind::kDataFrame;
  return MessageKind::kInvalid;
}

TEST(Codec, ClassifiesEveryFirstByte) {
  EXPECT_EQ(ClassifyMessage(Hex("80")), MessageKind::kControl);
  EXPECT_EQ(ClassifyMessage(Hex("df 00 00 00 00")), MessageKind::kControl);
  EXPECT_EQ(ClassifyMessage(Hex("93")), MessageKind::kDataFrame);
  EXPECT_EQ(ClassifyMessage(Hex("dd 00 00 00 03")), MessageKind::kDataFrame);
  EXPECT_EQ(ClassifyMessage(Hex("a1 74")), MessageKind::kInvalid);
  for (int b = 0; b < 256; ++b) {
    const Bytes message = {static_cast<std::uint8_t>(b), 0x00};
    EXPECT_EQ(ClassifyMessage(message), ExpectedKind(b)) << "first byte " << b;
  }
}

TEST(Codec, ClassifiesEmptyMessageAsInvalid) {
  EXPECT_EQ(ClassifyMessage({}), MessageKind::kInvalid);
}

TEST(Codec, EncodesIntegersInTheSmallestForm) {
  EXPECT_EQ(Encode(Value(5)), Hex("05"));
  EXPECT_EQ(Encode(Value(127)), Hex("7f"));
  EXPECT_EQ(Encode(Value(200)), Hex("cc c8"));
  EXPECT_EQ(Encode(Value(65535)), Hex("cd ff ff"));
  EXPECT_EQ(Encode(Value(65536)), Hex("ce 00 01 00 00"));
  EXPECT_EQ(Encode(Value(std::uint64_t{1} << 32)), Hex("cf 00 00 00 01 00 00 00 00"));
  EXPECT_EQ(Encode(Value(-1)), Hex("ff"));
  EXPECT_EQ(Encode(Value(-32)), Hex("e0"));
  EXPECT_EQ(Encode(Value(-33)), Hex("d0 df"));
  EXPECT_EQ(Encode(Value(-129)), Hex("d1 ff 7f"));
}

TEST(Codec, EncodesStringsMapsAndBinaryInTheSmallestForm) {
  EXPECT_EQ(Encode(Value("abc")), Hex("a3 61 62 63"));
  EXPECT_EQ(Encode(Value(std::string(32, 'x'))), Str(std::string(32, 'x')));
  EXPECT_EQ(Encode(Value(std::string(32, 'x')))[0], 0xd9);
  EXPECT_EQ(Encode(Value::MapOf({{"t", "ok"}})), Hex("81 a1 74 a2 6f 6b"));
  EXPECT_EQ(Encode(Value(Value::Bytes{1, 2})), Hex("c4 02 01 02"));
  EXPECT_EQ(Encode(Value(Value::Array{Value(), true, false})), Hex("93 c0 c3 c2"));
  EXPECT_EQ(Encode(Value(0.5)), Hex("cb 3f e0 00 00 00 00 00 00"));
}

TEST(Codec, MsgpackWriterAppendsFieldsInTheFormsEncodeWrites) {
  Bytes out = Hex("ee");  // what the caller had: kept
  MsgpackWriter writer(out);
  writer.ArrayHeader(5);
  writer.Uint(200);
  writer.Int(200);  // a value >= 0 in the unsigned forms, as Value(200) is encoded
  writer.Int(-33);
  writer.Bool(true);
  writer.Str("ab");
  EXPECT_EQ(out, Hex("ee 95 cc c8 cc c8 d0 df c3 a2 61 62"));
  const Value map = Value::MapOf({{"b", 1}, {"a", 2}});
  Bytes as_built;
  MsgpackWriter(as_built).Write(map);
  EXPECT_EQ(as_built, Encode(map));
}

TEST(Codec, MsgpackWriterSortsMapKeysBytewiseAtEveryDepthWhenAsked) {
  const Value value = Value::MapOf({{"\xc3\xa9", 1},
                                    {"b", Value(Value::Array{Value::MapOf({{"y", 1}, {"x", 2}})})},
                                    {"ab", Value::MapOf({{"d", 3}, {"c", 4}})},
                                    {"B", 5}});
  Bytes sorted;
  MsgpackWriter(sorted).Write(value, MapOrder::kSortedKeys);
  // "B" < "ab" < "b" < "é" as unsigned bytes; the maps inside the array and the map are
  // sorted too; the array keeps its order.
  EXPECT_EQ(sorted, Hex("84 a1 42 05 a2 61 62 82 a1 63 04 a1 64 03 a1 62 91 82 a1 78 02 a1 79 01 "
                        "a2 c3 a9 01"));
  EXPECT_EQ(Encode(value)[1], 0xa2);  // Encode keeps the order the map was built in
}

TEST(Codec, EncodesDoublesAsFloat64EvenWhenIntegral) {
  // msgpack-cxx's pack_double would write 2.0 as the integer 2 and -0.0 as 0.
  EXPECT_EQ(Encode(Value(2.0)), Hex("cb 40 00 00 00 00 00 00 00"));
  EXPECT_EQ(Encode(Value(-0.0)), Hex("cb 80 00 00 00 00 00 00 00"));
  const auto decoded = Decode(Encode(Value(-0.0)));
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->is_double());
  EXPECT_TRUE(std::signbit(decoded->as_double()));
}

TEST(Codec, KeepsMapInsertionOrderOnTheWire) {
  const Value map = Value::MapOf({{"b", 1}, {"a", 2}});
  EXPECT_EQ(Encode(map), Hex("82 a1 62 01 a1 61 02"));
  const auto decoded = Decode(Encode(map));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->as_map()[0].first, "b");
  EXPECT_EQ(decoded->as_map()[1].first, "a");
}

Value EveryKind() {
  Value ints = Value::MakeArray();
  for (std::uint64_t u : {std::uint64_t{0}, std::uint64_t{127}, std::uint64_t{128},
                          std::uint64_t{255}, std::uint64_t{256}, std::uint64_t{65535},
                          std::uint64_t{65536}, std::uint64_t{0xffffffff},
                          std::uint64_t{0x100000000}, std::numeric_limits<std::uint64_t>::max()}) {
    ints.Push(u);
  }
  for (std::int64_t i : {std::int64_t{-1}, std::int64_t{-32}, std::int64_t{-33},
                         std::int64_t{-128}, std::int64_t{-129}, std::int64_t{-32769},
                         std::numeric_limits<std::int64_t>::min()}) {
    ints.Push(i);
  }
  Value::Bytes big_binary(70000);
  for (std::size_t i = 0; i < big_binary.size(); ++i) big_binary[i] = static_cast<std::uint8_t>(i);
  return Value::MapOf({
      {"t", "session.create"},
      {"id", 42},
      {"nil", nullptr},
      {"flags", Value::Array{true, false}},
      {"ints", ints},
      {"doubles", Value::Array{0.5, -1e300, 0.0, 3.0, -0.0, 1e20}},
      {"strings", Value::Array{"", "héllo", std::string(300, 's'), std::string(70000, 'S')}},
      {"binary", Value::Array{Value::Bytes{}, Value::Bytes(300, 7), big_binary}},
      {"nested", Value::MapOf({{"a", Value::MapOf({{"b", Value::Array{Value::MakeMap()}}})}})},
  });
}

TEST(Codec, RoundTripsEveryKind) {
  const Value original = EveryKind();
  const auto decoded = Decode(Encode(original));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
}

TEST(Codec, RoundTripsScalarsAtTopLevel) {
  for (const Value& v : {Value(), Value(true), Value(0), Value(-7), Value(1.25), Value("x"),
                         Value(Value::Bytes{9}), Value::MakeArray(), Value::MakeMap()}) {
    const auto decoded = Decode(Encode(v));
    ASSERT_TRUE(decoded.ok()) << v.ToJson();
    EXPECT_EQ(*decoded, v) << v.ToJson();
  }
}

TEST(Codec, DecodesIntegersBySignWhateverTheWireForm) {
  const auto positive_int8 = Decode(Hex("d0 05"));  // a signed form holding 5
  ASSERT_TRUE(positive_int8.ok());
  EXPECT_EQ(positive_int8->kind(), Value::Kind::kUint);
  EXPECT_EQ(positive_int8->as_uint(), 5u);
  const auto negative = Decode(Hex("d3 80 00 00 00 00 00 00 00"));
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->kind(), Value::Kind::kInt);
  EXPECT_EQ(negative->as_int(), std::numeric_limits<std::int64_t>::min());
  const auto max = Decode(Hex("cf ff ff ff ff ff ff ff ff"));
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->as_uint(), std::numeric_limits<std::uint64_t>::max());
}

TEST(Codec, DecodesBothFloatWidthsAsDouble) {
  const auto f32 = Decode(Hex("ca 3f c0 00 00"));
  ASSERT_TRUE(f32.ok());
  EXPECT_EQ(f32->kind(), Value::Kind::kDouble);
  EXPECT_EQ(f32->as_double(), 1.5);
  const auto f64 = Decode(Hex("cb 40 09 21 fb 54 44 2d 18"));
  ASSERT_TRUE(f64.ok());
  EXPECT_DOUBLE_EQ(f64->as_double(), 3.141592653589793);
}

TEST(Codec, DecodesWhatAnIndependentEncoderWrote) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(3);
  packer.pack(std::string("t"));
  packer.pack(std::string("hello"));
  packer.pack(std::string("id"));
  packer.pack(7);
  packer.pack(std::string("auth"));
  packer.pack_map(1);
  packer.pack(std::string("kind"));
  packer.pack(std::string("token"));
  const auto* data = reinterpret_cast<const std::uint8_t*>(buffer.data());
  const auto decoded = Decode(std::span(data, buffer.size()));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->ToJson(), R"({"t":"hello","id":7,"auth":{"kind":"token"}})");
}

TEST(Codec, RefusesTrailingBytes) {
  Bytes message = Encode(Value::MapOf({{"t", "x"}}));
  ASSERT_TRUE(Decode(message).ok());
  message.push_back(0xc0);
  const auto result = Decode(message);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "trailing bytes after the message");
}

TEST(Codec, RefusesEveryTruncationOfAValidMessage) {
  const Bytes whole = Encode(EveryKind());
  for (std::size_t n = 0; n < whole.size(); n += (n < 400 ? 1 : 997)) {
    const auto result = Decode(std::span(whole.data(), n));
    ASSERT_FALSE(result.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(result.status().code(), ErrorCode::kBadRequest);
  }
}

TEST(Codec, SurvivesRandomMutations) {
  const Bytes original = Encode(Value::MapOf({{"t", "x"}, {"id", 3}, {"a", Value::Array{1, "b"}},
                                              {"m", Value::MapOf({{"k", Value::Bytes{1}}})}}));
  std::mt19937 random(12345);
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes mutated = original;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      mutated[random() % mutated.size()] = static_cast<std::uint8_t>(random());
    }
    std::optional<std::uint64_t> id;
    const auto result = DecodeControl(mutated, &id);
    if (!result.ok()) {
      ++refused;
      EXPECT_EQ(result.status().code(), ErrorCode::kBadRequest);
      EXPECT_FALSE(result.status().message().empty());
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace tether::protocol
