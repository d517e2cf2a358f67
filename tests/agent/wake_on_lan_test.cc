// The magic packet, byte for byte, through a real UDP socket on 127.0.0.1.
#include "wake_on_lan.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tether::agent {
namespace {

TEST(WakeOnLan, ParsesTheUsualSpellings) {
  MacAddress expected{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
  for (const char* text : {"00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a2b3c4d5e"}) {
    auto mac = ParseMac(text);
    ASSERT_TRUE(mac.ok()) << text;
    EXPECT_EQ(*mac, expected) << text;
  }
  for (const char* text : {"", "00:1a:2b:3c:4d", "00:1a:2b:3c:4d:5e:6f", "zz:1a:2b:3c:4d:5e"}) {
    EXPECT_FALSE(ParseMac(text).ok()) << text;
  }
}

TEST(WakeOnLan, MagicPacketIsSixFfThenTheMacSixteenTimes) {
  MacAddress mac{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
  MagicPacket packet = BuildMagicPacket(mac);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(packet[i], 0xFF);
  for (int copy = 0; copy < 16; ++copy) {
    for (int i = 0; i < 6; ++i) EXPECT_EQ(packet[6 + copy * 6 + i], mac[i]) << copy << "/" << i;
  }
}

TEST(WakeOnLan, SendsThe102BytesToTheAddressAndPort) {
  int receiver = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(receiver, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t length = sizeof addr;
  ASSERT_EQ(::getsockname(receiver, reinterpret_cast<sockaddr*>(&addr), &length), 0);

  MacAddress mac = *ParseMac("aa:bb:cc:dd:ee:ff");
  ASSERT_TRUE(SendMagicPacket(mac, "127.0.0.1", ntohs(addr.sin_port)).ok());

  pollfd ready{receiver, POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 5000), 1);
  std::uint8_t buffer[512];
  ssize_t n = ::recv(receiver, buffer, sizeof buffer, 0);
  ::close(receiver);
  ASSERT_EQ(n, 102);
  MagicPacket expected = BuildMagicPacket(mac);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), buffer));
}

TEST(WakeOnLan, RefusesNamesAndPortZero) {
  MacAddress mac{};
  EXPECT_FALSE(SendMagicPacket(mac, "localhost", 9).ok()) << "no name resolution on the loop";
  EXPECT_FALSE(SendMagicPacket(mac, "127.0.0.1", 0).ok());
}

}  // namespace
}  // namespace tether::agent
