// Transport: what broker logic sees of one client connection. The libwebsockets layer
// implements it; unit tests implement it with a recording fake, so everything above
// the transport is tested without sockets.
//
// Thread-safety: loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/close_reason.h"
#include "transport/message_buffer.h"

namespace tether::broker {

// While one of these exists (loop thread), a transport whose client negotiated batches
// queues every message for its writeable callback instead of writing it at once, so the
// frames one incoming batch routes to that client leave together, packed into batches
// (batch_packer.h). Without it, each would be written the moment it is routed, as a
// message of its own. Clients without batches are written to at once as always.
class DeferWritesForBatches {
 public:
  DeferWritesForBatches() { ++depth_; }
  ~DeferWritesForBatches() { --depth_; }
  DeferWritesForBatches(const DeferWritesForBatches&) = delete;
  DeferWritesForBatches& operator=(const DeferWritesForBatches&) = delete;
  static bool active() { return depth_ > 0; }

 private:
  static inline thread_local int depth_ = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues one binary WebSocket message; the transport holds its share of the buffer
  // until the message is written (the same buffer may be queued on other transports).
  virtual void Send(SharedMessage message) = 0;
  // Closes after every message queued so far has been written (PROTOCOL.md: the error
  // reply always comes before the close). Later Sends are dropped.
  virtual void Close(CloseReason reason) = 0;
  // Arms the connection's one timer (Connection::OnTimer fires once); zero disarms it.
  virtual void SetTimer(std::chrono::milliseconds after) = 0;
  // The client's address, for audit and rate limits.
  virtual const std::string& peer_address() const = 0;

  // Backpressure (ARCHITECTURE.md): bytes queued and not yet written; stop and restart
  // reading this client; be told (Connection::OnDrained, once) when the queue falls
  // below `bytes`; and keep a paused client from being dropped by keep-alive.
  virtual std::size_t queued_bytes() const = 0;
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;
  virtual void NotifyWhenBelow(std::size_t bytes) = 0;
  virtual void ConfirmAlive() = 0;

  // The client negotiated batches (PROTOCOL.md §2.4): from now on the transport may
  // write several queued data frames as one batch message.
  virtual void EnableBatches() = 0;
};

}  // namespace tether::broker
