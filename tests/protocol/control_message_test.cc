// Control messages: DecodeControl and its "id" recovery, the ok/error/event builders, and
// the typed field accessors request handlers use.
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tether/protocol/codec.h"
#include "test_support.h"

namespace tether::protocol {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::Hex;
using testing::Str;

TEST(DecodeControl, ReadsTypeIdAndKeepsTheWholeBody) {
  const Value hello = Value::MapOf({{"t", "hello"}, {"id", 9}, {"proto", 1}});
  std::optional<std::uint64_t> id;
  const auto message = DecodeControl(Encode(hello), &id);
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_EQ(message->type, "hello");
  EXPECT_EQ(message->id, std::optional<std::uint64_t>(9));
  EXPECT_EQ(message->body, hello);
  EXPECT_EQ(id, std::optional<std::uint64_t>(9));
}

TEST(DecodeControl, IdIsOptional) {
  std::optional<std::uint64_t> id = 77;  // stale: must be cleared
  const auto message = DecodeControl(Encode(Value::MapOf({{"t", "session.consent"}})), &id);
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message->id.has_value());
  EXPECT_FALSE(id.has_value());
}

TEST(DecodeControl, ReportsIdWhenTypeIsMissing) {
  std::optional<std::uint64_t> id;
  const auto message = DecodeControl(Encode(Value::MapOf({{"id", 12}})), &id);
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.status().message(), "missing field 't'");
  EXPECT_EQ(id, std::optional<std::uint64_t>(12));
}

TEST(DecodeControl, ReportsIdWhenALaterFieldBreaksALimit) {
  DecodeLimits limits;
  limits.max_string_bytes = 4;
  const Bytes message = Cat({Hex("83"), Str("t"), Str("x"), Str("id"), Hex("cd 01 00"),
                             Str("name"), Str("too long")});
  std::optional<std::uint64_t> id;
  const auto result = DecodeControl(message, &id, limits);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("string of 8 bytes"), std::string::npos);
  EXPECT_EQ(id, std::optional<std::uint64_t>(256));
}

TEST(DecodeControl, ReportsIdAfterSkippingNestedFields) {
  const Bytes message = Cat({Hex("83"), Str("auth"), Hex("82"), Str("id"), Hex("05"), Str("k"),
                             Hex("92 01 c4 01 00"), Str("id"), Hex("07"), Str("t"), Hex("c1")});
  std::optional<std::uint64_t> id;
  const auto result = DecodeControl(message, &id);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "invalid msgpack byte");
  EXPECT_EQ(id, std::optional<std::uint64_t>(7));  // the top-level id, not auth.id
}

TEST(DecodeControl, ReportsIdDespiteTrailingBytes) {
  Bytes message = Encode(Value::MapOf({{"t", "x"}, {"id", 3}}));
  message.push_back(0x00);
  std::optional<std::uint64_t> id;
  const auto result = DecodeControl(message, &id);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(id, std::optional<std::uint64_t>(3));
}

TEST(DecodeControl, NoIdWhenItIsNotAnUnsignedInteger) {
  std::optional<std::uint64_t> id = 5;
  const auto result = DecodeControl(Encode(Value::MapOf({{"t", "x"}, {"id", -3}})), &id);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "field 'id' must be an unsigned integer");
  EXPECT_FALSE(id.has_value());
}

TEST(DecodeControl, NoIdWhenTheMessageIsNotAMap) {
  std::optional<std::uint64_t> id = 5;
  EXPECT_FALSE(DecodeControl(Hex("92 a2 69 64 01"), &id).ok());
  EXPECT_FALSE(id.has_value());
  EXPECT_FALSE(DecodeControl(Hex("c1"), &id).ok());
  EXPECT_FALSE(id.has_value());
}

TEST(Builders, OkCarriesReAndFieldsAfterTheEnvelope) {
  const Value ok = MakeOk(4, Value::MapOf({{"session_id", "s1"}, {"expires_at", 1000}}));
  EXPECT_EQ(ok.ToJson(), R"({"t":"ok","re":4,"session_id":"s1","expires_at":1000})");
  EXPECT_EQ(MakeOk(5).ToJson(), R"({"t":"ok","re":5})");
  EXPECT_EQ(MakeOk(5, Value()).ToJson(), R"({"t":"ok","re":5})");
}

TEST(Builders, EnvelopeKeysCannotBeOverriddenByFields) {
  const Value ok = MakeOk(4, Value::MapOf({{"t", "error"}, {"re", 99}, {"x", 1}}));
  EXPECT_EQ(ok.ToJson(), R"({"t":"ok","re":4,"x":1})");
  const Value event = MakeEvent("session.state", Value::MapOf({{"event", "other"}, {"t", "ok"}}));
  EXPECT_EQ(event.ToJson(), R"({"t":"event","event":"session.state"})");
}

TEST(Builders, ErrorNamesTheCodeOnTheWire) {
  EXPECT_EQ(MakeError(8, ErrorCode::kOtpRequired, "code needed").ToJson(),
            R"({"t":"error","re":8,"code":"otp_required","message":"code needed"})");
}

TEST(Builders, ErrorAnsweringNoRequestHasNoRe) {
  const Value error = MakeError(std::nullopt, ErrorCode::kBadRequest, "truncated msgpack");
  EXPECT_EQ(error.Find("re"), nullptr);
  EXPECT_EQ(error.ToJson(), R"({"t":"error","code":"bad_request","message":"truncated msgpack"})");
}

TEST(Builders, EventCarriesItsNameAndFields) {
  const Value fields = Value::MapOf({{"session_id", "s"}, {"count", 3}});
  const Value event = MakeEvent("frames.dropped", fields);
  EXPECT_EQ(event.ToJson(), R"({"t":"event","event":"frames.dropped","session_id":"s","count":3})");
  const auto decoded = DecodeControl(Encode(event));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->type, "event");
}

const Value kRequest = Value::MapOf({
    {"email", "a@b.c"},
    {"count", 3},
    {"negative", -3},
    {"flag", true},
    {"auth", Value::MapOf({{"kind", "password"}})},
    {"nothing", nullptr},
});

TEST(Fields, RequiredFieldsOfTheRightTypeAreReturned) {
  EXPECT_EQ(RequireString(kRequest, "email").value(), "a@b.c");
  EXPECT_EQ(RequireUint(kRequest, "count").value(), 3u);
  EXPECT_EQ(RequireBool(kRequest, "flag").value(), true);
  const auto auth = RequireMap(kRequest, "auth");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth.value(), kRequest.Find("auth"));  // points into the request, no copy
}

struct FieldErrorCase {
  const char* name;
  Status status;
  const char* expected;
};

TEST(Fields, EachFailureIsBadRequestNamingTheFieldAndType) {
  const FieldErrorCase cases[] = {
      {"missing string", RequireString(kRequest, "name").status(), "missing field 'name'"},
      {"string is uint", RequireString(kRequest, "count").status(),
       "field 'count' must be a string"},
      {"missing uint", RequireUint(kRequest, "id").status(), "missing field 'id'"},
      {"uint is negative", RequireUint(kRequest, "negative").status(),
       "field 'negative' must be an unsigned integer"},
      {"uint is string", RequireUint(kRequest, "email").status(),
       "field 'email' must be an unsigned integer"},
      {"bool is uint", RequireBool(kRequest, "count").status(), "field 'count' must be a boolean"},
      {"map is string", RequireMap(kRequest, "email").status(), "field 'email' must be a map"},
      {"missing map", RequireMap(kRequest, "scope").status(), "missing field 'scope'"},
      {"optional string is map", OptionalString(kRequest, "auth").status(),
       "field 'auth' must be a string"},
      {"optional uint is nil", OptionalUint(kRequest, "nothing").status(),
       "field 'nothing' must be an unsigned integer"},
      {"optional bool is string", OptionalBool(kRequest, "email").status(),
       "field 'email' must be a boolean"},
      {"lookup in a non-map", RequireString(Value(5), "email").status(), "missing field 'email'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), ErrorCode::kBadRequest);
    EXPECT_EQ(c.status.message(), c.expected);
  }
}

TEST(Fields, OptionalFieldsAbsentArePresentOrRefused) {
  EXPECT_EQ(OptionalString(kRequest, "otp").value(), std::nullopt);
  EXPECT_EQ(OptionalUint(kRequest, "limit").value(), std::nullopt);
  EXPECT_EQ(OptionalBool(kRequest, "accept").value(), std::nullopt);
  EXPECT_EQ(OptionalString(kRequest, "email").value(), std::optional<std::string>("a@b.c"));
  EXPECT_EQ(OptionalUint(kRequest, "count").value(), std::optional<std::uint64_t>(3));
  EXPECT_EQ(OptionalBool(kRequest, "flag").value(), std::optional<bool>(true));
}

}  // namespace
}  // namespace tether::protocol
