// Wake-on-LAN: the magic packet the agent sends for `device.wake_request` — 6 bytes of
// 0xFF, then the target's 6-byte MAC 16 times (102 bytes) — by UDP to the address and
// port the broker names (usually a subnet broadcast address and port 9).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::agent {

using MacAddress = std::array<std::uint8_t, 6>;
using MagicPacket = std::array<std::uint8_t, 102>;

// "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF" or "aabbccddeeff"; else bad_request.
protocol::Result<MacAddress> ParseMac(std::string_view text);
MagicPacket BuildMagicPacket(const MacAddress& mac);
// One datagram to a numeric IPv4 or IPv6 address (never a name to resolve: the loop must
// not block), with SO_BROADCAST so that a broadcast address works.
protocol::Status SendMagicPacket(const MacAddress& mac, std::string_view address, std::uint16_t port);

}  // namespace tether::agent
