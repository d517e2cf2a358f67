// The library's internal URL and fingerprint parsing.
#include <gtest/gtest.h>

#include "tls_pin.h"
#include "url.h"

namespace tether::client {
namespace {

TEST(ParseWsUrl, ReadsSchemeHostPortAndPath) {
  auto url = ParseWsUrl("wss://broker.example:8443/v1/ws?x=1");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "broker.example");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/v1/ws?x=1");
  EXPECT_EQ(url->host_header, "broker.example:8443");
}

TEST(ParseWsUrl, DefaultsPortAndPath) {
  auto url = ParseWsUrl("ws://localhost");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(url->host_header, "localhost");
  EXPECT_EQ(ParseWsUrl("wss://h/")->port, 443);
}

TEST(ParseWsUrl, ReadsIpv6Literals) {
  auto url = ParseWsUrl("ws://[::1]:9000/v1/ws");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->host_header, "[::1]:9000");
}

TEST(ParseWsUrl, RejectsMalformedUrls) {
  for (const char* bad : {"http://h/", "ws://", "ws://:80/", "ws://h:0/", "ws://h:65536/",
                          "ws://h:12x/", "ws://[::1/", "ws://[::1]x/"}) {
    EXPECT_FALSE(ParseWsUrl(bad).ok()) << bad;
  }
}

TEST(NormalizeSha256Hex, AcceptsColonsAndUppercase) {
  std::string hex(64, 'a');
  auto normalized = NormalizeSha256Hex("AA:" + hex.substr(2));
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ(*normalized, hex);
  EXPECT_FALSE(NormalizeSha256Hex(hex.substr(1)).ok());
  EXPECT_FALSE(NormalizeSha256Hex(hex.substr(1) + "g").ok());
}

}  // namespace
}  // namespace tether::client
