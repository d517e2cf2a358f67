// End to end: the WebSocket handshake answers and the HTTP endpoints.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "broker_process.h"
#include "raw_socket.h"

namespace tether::e2e {
namespace {

int UpgradeStatus(const BrokerProcess& broker, const std::string& path, const std::string& subprotocol) {
  RawSocket socket(broker.port());
  EXPECT_TRUE(socket.connected());
  EXPECT_TRUE(socket.Write(UpgradeRequest(path, subprotocol)));
  return HttpStatus(socket.ReadUntil("\r\n\r\n", kWait));
}

std::string HttpGet(const BrokerProcess& broker, const std::string& path) {
  RawSocket socket(broker.port());
  socket.Write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  return socket.ReadUntil("\r\n\r\n\r\n", kWait);  // reads until the server closes
}

TEST(Handshake, UpgradeOnAnotherPathIs404) {
  BrokerProcess broker;
  EXPECT_EQ(UpgradeStatus(broker, "/v2/ws", "tether.v1"), 404);
}

TEST(Handshake, OnlyUnknownSubprotocolsIs400) {
  BrokerProcess broker;
  EXPECT_EQ(UpgradeStatus(broker, "/v1/ws", "mqtt, chat"), 400);
}

TEST(Handshake, OurSubprotocolAmongOthersIsAccepted) {
  BrokerProcess broker;
  EXPECT_EQ(UpgradeStatus(broker, "/v1/ws", "chat, tether.v1"), 101);
}

TEST(Handshake, NoSubprotocolIsAccepted) {
  BrokerProcess broker;
  auto client = Connect(broker, /*subprotocol=*/"");
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->Hello(PasswordAuth(), kWait).ok());
}

TEST(Handshake, OverTheConnectionCapIs503) {
  BrokerProcess broker(BrokerOptions().Config("max_connections = 2\n"));
  auto first = Connect(broker);
  auto second = Connect(broker);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(UpgradeStatus(broker, "/v1/ws", "tether.v1"), 503);
  first.reset();  // a place frees up
  bool accepted = false;
  for (int i = 0; i < 100 && !accepted; ++i) {
    accepted = UpgradeStatus(broker, "/v1/ws", "tether.v1") == 101;
  }
  EXPECT_TRUE(accepted);
}

TEST(Handshake, HealthzAnswersOk) {
  BrokerProcess broker;
  std::string response = HttpGet(broker, "/healthz");
  EXPECT_EQ(HttpStatus(response), 200);
  EXPECT_NE(response.find("\r\n\r\nok\n"), std::string::npos) << response;
}

TEST(Handshake, MetricsAreInPrometheusTextFormat) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string response = HttpGet(broker, "/metrics");
  EXPECT_EQ(HttpStatus(response), 200);
  EXPECT_NE(response.find("# TYPE tether_connections_open gauge"), std::string::npos) << response;
  EXPECT_NE(response.find("\ntether_connections_open 1\n"), std::string::npos) << response;
  EXPECT_NE(response.find("\ntether_logins_ok_total 1\n"), std::string::npos) << response;
}

// Under AddressSanitizer (CI's second stage) malloc is the sanitizer's, whose heap the C
// library's statistics do not see: the broker, built the same way as this test, then
// reports 0 for both gauges.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMallocIsTheSanitizers = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMallocIsTheSanitizers = true;
#else
constexpr bool kMallocIsTheSanitizers = false;
#endif
#else
constexpr bool kMallocIsTheSanitizers = false;
#endif

TEST(Handshake, MetricsReportTheHeapInUseWithinWhatTheAllocatorHolds) {
  BrokerProcess broker;
  const std::uint64_t in_use = ReadMetric(broker, "tether_heap_in_use_bytes");
  const std::uint64_t held = ReadMetric(broker, "tether_heap_held_bytes");
  ASSERT_NE(in_use, ~0ull) << "no tether_heap_in_use_bytes in /metrics";
  ASSERT_NE(held, ~0ull) << "no tether_heap_held_bytes in /metrics";
  if (!kMallocIsTheSanitizers) {
    EXPECT_GT(in_use, 0u);
  }
  EXPECT_GE(held, in_use);
}

// Connections that came and went leave freed heap behind; once 64 did, the periodic
// sweep hands it back to the system (HeapTrimmer) and counts it in /metrics.
TEST(Handshake, ABurstOfConnectionsIsFollowedByAHeapTrim) {
  BrokerProcess broker;
  ASSERT_EQ(ReadMetric(broker, "tether_heap_trims_total"), 0u);  // present, and nothing to trim yet
  for (int i = 0; i < 40; ++i) {  // 40 opened and 40 closed: 80 comings and goings
    RawSocket socket(broker.port());
    ASSERT_TRUE(socket.UpgradeToWebSocket());
  }
  auto until = std::chrono::steady_clock::now() + kWait;
  while (ReadMetric(broker, "tether_heap_trims_total") == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the broker's sweep, not timing
  }
  std::uint64_t trims = ReadMetric(broker, "tether_heap_trims_total");
  EXPECT_GE(trims, 1u);
  EXPECT_NE(trims, ~0ull) << "no tether_heap_trims_total in /metrics";
}

TEST(Handshake, UnknownHttpPathIs404) {
  BrokerProcess broker;
  EXPECT_EQ(HttpStatus(HttpGet(broker, "/admin")), 404);
}

}  // namespace
}  // namespace tether::e2e
