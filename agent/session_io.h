// SessionIo: what a session needs from the broker connection — send a request, send a
// data frame, and see how much is queued for the socket (backpressure). The agent passes
// a ConnectionSessionIo over its tether::client::Connection; tests pass a fake, so the
// session logic runs without a broker or a socket.
//
// Thread-safety: none; loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "tether/client/connection.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::agent {

using protocol::Value;
using ReplyCallback = std::function<void(protocol::Result<Value>)>;

class SessionIo {
 public:
  virtual ~SessionIo() = default;
  // Sends a request map (with "t"; the id is assigned). `on_reply` may be empty; when it is
  // not, it runs once with the reply or the failure (also when not connected).
  virtual void Request(Value request, ReplyCallback on_reply) = 0;
  virtual protocol::Status SendFrame(std::string_view session_id, std::uint64_t channel,
                                     std::span<const std::uint8_t> payload) = 0;
  // Bytes accepted and not yet handed to the socket.
  virtual std::size_t queued_bytes() const = 0;
};

// SessionIo over a Connection, which must outlive it.
class ConnectionSessionIo final : public SessionIo {
 public:
  explicit ConnectionSessionIo(client::Connection& connection) : connection_(connection) {}
  void Request(Value request, ReplyCallback on_reply) override {
    connection_.Request(std::move(request), on_reply ? std::move(on_reply) : [](protocol::Result<Value>) {});
  }
  protocol::Status SendFrame(std::string_view session_id, std::uint64_t channel,
                             std::span<const std::uint8_t> payload) override {
    return connection_.SendDataFrame(session_id, channel, payload);
  }
  std::size_t queued_bytes() const override { return connection_.queued_bytes(); }

 private:
  client::Connection& connection_;
};

}  // namespace tether::agent
