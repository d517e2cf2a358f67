// Holds and releases senders as their receivers fill and drain.
#include "sessions/relay.h"

#include <vector>

#include "broker.h"
#include "connection.h"

namespace tether::broker {

void Relay::Forward(Connection& sender, Connection& receiver, const SharedMessage& frame) {
  receiver.SendFrame(frame);
  if (receiver.queued_bytes() > budget_) Hold(sender, receiver);
}

void Relay::Hold(Connection& sender, Connection& receiver) {
  if (AddHold(receiver.id(), sender)) receiver.NotifyWhenBelow(budget_ / 2);
}

bool Relay::AddHold(std::uint64_t receiver_id, Connection& sender) {
  if (!held_by_[receiver_id].insert(sender.id()).second) return false;
  if (holds_[sender.id()]++ == 0) sender.PauseReading();
  return true;
}

void Relay::HoldFor(std::uint64_t receiver_id, Connection& sender) { AddHold(receiver_id, sender); }

void Relay::OnDrained(Connection& receiver) { Release(receiver.id()); }

void Relay::Release(std::uint64_t receiver_id) {
  auto it = held_by_.find(receiver_id);
  if (it == held_by_.end()) return;
  std::set<std::uint64_t> senders = std::move(it->second);
  held_by_.erase(it);
  for (std::uint64_t sender_id : senders) {
    auto hold = holds_.find(sender_id);
    if (hold == holds_.end() || --hold->second > 0) continue;
    holds_.erase(hold);
    if (Connection* sender = broker_.FindConnection(sender_id)) sender->ResumeReading();
  }
}

void Relay::Forget(std::uint64_t connection_id) {
  Release(connection_id);  // as a receiver: whoever it held goes on
  // As a sender: nothing holds it any more.
  holds_.erase(connection_id);
  for (auto& [receiver, senders] : held_by_) senders.erase(connection_id);
}

void Relay::KeepPausedAlive() {
  for (const auto& [sender_id, count] : holds_) {
    if (Connection* sender = broker_.FindConnection(sender_id)) sender->ConfirmAlive();
  }
}

}  // namespace tether::broker
