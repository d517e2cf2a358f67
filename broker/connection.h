// Connection: the broker's logic for one client connection, from the first byte to the
// close — authentication state, dispatch of control messages to handlers, replies.
// It sees only the abstract Transport, so it is tested without sockets.
//
// Asynchronous work (storage, password checks) must not hold a Connection&: it holds a
// ConnectionRef and looks the connection up again when the answer comes, because the
// client may have gone meanwhile.
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "tether/protocol/codec.h"
#include "tether/storage/store.h"
#include "transport/transport.h"

namespace tether::broker {

class Broker;
class Connection;
struct HandlerEntry;

// A handle that survives the connection: Get() is nullptr once it has closed.
struct ConnectionRef {
  Broker* broker = nullptr;
  std::uint64_t id = 0;
  Connection* Get() const;
};

// Who is on the other end once `hello` succeeded.
struct Identity {
  // A person (password, token, invite, reset), an attended agent (session_key) or an
  // enrolled unattended device (enroll, device).
  enum class Kind { kUser, kAttendedAgent, kDevice };
  Kind kind = Kind::kUser;
  policy::Actor actor;  // users; for agents only org_id is set
  storage::User user;
  std::string org_slug;
  std::string token_hash;  // the token this connection logged in with or was issued
  // The organisation requires 2FA and this user has not enrolled yet: only TOTP
  // enrolment and logout are answered until they have.
  bool must_enrol_totp = false;
  // Agents.
  std::string agent_name;           // the name the agent gave
  std::string attended_session_id;  // attended: its one session
  storage::Device device;           // devices
  protocol::Value agent_info;       // the last agent.info {hostname, os, uptime_s, reported_at}

  bool is_agent() const { return kind != Kind::kUser; }
};

class Connection {
 public:
  enum class State { kAwaitingHello, kAuthenticating, kAuthenticated, kClosing };

  Connection(std::uint64_t id, Transport& transport, Broker& broker);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // From the transport.
  void OnOpen();
  void OnMessage(SharedMessage message, bool binary);
  // A message grew past the size limit: close 1009 (its bytes are discarded unread).
  void OnMessageTooBig() { Close(CloseReason::kMessageTooBig); }
  void OnTimer();

  // For handlers.
  void Reply(std::uint64_t re, protocol::Value fields = protocol::Value::MakeMap());
  void ReplyError(std::optional<std::uint64_t> re, const protocol::Status& status);
  void SendEvent(std::string_view event, protocol::Value fields);
  // A data frame as received from another participant: forwarded unchanged, the same
  // buffer queued for every receiver.
  void SendFrame(const SharedMessage& frame);
  // Backpressure, through the transport (Relay decides when).
  std::size_t queued_bytes() const { return transport_.queued_bytes(); }
  void PauseReading() { transport_.PauseReading(); }
  void ResumeReading() { transport_.ResumeReading(); }
  void NotifyWhenBelow(std::size_t bytes) { transport_.NotifyWhenBelow(bytes); }
  void ConfirmAlive() { transport_.ConfirmAlive(); }
  // From the transport: the queue fell below the mark set with NotifyWhenBelow.
  void OnDrained();
  // A control message encoded off the loop (a page of a streamed reply), sent as is.
  void SendEncoded(std::vector<std::uint8_t> message);
  // Streamed replies (audit.export): one at a time per connection. BeginStream is false
  // while one runs; the stream calls EndStream when it has answered.
  bool BeginStream();
  void EndStream() { streaming_ = false; drain_waiter_ = nullptr; }
  // The stream goes on (`resume`) once the output queue holds fewer than `below` bytes:
  // at once if it already does, else when the transport drains (the client reads).
  // Dropped with the connection.
  void ResumeWhenBelow(std::size_t below, std::function<void()> resume);
  // agent.info: what the agent reported about its computer.
  void SetAgentInfo(protocol::Value info) { if (identity_) identity_->agent_info = std::move(info); }
  void Close(CloseReason reason);
  // hello: authentication is in flight; later messages wait until it ends.
  void BeginAuthentication() { state_ = State::kAuthenticating; }
  // hello failed without closing (bad_request, unsupported_version): back to waiting.
  void AbandonAuthentication();
  void CompleteAuthentication(Identity identity);
  // A role, scope or status change of this user, effective for their next request.
  void UpdateIdentity(const storage::User& user, const policy::Actor& actor);
  // hello asked for batches (PROTOCOL.md §2.4): the ok answering `hello_id` says
  // "batch":true and turns them on, both ways.
  void OfferBatches(std::uint64_t hello_id) { batch_hello_ = hello_id; }
  bool batches() const { return batches_; }
  // TOTP enrolment confirmed: lift the enrolment-only restriction.
  void ClearTotpRequirement() { if (identity_) identity_->must_enrol_totp = false; }

  // An audit event with this connection's actor, organisation chain and address filled.
  storage::AuditEvent NewAuditEvent(std::string action, std::string outcome) const;

  std::uint64_t id() const { return id_; }
  ConnectionRef ref() const;
  State state() const { return state_; }
  bool authenticated() const { return state_ == State::kAuthenticated; }
  // A hello succeeded on this connection once (it may be closing now).
  bool has_identity() const { return identity_.has_value(); }
  const Identity& identity() const { return *identity_; }
  const std::string& peer_address() const { return transport_.peer_address(); }
  Broker& broker() { return broker_; }

 private:
  void Dispatch(const SharedMessage& message);
  void DispatchControl(std::span<const std::uint8_t> bytes);
  void DispatchDataFrame(const SharedMessage& message);
  // connection_batch.cc: each frame of a batch routed as if it had come alone.
  void DispatchDataBatch(const SharedMessage& message);
  // Reply and ReplyError: the answer to a hello that asked for batches settles them.
  void SettleBatches(std::uint64_t re, bool ok, protocol::Value& fields);
  // The hello that asked for batches succeeded (its ok, or the authentication itself,
  // whichever comes first): batches are accepted and may be sent from now on.
  void EnableBatches();
  void RecordSupportRequestThenRun(const HandlerEntry& entry, protocol::ControlMessage message, std::uint64_t id);
  void Send(const protocol::Value& message);
  void DrainPending();

  std::uint64_t id_;
  Transport& transport_;
  Broker& broker_;
  State state_ = State::kAwaitingHello;
  std::optional<Identity> identity_;
  // Messages that arrived while hello was being checked; replayed in order after it.
  std::deque<SharedMessage> pending_;
  bool streaming_ = false;              // a streamed reply is running
  std::function<void()> drain_waiter_;  // what it waits to run once the client has read
  std::optional<std::uint64_t> batch_hello_;  // a hello that asked for batches, unanswered
  bool batches_ = false;                      // negotiated: batches accepted and sent
};

}  // namespace tether::broker
