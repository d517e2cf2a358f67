// RawSocket: a plain TCP connection for what a WebSocket client library will not do —
// malformed handshakes, HTTP requests, slow or half-finished upgrades.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tether::e2e {

class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Write(const std::string& bytes);
  // Reads until `terminator` is seen, the peer closes, or the timeout passes.
  std::string ReadUntil(const std::string& terminator, std::chrono::milliseconds timeout);
  // True when the peer closed the connection within the timeout.
  bool WaitPeerClosed(std::chrono::milliseconds timeout);
  // Sends the WebSocket upgrade for /v1/ws; true when it was answered 101.
  bool UpgradeToWebSocket();
  // Reads server frames until a close frame: its code; -1 when the peer closed the
  // socket without one; 0 when the timeout passed first.
  int ReadCloseCode(std::chrono::milliseconds timeout);
  // Half-closes: the peer reads end-of-file, this side may still read.
  void ShutdownWrite();

 private:
  int fd_ = -1;
  std::string unread_;  // bytes read past the end of the upgrade answer
};

// WebSocket opcodes a test sends.
inline constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kPing = 0x9;
// A client frame (masked with the all-zero key) carrying `payload`.
std::string ClientFrame(std::uint8_t opcode, const std::string& payload, bool fin = true);
// Only the header of a client frame that declares `length` payload bytes.
std::string ClientFrameHeader(std::uint8_t opcode, std::uint64_t length, bool fin = true);

// An HTTP/1.1 WebSocket upgrade request for `path`, offering `subprotocol` unless empty.
std::string UpgradeRequest(const std::string& path, const std::string& subprotocol);
// The status code of an HTTP response's first line; 0 when there is none.
int HttpStatus(const std::string& response);

}  // namespace tether::e2e
