// BlockingClient against ScriptServer: request/reply correlation, closes, events, time-outs
// and connection failures. Every wait is bounded; none sleeps.
#include "tether/client/blocking_client.h"

#include <gtest/gtest.h>

#include "script_server.h"
#include "tether/protocol/codec.h"
#include "tether/protocol/data_frame.h"

namespace tether::client {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorCode;
using testing::ScriptServer;

class BlockingClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ScriptServer::Start();
    ASSERT_NE(server_, nullptr);
    auto client = BlockingClient::Connect({.url = server_->url()}, 2s);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  std::unique_ptr<ScriptServer> server_;
  std::unique_ptr<BlockingClient> client_;
};

TEST_F(BlockingClientTest, CorrelatesRepliesById) {
  // The server holds both and answers the second first.
  auto hold = [](const char* tag) {
    return Value::MapOf({{"t", "hold"}, {"tag", tag}, {"release_after", 2}});
  };
  std::uint64_t first = client_->StartCall(hold("first"));
  std::uint64_t second = client_->StartCall(hold("second"));
  ASSERT_NE(first, 0u);
  ASSERT_NE(second, first);

  auto first_reply = client_->WaitReply(first, 2s);
  ASSERT_TRUE(first_reply.ok()) << first_reply.status().ToString();
  EXPECT_EQ(first_reply->Find("re")->as_uint(), first);
  EXPECT_EQ(first_reply->Find("tag")->as_string(), "first");
  auto second_reply = client_->WaitReply(second, 2s);
  ASSERT_TRUE(second_reply.ok()) << second_reply.status().ToString();
  EXPECT_EQ(second_reply->Find("tag")->as_string(), "second");
}

TEST_F(BlockingClientTest, ReportsServerCloseCode) {
  auto reply = client_->Call(
      Value::MapOf({{"t", "close_me"}, {"code", 4401}, {"reason", "go away"}}), 2s);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().message(), "connection closed (code 4401: go away)");
  auto closed = client_->WaitClosed(2s);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4401);
  EXPECT_EQ(closed->reason, "go away");
  EXPECT_TRUE(closed->opened);
  EXPECT_FALSE(client_->IsOpen());
}

TEST_F(BlockingClientTest, DeliversEventsBetweenCalls) {
  // The events arrive while the first Call waits; the second Call must not eat them.
  ASSERT_TRUE(client_->Call(Value::MapOf({{"t", "emit"}, {"count", 2}}), 2s).ok());
  ASSERT_TRUE(client_->Call(Value::MapOf({{"t", "echo"}}), 2s).ok());
  for (std::uint64_t n = 0; n < 2; ++n) {
    auto event = client_->NextMessage(2s);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    EXPECT_EQ(event->Find("event")->as_string(), "tick");
    EXPECT_EQ(event->Find("n")->as_uint(), n);
  }
  auto none = client_->NextMessage(20ms);
  EXPECT_TRUE(IsTimeout(none.status())) << none.status().ToString();
}

TEST_F(BlockingClientTest, TimesOutWhenNoReply) {
  auto reply = client_->Call(Value::MapOf({{"t", "ignore"}}), 50ms);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(IsTimeout(reply.status())) << reply.status().ToString();
  // The connection is still usable afterwards.
  EXPECT_TRUE(client_->IsOpen());
  EXPECT_TRUE(client_->Call(Value::MapOf({{"t", "echo"}}), 2s).ok());
}

TEST_F(BlockingClientTest, ErrorReplyBecomesStatus) {
  auto reply = client_->Call(
      Value::MapOf({{"t", "fail"}, {"code", "permission_denied"}, {"message", "nope"}}), 2s);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(reply.status().message(), "nope");
}

TEST_F(BlockingClientTest, QueuesUnsolicitedErrors) {
  client_->SendRaw({0xc1});  // never valid msgpack
  auto error = client_->NextMessage(2s);
  ASSERT_TRUE(error.ok()) << error.status().ToString();
  EXPECT_EQ(error->Find("t")->as_string(), "error");
  EXPECT_EQ(error->Find("code")->as_string(), "bad_request");
  EXPECT_EQ(error->Find("re"), nullptr);
}

TEST_F(BlockingClientTest, SendsTextFramesWhenAsked) {
  client_->SendRaw({'h', 'i'}, /*binary=*/false);
  auto closed = client_->WaitClosed(2s);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 1003);  // the server refuses text, as the broker does
}

TEST_F(BlockingClientTest, HelloSendsProtocolVersionAndAuth) {
  auto reply = client_->Hello(Value::MapOf({{"kind", "token"}, {"token", "t0k"}}), 2s);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  const Value& sent = *reply->Find("echo");
  EXPECT_EQ(sent.Find("t")->as_string(), "hello");
  EXPECT_EQ(sent.Find("proto")->as_uint(), 1u);
  EXPECT_EQ(sent.Find("auth")->Find("token")->as_string(), "t0k");
  EXPECT_TRUE(sent.Find("id")->is_uint());
}

TEST_F(BlockingClientTest, EchoesDataFrames) {
  std::vector<std::uint8_t> payload = {1, 2, 3};
  ASSERT_TRUE(client_->SendDataFrame("s1", 1, payload).ok());
  auto frame = client_->NextDataFrame(2s);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  auto view = protocol::PeekDataFrame(*frame);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->session_id, "s1");
  EXPECT_EQ(std::vector<std::uint8_t>(view->payload.begin(), view->payload.end()), payload);
}

TEST_F(BlockingClientTest, DestroysCleanlyWithCallsInFlight) {
  EXPECT_NE(client_->StartCall(Value::MapOf({{"t", "ignore"}})), 0u);
  client_->SendRaw(std::vector<std::uint8_t>(256 * 1024, 0x90));
  client_.reset();  // must neither hang nor leak (valgrind run)
}

TEST(BlockingClient, ConnectFailsOnRefusedPort) {
  int port = ScriptServer::Start()->port();  // free now that the server is gone
  auto client = BlockingClient::Connect({.url = "ws://127.0.0.1:" + std::to_string(port)}, 5s);
  ASSERT_FALSE(client.ok());
  // Refused at once, not given up on after the timeout.
  EXPECT_FALSE(IsTimeout(client.status())) << client.status().ToString();
  EXPECT_NE(client.status().message().find("connect to ws://127.0.0.1:"), std::string::npos)
      << client.status().ToString();
}

TEST(BlockingClient, ConnectReportsHttpStatusOfRefusedUpgrade) {
  auto server = ScriptServer::Start({.reject_http_status = 404});
  ASSERT_NE(server, nullptr);
  auto client = BlockingClient::Connect({.url = server->url()}, 2s);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("HTTP 404"), std::string::npos)
      << client.status().ToString();
}

TEST(BlockingClient, ConnectRejectsBadUrl) {
  auto client = BlockingClient::Connect({.url = "http://127.0.0.1:1/"}, 1s);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kBadRequest);
}

TEST(BlockingClient, ClientsInOneProcessAreIndependent) {
  // Each has its own loop and lws context (valgrind: neither leaks the other's TLS state).
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  auto a = BlockingClient::Connect({.url = server->url()}, 2s);
  auto b = BlockingClient::Connect({.url = server->url()}, 2s);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE((*a)->Call(Value::MapOf({{"t", "close_me"}, {"code", 4000}}), 2s).ok());
  EXPECT_EQ((*a)->WaitClosed(2s)->code, 4000);
  EXPECT_TRUE((*b)->IsOpen());
  EXPECT_TRUE((*b)->Call(Value::MapOf({{"t", "echo"}}), 2s).ok());
}

}  // namespace
}  // namespace tether::client
