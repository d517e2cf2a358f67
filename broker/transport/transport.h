// Transport: what broker logic sees of one client connection. The libwebsockets layer
// implements it; unit tests implement it with a recording fake, so everything above
// the transport is tested without sockets.
//
// Thread-safety: loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/close_reason.h"

namespace tether::broker {

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues one binary WebSocket message.
  virtual void Send(std::vector<std::uint8_t> message) = 0;
  // Closes after every message queued so far has been written (PROTOCOL.md: the error
  // reply always comes before the close). Later Sends are dropped.
  virtual void Close(CloseReason reason) = 0;
  // Arms the connection's one timer (Connection::OnTimer fires once); zero disarms it.
  virtual void SetTimer(std::chrono::milliseconds after) = 0;
  // The client's address, for audit and rate limits.
  virtual const std::string& peer_address() const = 0;
};

}  // namespace tether::broker
