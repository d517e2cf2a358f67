// Wake-on-LAN magic packets over a plain UDP socket.
#include "wake_on_lan.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

namespace tether::agent {

using protocol::Status;

protocol::Result<MacAddress> ParseMac(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c == ':' || c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return Status::BadRequest("not a MAC address: '" + std::string(text) + "'");
    hex.push_back(c);
  }
  if (hex.size() != 12) return Status::BadRequest("not a MAC address: '" + std::string(text) + "'");
  MacAddress mac{};
  for (std::size_t i = 0; i < mac.size(); ++i) {
    mac[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return mac;
}

MagicPacket BuildMagicPacket(const MacAddress& mac) {
  MagicPacket packet{};
  std::memset(packet.data(), 0xFF, 6);
  for (std::size_t i = 0; i < 16; ++i) std::memcpy(packet.data() + 6 + i * mac.size(), mac.data(), mac.size());
  return packet;
}

Status SendMagicPacket(const MacAddress& mac, std::string_view address, std::uint16_t port) {
  if (port == 0) return Status::BadRequest("wake-on-LAN port must not be 0");
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* target = nullptr;
  std::string host(address), service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &target) != 0 || target == nullptr) {
    return Status::BadRequest("not a numeric IP address: '" + host + "'");
  }
  Status result;
  int fd = socket(target->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int on = 1;
  MagicPacket packet = BuildMagicPacket(mac);
  if (fd < 0) {
    result = Status::Internal(std::string("socket: ") + std::strerror(errno));
  } else if (target->ai_family == AF_INET && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
    result = Status::Internal(std::string("SO_BROADCAST: ") + std::strerror(errno));
  } else if (sendto(fd, packet.data(), packet.size(), 0, target->ai_addr, target->ai_addrlen) !=
             static_cast<ssize_t>(packet.size())) {
    result = Status::Internal("sendto " + host + ":" + service + ": " + std::strerror(errno));
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(target);
  return result;
}

}  // namespace tether::agent
