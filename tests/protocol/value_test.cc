// Value: kinds chosen by sign, map and array editing, and the JSON text logs print.
#include "tether/protocol/value.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "test_support.h"

namespace tether::protocol {
namespace {

TEST(ValueKind, IntegersAreUintWhenNonNegativeWhateverTheCppType) {
  EXPECT_EQ(Value(5).kind(), Value::Kind::kUint);
  EXPECT_EQ(Value(0).kind(), Value::Kind::kUint);
  EXPECT_EQ(Value(5L).kind(), Value::Kind::kUint);
  EXPECT_EQ(Value(5LL).kind(), Value::Kind::kUint);
  EXPECT_EQ(Value(std::int64_t{7}).as_uint(), 7u);
  EXPECT_EQ(Value(-5).kind(), Value::Kind::kInt);
  EXPECT_EQ(Value(-5L).kind(), Value::Kind::kInt);
  EXPECT_EQ(Value(std::numeric_limits<long long>::min()).as_int(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(Value(5u).kind(), Value::Kind::kUint);
  EXPECT_EQ(Value(std::numeric_limits<std::uint64_t>::max()).as_uint(),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(ValueKind, EqualityIsByKindAndContent) {
  EXPECT_EQ(Value(3), Value(3u));  // both kUint
  EXPECT_NE(Value(3), Value(3.0));
  EXPECT_NE(Value("a"), Value(Value::Bytes{'a'}));
  EXPECT_EQ(Value(), Value(nullptr));
}

TEST(ValueKind, OtherKindsFromTheirConstructors) {
  EXPECT_TRUE(Value().is_nil());
  EXPECT_TRUE(Value(true).is_bool());
  EXPECT_TRUE(Value(1.5).is_double());
  EXPECT_TRUE(Value("s").is_string());
  EXPECT_TRUE(Value(std::string_view("s")).is_string());
  EXPECT_TRUE(Value(Value::Bytes{1}).is_binary());
  EXPECT_TRUE(Value::MakeArray().is_array());
  EXPECT_TRUE(Value::MakeMap().is_map());
  EXPECT_TRUE(Value(-1).is_int());
  EXPECT_TRUE(Value(1).is_int());  // is_int covers both signs
  EXPECT_FALSE(Value(-1).is_uint());
}

TEST(ValueAccess, AsIntReadsUintsThatFitAndRefusesOthers) {
  EXPECT_EQ(Value(42u).as_int(), 42);
  EXPECT_EQ(Value(std::uint64_t{INT64_MAX}).as_int(), INT64_MAX);
  EXPECT_THROW(Value(std::uint64_t{INT64_MAX} + 1).as_int(), std::out_of_range);
  EXPECT_THROW(Value("x").as_int(), std::bad_variant_access);
}

TEST(ValueMap, FindReturnsNullForMissingKeysAndNonMaps) {
  const Value map = Value::MapOf({{"a", 1}});
  ASSERT_NE(map.Find("a"), nullptr);
  EXPECT_EQ(*map.Find("a"), Value(1));
  EXPECT_EQ(map.Find("b"), nullptr);
  EXPECT_EQ(Value(1).Find("a"), nullptr);
  EXPECT_EQ(Value().Find("a"), nullptr);
}

TEST(ValueMap, SetReplacesInPlaceOrAppends) {
  Value map = Value::MapOf({{"a", 1}, {"b", 2}});
  map.Set("a", "x").Set("c", 3);
  EXPECT_EQ(map.ToJson(), R"({"a":"x","b":2,"c":3})");
}

TEST(ValueMap, SetTurnsNilIntoAMap) {
  Value v;
  v.Set("k", true);
  ASSERT_TRUE(v.is_map());
  EXPECT_EQ(v.ToJson(), R"({"k":true})");
}

TEST(ValueArray, PushAppendsAndTurnsNilIntoAnArray) {
  Value v;
  v.Push(1).Push("two");
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.ToJson(), R"([1,"two"])");
}

TEST(ValueJson, PrintsEveryKindCompactly) {
  const Value v = Value::MapOf({
      {"nil", nullptr},
      {"b", false},
      {"u", 18446744073709551615ull},
      {"i", -9},
      {"d", 0.25},
      {"whole", 2.0},
      {"s", "hi"},
      {"bin", Value::Bytes{'f', 'o', 'o'}},
      {"a", Value::Array{1, Value::MakeArray(), Value::MakeMap()}},
  });
  EXPECT_EQ(v.ToJson(),
            R"({"nil":null,"b":false,"u":18446744073709551615,"i":-9,"d":0.25,"whole":2.0,)"
            R"("s":"hi","bin":"b64:Zm9v","a":[1,[],{}]})");
}

TEST(ValueJson, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(Value("a\"b\\c").ToJson(), R"("a\"b\\c")");
  EXPECT_EQ(Value("line\nbreak\r\ttab").ToJson(), R"("line\nbreak\r\ttab")");
  EXPECT_EQ(Value(std::string("\x00\x01\x1f\x7f", 4)).ToJson(), R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(Value::MapOf({{"k\"", 1}}).ToJson(), R"({"k\"":1})");
}

TEST(ValueJson, KeepsValidUtf8AndReplacesBrokenBytes) {
  EXPECT_EQ(Value("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80").ToJson(),
            "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(Value("\xff").ToJson(), R"("\ufffd")");
  EXPECT_EQ(Value("\xc3").ToJson(), R"("\ufffd")");              // truncated sequence
  EXPECT_EQ(Value("\xc0\xaf").ToJson(), R"("\ufffd\ufffd")");    // overlong '/'
  EXPECT_EQ(Value("\xed\xa0\x80").ToJson(), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(Value("\xf4\x90\x80\x80").ToJson(), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST(ValueJson, EncodesBinaryAsPaddedBase64) {
  EXPECT_EQ(Value(Value::Bytes{}).ToJson(), R"("b64:")");
  EXPECT_EQ(Value(Value::Bytes{'f'}).ToJson(), R"("b64:Zg==")");
  EXPECT_EQ(Value(Value::Bytes{'f', 'o'}).ToJson(), R"("b64:Zm8=")");
  EXPECT_EQ(Value(Value::Bytes{'f', 'o', 'o', 'b'}).ToJson(), R"("b64:Zm9vYg==")");
  EXPECT_EQ(Value(Value::Bytes{0xff, 0xfe, 0xfd}).ToJson(), R"("b64://79")");
}

TEST(ValueJson, NonFiniteDoublesBecomeNull) {
  EXPECT_EQ(Value(std::nan("")).ToJson(), "null");
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()).ToJson(), "null");
  EXPECT_EQ(Value(1e300).ToJson(), "1e+300");
}

}  // namespace
}  // namespace tether::protocol
