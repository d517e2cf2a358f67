// Per-connection protocol logic: the order of PROTOCOL.md "Errors and closes" lives here.
#include "connection.h"

#include <utility>

#include "broker.h"
#include "core/log.h"
#include "sessions/session_service.h"
#include "handlers/handlers.h"
#include "tether/protocol/data_batch.h"
#include "tether/protocol/data_frame.h"

namespace tether::broker {

using protocol::Status;
using protocol::Value;

namespace {
// Pipelined messages held while hello is checked; more is abuse, not a client's need.
constexpr std::size_t kMaxPendingWhileAuthenticating = 32;
}  // namespace

Connection::Connection(std::uint64_t id, Transport& transport, Broker& broker)
    : id_(id), transport_(transport), broker_(broker) {
  broker_.Register(this);
}

Connection::~Connection() {
  bool agent = identity_ && identity_->is_agent();
  if (identity_ && identity_->kind == Identity::Kind::kDevice) {
    broker_.DeviceOffline(identity_->device.id, id_);
    std::string device_id = identity_->device.id;
    std::int64_t now = broker_.clock().NowMs();
    broker_.OnStorage<Status>([device_id, now](storage::Store& store) { return store.TouchDevice(device_id, now); },
                              [](Status) {});
  }
  broker_.Unregister(this);
  broker_.sessions().OnConnectionClosed(id_, agent);
}

void Connection::OnDrained() {
  broker_.sessions().relay().OnDrained(*this);
  if (drain_waiter_) std::exchange(drain_waiter_, nullptr)();
}

void Connection::SendEncoded(std::vector<std::uint8_t> message) { SendFrame(MessageBuffer::CopyOf(message)); }

bool Connection::BeginStream() {
  if (streaming_) return false;
  streaming_ = true;
  return true;
}

void Connection::ResumeWhenBelow(std::size_t below, std::function<void()> resume) {
  if (queued_bytes() < below) return resume();
  drain_waiter_ = std::move(resume);
  // The relay asks for the same mark (half the frame budget), so the transport's one
  // notification serves both.
  transport_.NotifyWhenBelow(below);
}

void Connection::SendFrame(const SharedMessage& frame) {
  Metrics& metrics = broker_.metrics();
  ++metrics.messages_out;
  metrics.bytes_out += frame->size();
  transport_.Send(frame);
}

ConnectionRef Connection::ref() const { return ConnectionRef{&broker_, id_}; }

void Connection::OnOpen() {
  Log(LogLevel::kDebug, "connection_open", {{"conn", std::to_string(id_)}, {"peer", peer_address()}});
  transport_.SetTimer(broker_.config().hello_timeout);
}

void Connection::OnTimer() {
  if (state_ == State::kAwaitingHello || state_ == State::kAuthenticating) {
    Log(LogLevel::kInfo, "hello_timeout", {{"conn", std::to_string(id_)}, {"peer", peer_address()}});
    Close(CloseReason::kHelloTimeout);
  }
}

void Connection::OnMessage(SharedMessage message, bool binary) {
  Metrics& metrics = broker_.metrics();
  ++metrics.messages_in;
  metrics.bytes_in += message->size();
  if (state_ == State::kClosing) return;
  if (!binary) {
    Close(CloseReason::kTextMessage);
    return;
  }
  if (state_ == State::kAuthenticating) {
    if (pending_.size() >= kMaxPendingWhileAuthenticating) {
      Close(CloseReason::kTooManyPending);
      return;
    }
    pending_.push_back(std::move(message));
    return;
  }
  Dispatch(message);
}

void Connection::Dispatch(const SharedMessage& message) {
  switch (protocol::ClassifyMessage(message->bytes())) {
    case protocol::MessageKind::kControl:
      DispatchControl(message->bytes());
      return;
    case protocol::MessageKind::kDataFrame:
      DispatchDataFrame(message);
      return;
    case protocol::MessageKind::kInvalid:
      ReplyError(std::nullopt, Status::BadRequest("a message must be one msgpack map (control "
                                                  "message) or array (data frame)"));
      return;
  }
}

void Connection::DispatchControl(std::span<const std::uint8_t> bytes) {
  std::optional<std::uint64_t> id;
  auto decoded = protocol::DecodeControl(bytes, &id);
  if (!decoded.ok()) {
    ReplyError(id, decoded.status());
    return;
  }
  const std::string& type = decoded->type;
  if (state_ == State::kAwaitingHello && type != "hello") {
    ReplyError(id, Status::Unauthenticated("the first message must be hello"));
    Close(CloseReason::kUnauthenticated);
    return;
  }
  const HandlerEntry* entry = FindHandler(type);
  bool agent = identity_ && identity_->is_agent();
  bool callable = entry != nullptr && (type == "hello" || (agent ? entry->agents : entry->users));
  if (!callable || (entry->test_only && broker_.test_clock() == nullptr)) {
    ReplyError(id, Status::BadRequest("unknown message type '" + type + "'"));
    return;
  }
  if (!id) {
    ReplyError(std::nullopt, Status::BadRequest("a request needs an unsigned integer 'id'"));
    return;
  }
  if (identity_ && identity_->must_enrol_totp && type != "auth.totp.enroll" && type != "auth.totp.confirm" &&
      type != "auth.logout" && type != "hello") {
    ReplyError(id, Status(protocol::ErrorCode::kOtpRequired,
                          "the organisation requires two-factor authentication: enrol with auth.totp.enroll"));
    return;
  }
  if (identity_ && identity_->actor.support_user && !AuditsEveryOutcome(type)) {
    return RecordSupportRequestThenRun(*entry, std::move(decoded).value(), *id);
  }
  Request request{*this, std::move(decoded).value(), *id};
  entry->handler(request);
}

// POLICY.md "Support access": every action of the support user is audited. A request
// whose handler does not audit every outcome is recorded first and runs once the record
// is durable.
void Connection::RecordSupportRequestThenRun(const HandlerEntry& entry, protocol::ControlMessage message,
                                             std::uint64_t id) {
  storage::AuditEvent event = NewAuditEvent("support.request", kOutcomeOk);
  event.target = std::string(entry.type);
  event.details = Value::MapOf({{"request", message.body}});
  if (const Value* session = message.body.Find("session_id"); session && session->is_string()) {
    event.session_id = session->as_string();
  }
  broker_.audit().Record(std::move(event), [ref = this->ref(), &entry, message = std::move(message), id](Status s) mutable {
    Connection* c = ref.Get();
    if (c == nullptr) return;
    if (!s.ok()) return c->ReplyError(id, Status::Internal("the audit log could not be written"));
    Request request{*c, std::move(message), id};
    entry.handler(request);
  });
}

void Connection::DispatchDataFrame(const SharedMessage& message) {
  if (state_ == State::kAwaitingHello) {
    ReplyError(std::nullopt, Status::Unauthenticated("the first message must be hello"));
    Close(CloseReason::kUnauthenticated);
    return;
  }
  if (protocol::IsDataBatch(message->bytes())) return DispatchDataBatch(message);
  auto frame = protocol::PeekDataFrame(message->bytes());
  if (!frame.ok()) {
    ReplyError(std::nullopt, frame.status());
    return;
  }
  broker_.sessions().OnDataFrame(*this, *frame, message);
}

void Connection::Send(const Value& message) { SendEncoded(protocol::Encode(message)); }

void Connection::Reply(std::uint64_t re, Value fields) {
  if (batch_hello_) SettleBatches(re, true, fields);
  Send(protocol::MakeOk(re, std::move(fields)));
}

void Connection::ReplyError(std::optional<std::uint64_t> re, const Status& status) {
  if (batch_hello_ && re) {
    Value unused;
    SettleBatches(*re, false, unused);
  }
  if (status.code() == protocol::ErrorCode::kBadRequest) ++broker_.metrics().bad_requests;
  Send(protocol::MakeError(re, status.code(), status.message()));
}

void Connection::SendEvent(std::string_view event, Value fields) {
  Send(protocol::MakeEvent(event, std::move(fields)));
}

void Connection::Close(CloseReason reason) {
  if (state_ == State::kClosing) return;
  state_ = State::kClosing;
  pending_.clear();
  transport_.SetTimer(std::chrono::milliseconds(0));
  Log(LogLevel::kInfo, "connection_close",
      {{"conn", std::to_string(id_)}, {"peer", peer_address()},
       {"reason", std::string(CloseReasonName(reason))}, {"code", std::to_string(CloseCode(reason))}});
  transport_.Close(reason);
}

void Connection::AbandonAuthentication() {
  if (state_ != State::kAuthenticating) return;
  state_ = State::kAwaitingHello;
  DrainPending();
}

void Connection::CompleteAuthentication(Identity identity) {
  if (state_ == State::kClosing) return;
  bool first = !identity_;
  identity_ = std::move(identity);
  state_ = State::kAuthenticated;
  if (batch_hello_) EnableBatches();  // before the pipelined messages are replayed
  if (first) broker_.HandshakeDone(peer_address());
  transport_.SetTimer(std::chrono::milliseconds(0));
  DrainPending();
}

void Connection::UpdateIdentity(const storage::User& user, const policy::Actor& actor) {
  if (!identity_) return;
  identity_->user = user;
  identity_->actor = actor;
  broker_.sessions().OnIdentityChanged(*this);  // a supervisor who may no longer watch leaves
}

void Connection::DrainPending() {
  // A pending message may start another authentication (a second hello) or close us:
  // stop replaying as soon as the state stops being one that dispatches.
  while (!pending_.empty() && state_ != State::kAuthenticating && state_ != State::kClosing) {
    SharedMessage message = std::move(pending_.front());
    pending_.pop_front();
    Dispatch(message);
  }
}

storage::AuditEvent Connection::NewAuditEvent(std::string action, std::string outcome) const {
  storage::AuditEvent event;
  event.time = broker_.clock().NowMs();
  event.action = std::move(action);
  event.outcome = std::move(outcome);
  event.source = peer_address();
  if (identity_ && identity_->kind == Identity::Kind::kDevice) {
    event.chain = identity_->actor.org_id;
    event.actor_kind = "device";
    event.actor_id = identity_->device.id;
  } else if (identity_ && identity_->kind == Identity::Kind::kAttendedAgent) {
    event.chain = identity_->actor.org_id;
    event.actor_kind = "agent";
    event.actor_id = identity_->agent_name;
    event.session_id = identity_->attended_session_id;
  } else if (identity_) {
    event.chain = identity_->actor.org_id;
    event.actor_kind = "user";
    event.actor_id = std::to_string(identity_->actor.user_id);
    event.support = identity_->actor.support_user;
  } else {
    event.chain = storage::kSystemChain;
    event.actor_kind = "anonymous";
  }
  return event;
}

}  // namespace tether::broker
