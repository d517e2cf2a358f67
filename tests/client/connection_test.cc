// Connection on a test-owned loop against ScriptServer: reconnection with backoff, large
// messages, size limits and handler re-entrancy.
#include "tether/client/connection.h"

#include <gtest/gtest.h>

#include <random>

#include "script_server.h"
#include "test_loop.h"
#include "tether/protocol/data_frame.h"

namespace tether::client {
namespace {

using namespace std::chrono_literals;
using testing::ScriptServer;
using testing::TestLoop;
using Clock = std::chrono::steady_clock;

// What the handlers saw, for assertions.
struct Recorder {
  int opens = 0;
  std::vector<CloseInfo> closes;
  std::vector<Clock::time_point> close_times;
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<Value> events;

  ConnectionHandlers Handlers() {
    ConnectionHandlers h;
    h.on_open = [this] { ++opens; };
    h.on_close = [this](const CloseInfo& info) {
      closes.push_back(info);
      close_times.push_back(Clock::now());
    };
    h.on_data_frame = [this](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); };
    h.on_event = [this](const Value& e) { events.push_back(e); };
    return h;
  }
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto context = ClientContext::Create(loop_.get());
    ASSERT_TRUE(context.ok()) << context.status().ToString();
    context_ = std::move(*context);
  }
  void TearDown() override {
    connection_.reset();
    context_.reset();
  }
  void Connect(ConnectOptions options) {
    auto connection = Connection::Create(*context_, std::move(options), recorder_.Handlers());
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_ = std::move(*connection);
  }

  TestLoop loop_;  // declared first: destroyed last, after the context
  std::unique_ptr<ClientContext> context_;
  std::unique_ptr<Connection> connection_;
  Recorder recorder_;
};

TEST_F(ConnectionTest, ReconnectsWithBackoffAfterServerRestart) {
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  int port = server->port();
  ConnectOptions options{.url = server->url()};
  options.reconnect = {.enabled = true, .min_delay = 10ms, .max_delay = 40ms, .jitter = 0};
  Connect(options);
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 1; }, 2s));

  server.reset();  // the TCP connection dies without a close frame
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.closes.size() == 4; }, 2s));
  EXPECT_EQ(recorder_.closes[0].code, kCloseAbnormal);
  EXPECT_TRUE(recorder_.closes[0].opened);
  // Three refused attempts, each after a doubling delay: 10, 20, 40 ms.
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_FALSE(recorder_.closes[i].opened);
    auto gap = recorder_.close_times[i] - recorder_.close_times[i - 1];
    EXPECT_GE(gap, std::chrono::milliseconds(10 << (i - 1))) << "attempt " << i;
  }

  server = ScriptServer::Start({.port = port});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 2; }, 2s));
  std::optional<protocol::Result<Value>> reply;
  connection_->Request(Value::MapOf({{"t", "echo"}}), [&](protocol::Result<Value> r) { reply = r; });
  ASSERT_TRUE(loop_.RunUntil([&] { return reply.has_value(); }, 2s));
  EXPECT_TRUE(reply->ok()) << reply->status().ToString();
  connection_.reset();  // before the server goes, so no further attempts
}

TEST_F(ConnectionTest, SendsLargeMessagesIntact) {
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  Connect({.url = server->url()});
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 1; }, 2s));

  std::vector<std::uint8_t> payload(1 << 20);
  std::mt19937 random(42);
  for (auto& byte : payload) byte = static_cast<std::uint8_t>(random());
  ASSERT_TRUE(connection_->SendDataFrame("session", 3, payload).ok());
  EXPECT_GT(connection_->queued_bytes(), payload.size());
  ASSERT_TRUE(loop_.RunUntil([&] { return !recorder_.frames.empty(); }, 5s));

  EXPECT_EQ(connection_->queued_bytes(), 0u);
  auto view = protocol::PeekDataFrame(recorder_.frames[0]);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->channel, 3u);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), view->payload.begin(), view->payload.end()));
}

TEST_F(ConnectionTest, ClosesWith1009OnOversizedMessage) {
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  Connect({.url = server->url(), .max_message_bytes = 1000});
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 1; }, 2s));
  ASSERT_TRUE(connection_->SendDataFrame("s", 1, std::vector<std::uint8_t>(2000, 7)).ok());
  ASSERT_TRUE(loop_.RunUntil([&] { return !recorder_.closes.empty(); }, 2s));
  EXPECT_EQ(recorder_.closes[0].code, kCloseMessageTooBig);
  EXPECT_TRUE(recorder_.frames.empty());
}

TEST_F(ConnectionTest, FailsPendingRequestsOnClose) {
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  Connect({.url = server->url()});
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 1; }, 2s));
  std::optional<protocol::Result<Value>> reply;
  connection_->Request(Value::MapOf({{"t", "ignore"}}), [&](protocol::Result<Value> r) { reply = r; });
  connection_->Request(Value::MapOf({{"t", "close_me"}, {"code", 4403}}), [](protocol::Result<Value>) {});
  ASSERT_TRUE(loop_.RunUntil([&] { return reply.has_value(); }, 2s));
  ASSERT_FALSE(reply->ok());
  EXPECT_EQ(reply->status().code(), protocol::ErrorCode::kInternal);
  EXPECT_EQ(reply->status().message(), "connection closed (code 4403)");
  ASSERT_EQ(recorder_.closes.size(), 1u);
}

TEST_F(ConnectionTest, RequestWhenNotOpenFailsAtOnce) {
  Connect({.url = "ws://127.0.0.1:1/"});  // not even attempted before the loop runs
  std::optional<protocol::Result<Value>> reply;
  EXPECT_EQ(connection_->Request(Value::MapOf({{"t", "echo"}}), [&](protocol::Result<Value> r) { reply = r; }), 0u);
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->ok());
}

TEST_F(ConnectionTest, LocalCloseSendsCodeAndStopsReconnecting) {
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  ConnectOptions options{.url = server->url()};
  options.reconnect = {.enabled = true, .min_delay = 1ms};
  Connect(options);
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 1; }, 2s));
  connection_->Close(4000, "done");
  ASSERT_TRUE(loop_.RunUntil([&] { return !recorder_.closes.empty(); }, 2s));
  EXPECT_EQ(recorder_.closes[0].code, 4000);
  EXPECT_EQ(recorder_.closes[0].reason, "done");
  // lws does not wait for the server's echo, so the server may see the frame a moment later.
  auto server_saw = [&] { return server->last_client_close(); };
  loop_.RunUntil([&] { return server_saw().first != 0; }, 2s);
  EXPECT_EQ(server_saw(), std::make_pair(4000, std::string("done")));
  // No second attempt follows: nothing opens again even with a 1 ms backoff.
  EXPECT_FALSE(loop_.RunUntil([&] { return recorder_.opens > 1; }, 30ms));
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST_F(ConnectionTest, HandlerMayDestroyTheConnection) {
  auto server = ScriptServer::Start();
  ASSERT_NE(server, nullptr);
  bool destroyed = false;
  auto handlers = recorder_.Handlers();
  handlers.on_event = [&](const Value&) {
    connection_.reset();  // with a second event and the ok still to dispatch
    destroyed = true;
  };
  auto connection = Connection::Create(*context_, {.url = server->url()}, handlers);
  ASSERT_TRUE(connection.ok());
  connection_ = std::move(*connection);
  ASSERT_TRUE(loop_.RunUntil([&] { return recorder_.opens == 1; }, 2s));
  connection_->Request(Value::MapOf({{"t", "emit"}, {"count", 2}}), [](protocol::Result<Value>) {
    ADD_FAILURE() << "no reply may reach a destroyed connection";
  });
  ASSERT_TRUE(loop_.RunUntil([&] { return destroyed; }, 2s));
  loop_.RunUntil([] { return false; }, 20ms);  // let anything left over run
}

}  // namespace
}  // namespace tether::client
