// End to end: the rows of PROTOCOL.md "Errors and closes" that concern the connection.
#include <gtest/gtest.h>

#include "broker_process.h"
#include "tether/protocol/codec.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

std::vector<std::uint8_t> Bytes(std::initializer_list<std::uint8_t> bytes) { return bytes; }

void ExpectClosedWith(client::BlockingClient& client, int code) {
  auto closed = client.WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value()) << "still open";
  EXPECT_EQ(closed->code, code) << closed->reason;
}

// The next unsolicited message must be an error with `code`.
Value ExpectError(client::BlockingClient& client, ErrorCode code) {
  auto message = client.NextMessage(kWait);
  EXPECT_TRUE(message.ok()) << message.status().ToString();
  if (!message.ok()) return {};
  EXPECT_EQ(message->Find("t")->as_string(), "error");
  EXPECT_EQ(message->Find("code")->as_string(), protocol::WireName(code)) << message->ToJson();
  return *message;
}

TEST(ProtocolErrors, RequestBeforeHelloIsUnauthenticatedThenClose4401) {
  BrokerProcess broker;
  auto client = Connect(broker);
  auto reply = client->Call(Value::MapOf({{"t", "org.get"}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnauthenticated);  // the error comes before the close
  ExpectClosedWith(*client, 4401);
}

TEST(ProtocolErrors, DataFrameBeforeHelloCloses4401) {
  BrokerProcess broker;
  auto client = Connect(broker);
  std::vector<std::uint8_t> payload = {'l', 's', '\n'};
  ASSERT_TRUE(client->SendDataFrame("s1", 1, payload).ok());
  ExpectError(*client, ErrorCode::kUnauthenticated);
  ExpectClosedWith(*client, 4401);
}

TEST(ProtocolErrors, NoHelloWithinTheTimeoutCloses4408) {
  BrokerProcess broker(BrokerOptions().Args({"--hello-timeout-ms", "300"}));
  auto client = Connect(broker);
  ExpectClosedWith(*client, 4408);
}

TEST(ProtocolErrors, HelloTimeoutDoesNotCloseAnAuthenticatedConnection) {
  BrokerProcess broker(BrokerOptions().Args({"--hello-timeout-ms", "300"}));
  auto owner = LoggedInOwner(broker);
  EXPECT_FALSE(owner->WaitClosed(std::chrono::milliseconds(600)).has_value());
  EXPECT_TRUE(owner->Call(Value::MapOf({{"t", "org.get"}}), kWait).ok());
}

TEST(ProtocolErrors, TextMessageCloses1003) {
  BrokerProcess broker;
  auto client = Connect(broker);
  std::string text = R"({"t":"hello"})";
  client->SendRaw(std::vector<std::uint8_t>(text.begin(), text.end()), /*binary=*/false);
  ExpectClosedWith(*client, 1003);
}

TEST(ProtocolErrors, MessageOverTheSizeLimitCloses1009) {
  BrokerProcess broker;
  auto client = Connect(broker);
  client->SendRaw(std::vector<std::uint8_t>((1 << 20) + 1, 0x90));
  ExpectClosedWith(*client, 1009);
}

TEST(ProtocolErrors, MessageJustUnderTheSizeLimitIsDecodedNotClosed) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::vector<std::uint8_t> big((1 << 20), 0xc0);  // nil, then trailing bytes: bad_request
  big[0] = 0x81;
  owner->SendRaw(big);
  ExpectError(*owner, ErrorCode::kBadRequest);
  EXPECT_TRUE(owner->IsOpen());
}

TEST(ProtocolErrors, GarbageMsgpackIsBadRequestAndTheSameConnectionStillAnswers) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  for (auto garbage : {Bytes({0xc1}), Bytes({0x81, 0xa1}), Bytes({0xdf, 0xff, 0xff, 0xff, 0xff}), Bytes({0x2a}),
                       Bytes({0x81, 0x01, 0x02})}) {
    owner->SendRaw(garbage);
    ExpectError(*owner, ErrorCode::kBadRequest);
  }
  auto org = owner->Call(Value::MapOf({{"t", "org.get"}}), kWait);
  EXPECT_TRUE(org.ok()) << org.status().ToString();
}

TEST(ProtocolErrors, GarbageBeforeHelloIsBadRequestAndHelloStillWorks) {
  BrokerProcess broker;
  auto client = Connect(broker);
  client->SendRaw(Bytes({0xc1}));
  ExpectError(*client, ErrorCode::kBadRequest);
  EXPECT_TRUE(client->Hello(PasswordAuth(), kWait).ok());
}

TEST(ProtocolErrors, RefusedRequestCarriesItsIdWhenReadable) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  // {"id": 77, "t": 5}: "t" is not a string, but the id can be read.
  owner->SendRaw(protocol::Encode(Value::MapOf({{"id", 77}, {"t", 5}})));
  Value error = ExpectError(*owner, ErrorCode::kBadRequest);
  ASSERT_NE(error.Find("re"), nullptr);
  EXPECT_EQ(error.Find("re")->as_uint(), 77u);
}

TEST(ProtocolErrors, UnknownTypeIsBadRequestNamingIt) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto reply = owner->Call(Value::MapOf({{"t", "no.such.thing"}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest);
  EXPECT_NE(reply.status().message().find("no.such.thing"), std::string::npos);
}

TEST(ProtocolErrors, MissingFieldIsBadRequestNamingIt) {
  BrokerProcess broker;
  auto client = Connect(broker);
  auto reply = client->Call(Value::MapOf({{"t", "hello"}, {"proto", 1},
                                          {"auth", Value::MapOf({{"kind", "password"}, {"org", kOrg}})}}),
                            kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest);
  EXPECT_NE(reply.status().message().find("email"), std::string::npos) << reply.status().message();
  EXPECT_TRUE(client->IsOpen());
}

TEST(ProtocolErrors, DataFrameForASessionNotJoinedIsNotFound) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::vector<std::uint8_t> payload = {'x'};
  ASSERT_TRUE(owner->SendDataFrame("someone-elses-session", 1, payload).ok());
  ExpectError(*owner, ErrorCode::kNotFound);
  EXPECT_TRUE(owner->IsOpen());
}

TEST(ProtocolErrors, TestClockRequestDoesNotExistWithoutTheFlag) {
  BrokerProcess broker(BrokerOptions().WithoutTestClock());
  auto owner = LoggedInOwner(broker);
  auto reply = owner->Call(Value::MapOf({{"t", "test.clock.advance"}, {"ms", 1000}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace tether::e2e
