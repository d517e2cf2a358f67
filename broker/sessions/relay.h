// Relay: forwards data frames between a session's participants, the same bytes as
// received, and keeps memory bounded (ARCHITECTURE.md "Backpressure"): each connection
// has an output budget; when a frame leaves a controller's or agent's receiver over it,
// reading from the sender pauses until the receiver drains to half the budget. Nothing
// is dropped between controller and agent.
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <set>
#include <unordered_map>

#include "transport/message_buffer.h"

namespace tether::broker {

class Broker;
class Connection;

class Relay {
 public:
  Relay(Broker& broker, std::size_t budget_bytes) : broker_(broker), budget_(budget_bytes) {}

  // Queues `frame` for `receiver`; pauses `sender` if that put the receiver over budget.
  void Forward(Connection& sender, Connection& receiver, const SharedMessage& frame);
  // The receiver drained below the resume mark: senders it held resume unless another
  // receiver still holds them.
  void OnDrained(Connection& receiver);
  // A receiver that is not a connection (a session's recording, Recorder) took a frame
  // over its budget: `sender` pauses until Release(receiver_id). The id must not be a
  // live connection's (take it from Broker::NextConnectionId).
  void HoldFor(std::uint64_t receiver_id, Connection& sender);
  // That receiver drained (or is gone): senders it held resume unless another holds them.
  void Release(std::uint64_t receiver_id);
  // A connection closed: release what it held and forget what held it.
  void Forget(std::uint64_t connection_id);
  // Keeps paused senders from being dropped by keep-alive while we are not reading them.
  void KeepPausedAlive();

  std::size_t budget() const { return budget_; }
  std::size_t paused_senders() const { return holds_.size(); }

 private:
  void Hold(Connection& sender, Connection& receiver);
  // Whether this is a new hold of `receiver_id` on `sender` (pausing it if it is the first).
  bool AddHold(std::uint64_t receiver_id, Connection& sender);

  Broker& broker_;
  std::size_t budget_;
  std::unordered_map<std::uint64_t, std::set<std::uint64_t>> held_by_;  // receiver → senders
  std::unordered_map<std::uint64_t, std::size_t> holds_;                // sender → receivers holding it
};

}  // namespace tether::broker
