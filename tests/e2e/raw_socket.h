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

 private:
  int fd_ = -1;
};

// An HTTP/1.1 WebSocket upgrade request for `path`, offering `subprotocol` unless empty.
std::string UpgradeRequest(const std::string& path, const std::string& subprotocol);
// The status code of an HTTP response's first line; 0 when there is none.
int HttpStatus(const std::string& response);

}  // namespace tether::e2e
