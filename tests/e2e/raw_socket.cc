// Blocking sockets with poll() timeouts.
#include "raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tether::e2e {

RawSocket::RawSocket(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::Write(const std::string& bytes) {
  return fd_ >= 0 && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::string RawSocket::ReadUntil(const std::string& terminator, std::chrono::milliseconds timeout) {
  std::string text;
  auto until = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0 && text.find(terminator) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

bool RawSocket::WaitPeerClosed(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

bool RawSocket::UpgradeToWebSocket() {
  if (!Write(UpgradeRequest("/v1/ws", "tether.v1"))) return false;
  std::string answer = ReadUntil("\r\n\r\n", std::chrono::seconds(5));
  auto end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  unread_ = answer.substr(end + 4);
  return HttpStatus(answer) == 101;
}

int RawSocket::ReadCloseCode(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  std::string bytes = std::move(unread_);
  for (;;) {
    // Server frames are unmasked: opcode, 7-bit length (126: 16-bit, 127: 64-bit), payload.
    while (bytes.size() >= 2) {
      std::size_t header = 2;
      std::uint64_t length = static_cast<std::uint8_t>(bytes[1]) & 0x7f;
      if (length == 126) header = 4;
      if (length == 127) header = 10;
      if (bytes.size() < header) break;
      if (header > 2) {
        length = 0;
        for (std::size_t i = 2; i < header; ++i) length = (length << 8) | static_cast<std::uint8_t>(bytes[i]);
      }
      if (bytes.size() < header + length) break;
      if ((static_cast<std::uint8_t>(bytes[0]) & 0x0f) == 0x8) {
        if (length < 2) return 1005;  // a close frame without a code
        return (static_cast<std::uint8_t>(bytes[header]) << 8) | static_cast<std::uint8_t>(bytes[header + 1]);
      }
      bytes.erase(0, header + length);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return 0;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return -1;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
}

void RawSocket::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

std::string ClientFrameHeader(std::uint8_t opcode, std::uint64_t length, bool fin) {
  std::string header(1, static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  if (length < 126) {
    header.push_back(static_cast<char>(0x80 | length));
  } else if (length <= 0xffff) {
    header.push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) header.push_back(static_cast<char>(length >> shift));
  } else {
    header.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) header.push_back(static_cast<char>(length >> shift));
  }
  return header + std::string(4, '\0');  // the masking key: all zero, so the payload goes as is
}

std::string ClientFrame(std::uint8_t opcode, const std::string& payload, bool fin) {
  return ClientFrameHeader(opcode, payload.size(), fin) + payload;
}

std::string UpgradeRequest(const std::string& path, const std::string& subprotocol) {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  if (!subprotocol.empty()) request += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
  return request + "\r\n";
}

int HttpStatus(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

}  // namespace tether::e2e
