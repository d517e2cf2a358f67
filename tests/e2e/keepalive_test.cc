// End to end: keep-alive. The broker pings an idle connection and drops one that never
// answers (PROTOCOL.md: ping every 30 s, close after 60 s of silence; shortened here
// through the config file so the test takes seconds).
#include <gtest/gtest.h>

#include "broker_process.h"
#include "raw_socket.h"

namespace tether::e2e {
namespace {

TEST(KeepAlive, SilentPeerIsPingedThenDropped) {
  BrokerProcess broker(BrokerOptions().Config("ping_interval_s = 1\nping_timeout_s = 2\n"));
  RawSocket socket(broker.port());  // a WebSocket peer that never answers a ping
  ASSERT_TRUE(socket.Write(UpgradeRequest("/v1/ws", "tether.v1")));
  ASSERT_EQ(HttpStatus(socket.ReadUntil("\r\n\r\n", kWait)), 101);
  // No hello is sent, but the hello timeout (10 s) is far beyond this test's waits, so
  // only keep-alive can close the connection here.
  std::string ping = socket.ReadUntil(std::string("\x89", 1), 4s);
  EXPECT_NE(ping.find('\x89'), std::string::npos) << "no ping from the broker";
  EXPECT_TRUE(socket.WaitPeerClosed(6s));
}

TEST(KeepAlive, ClientThatAnswersPingsStaysConnected) {
  BrokerProcess broker(BrokerOptions().Config("ping_interval_s = 1\nping_timeout_s = 2\n"));
  auto owner = LoggedInOwner(broker);  // libwebsockets answers pings by itself
  EXPECT_FALSE(owner->WaitClosed(3500ms).has_value());
  EXPECT_TRUE(owner->Call(protocol::Value::MapOf({{"t", "org.get"}}), kWait).ok());
}

}  // namespace
}  // namespace tether::e2e
