// Connection: attempts, reconnection, request correlation and message dispatch. The lws
// side (sockets, reading, writing) is in connection_lws.cc.
#include "tether/client/connection.h"

#include <libwebsockets.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "tether/protocol/codec.h"
#include "tether/protocol/data_batch.h"
#include "tether/protocol/data_frame.h"
#include "tls_pin.h"
#include "url.h"

namespace tether::client {

using protocol::ErrorCode;

// An lws timer (no uv handle: it needs no asynchronous close) that starts the next
// attempt. `sul` comes first so the callback can get back to the struct from it.
struct Connection::RetryTimer {
  lws_sorted_usec_list_t sul;
  Connection* owner;
};

namespace {

Status NotConnected() { return Status::Internal("not connected"); }

// The reply a pending request gets: the ok map, or the error as a Status.
protocol::Result<Value> ReplyFrom(const std::string& type, Value message) {
  if (type == "ok") return message;
  const Value* code = message.Find("code");
  const Value* text = message.Find("message");
  std::string text_str = text != nullptr && text->is_string() ? text->as_string() : "";
  std::string wire = code != nullptr && code->is_string() ? code->as_string() : "";
  std::optional<ErrorCode> parsed = protocol::ErrorCodeFromWire(wire);
  if (!parsed) return Status::Internal("unknown error code '" + wire + "': " + text_str);
  return Status(*parsed, text_str);
}

protocol::DecodeLimits ClientDecodeLimits(std::size_t max_message_bytes) {
  // Replies such as device.list may legitimately be large; the message-size cap already
  // bounds them. Element counts stay bounded because msgpack reserves before reading.
  protocol::DecodeLimits limits;
  limits.max_array_elements = 1 << 20;
  limits.max_string_bytes = max_message_bytes;
  limits.max_binary_bytes = max_message_bytes;
  return limits;
}

}  // namespace

Connection::Connection(ClientContext& context, ConnectOptions options,
                       ConnectionHandlers handlers)
    : context_(context), options_(std::move(options)), handlers_(std::make_shared<const ConnectionHandlers>(std::move(handlers))) {
  context_.AddConnection();
}

Result<std::unique_ptr<Connection>> Connection::Create(ClientContext& context,
                                                       ConnectOptions options,
                                                       ConnectionHandlers handlers) {
  Result<WsUrl> url = ParseWsUrl(options.url);
  if (!url.ok()) return url.status();
  std::string pin;
  if (!options.pinned_sha256.empty()) {
    if (!url->tls) return Status::BadRequest("a pinned fingerprint needs a wss:// url");
    Result<std::string> normalized = NormalizeSha256Hex(options.pinned_sha256);
    if (!normalized.ok()) return normalized.status();
    pin = std::move(*normalized);
  }
  Result<lws_vhost*> vhost = context.VhostForCaFile(url->tls ? options.ca_file : "");
  if (!vhost.ok()) return vhost.status();

  std::unique_ptr<Connection> connection(
      new Connection(context, std::move(options), std::move(handlers)));
  Connection& c = *connection;
  c.host_ = url->host;
  c.port_ = url->port;
  c.path_ = url->path;
  c.host_header_ = url->host_header;
  c.tls_ = url->tls;
  c.pin_ = std::move(pin);
  c.vhost_ = *vhost;
  c.retry_timer_ = std::make_unique<RetryTimer>();
  std::memset(&c.retry_timer_->sul, 0, sizeof c.retry_timer_->sul);
  c.retry_timer_->owner = &c;
  // Deferred even for the first attempt: lws may fail a connect synchronously, and no
  // handler should run before the caller holds the Connection.
  c.ScheduleAttempt(std::chrono::milliseconds(0));
  return connection;
}

Connection::~Connection() {
  *alive_ = false;
  lws_sul_cancel(&retry_timer_->sul);
  DetachSocket();
  context_.RemoveConnection();
}

void Connection::ScheduleAttempt(std::chrono::milliseconds delay) {
  state_ = State::kWaitingToRetry;
  retry_timer_->sul.cb = [](lws_sorted_usec_list_t* sul) {
    reinterpret_cast<RetryTimer*>(sul)->owner->StartAttempt();
  };
  retry_timer_->sul.us = lws_now_usecs() + std::chrono::microseconds(delay).count();
  lws_sul2_schedule(context_.lws(), 0, LWSSULLI_MISS_IF_SUSPENDED, &retry_timer_->sul);
}

std::chrono::milliseconds Connection::NextBackoff() {
  const ReconnectPolicy& policy = options_.reconnect;
  int doublings = std::min(attempts_since_open_, 30);
  ++attempts_since_open_;
  double delay = static_cast<double>(policy.min_delay.count()) * static_cast<double>(1LL << doublings);
  delay = std::min(delay, static_cast<double>(policy.max_delay.count()));
  thread_local std::mt19937 random{std::random_device{}()};
  double cut = std::uniform_real_distribution<double>(0.0, std::clamp(policy.jitter, 0.0, 1.0))(random);
  return std::chrono::milliseconds(static_cast<long long>(delay * (1.0 - cut)));
}

void Connection::StartAttempt() {
  state_ = State::kConnecting;
  close_info_.reset();
  opened_ = false;
  certificate_error_.clear();
  rx_.clear();
  rx_in_message_ = false;
  auto alive = alive_;
  lws* wsi = OpenSocket();  // may fail synchronously through OnConnectionError
  if (!*alive || state_ != State::kConnecting) return;
  if (wsi == nullptr) {
    FinishAttempt(nullptr, {kCloseAbnormal, "cannot start a connection to " + host_, false});
    return;
  }
  wsi_ = wsi;
}

void Connection::FinishAttempt(lws* wsi, CloseInfo info) {
  if (wsi != nullptr) lws_set_wsi_user(wsi, nullptr);  // no more callbacks from it
  wsi_ = nullptr;
  info.opened = opened_;
  outgoing_.clear();
  queued_bytes_ = 0;
  rx_.clear();
  rx_in_message_ = false;
  bool retry = options_.reconnect.enabled && !stop_reconnecting_;
  state_ = retry ? State::kWaitingToRetry : State::kClosed;

  auto alive = alive_;
  std::map<std::uint64_t, ReplyCallback> pending;
  pending.swap(pending_);
  std::string why = "connection closed (code " + std::to_string(info.code) +
                    (info.reason.empty() ? "" : ": " + info.reason) + ")";
  for (auto& [id, on_reply] : pending) {
    on_reply(Status::Internal(why));
    if (!*alive) return;
  }
  if (auto handlers = handlers_; handlers->on_close) handlers->on_close(info);
  if (!*alive) return;
  if (state_ == State::kWaitingToRetry && !stop_reconnecting_) {
    ScheduleAttempt(NextBackoff());
  } else {
    state_ = State::kClosed;
  }
}

void Connection::Close(int code, std::string reason) {
  stop_reconnecting_ = true;
  switch (state_) {
    case State::kWaitingToRetry:
      lws_sul_cancel(&retry_timer_->sul);
      state_ = State::kClosed;
      return;
    case State::kConnecting:
      DetachSocket();
      FinishAttempt(nullptr, {code, std::move(reason), false});
      return;
    case State::kOpen:
      // The close frame goes out from OnWriteable once the queue has drained.
      state_ = State::kClosing;
      close_info_ = CloseInfo{code, std::move(reason), true};
      lws_callback_on_writable(wsi_);
      return;
    case State::kClosing:
    case State::kClosed:
      return;
  }
}

std::uint64_t Connection::Request(Value request_map, ReplyCallback on_reply) {
  if (state_ != State::kOpen) {
    on_reply(NotConnected());
    return 0;
  }
  std::uint64_t id = next_id_++;
  request_map.Set("id", Value(id));
  if (Status status = Enqueue(protocol::Encode(request_map), true); !status.ok()) {
    on_reply(status);
    return 0;
  }
  pending_.emplace(id, std::move(on_reply));
  return id;
}

Status Connection::SendRaw(std::vector<std::uint8_t> bytes, bool binary) {
  return Enqueue(std::move(bytes), binary);
}

Status Connection::SendDataFrame(std::string_view session_id, std::uint64_t channel,
                                 std::span<const std::uint8_t> payload) {
  return Enqueue(protocol::EncodeDataFrame(session_id, channel, payload), true);
}

Status Connection::Enqueue(std::vector<std::uint8_t> message, bool binary) {
  if (state_ != State::kOpen) return NotConnected();
  // lws writes the frame header into the LWS_PRE bytes before the payload.
  Outgoing out;
  out.buffer.resize(LWS_PRE + message.size());
  if (!message.empty()) std::memcpy(out.buffer.data() + LWS_PRE, message.data(), message.size());
  out.binary = binary;
  queued_bytes_ += message.size();
  outgoing_.push_back(std::move(out));
  lws_callback_on_writable(wsi_);
  return Status::Ok();
}

Status Connection::HandleMessage(std::vector<std::uint8_t> message) {
  switch (protocol::ClassifyMessage(message)) {
    case protocol::MessageKind::kDataFrame:
      return HandleDataFrames(message);
    case protocol::MessageKind::kInvalid:
      return Status::BadRequest("server message is neither a msgpack map nor an array");
    case protocol::MessageKind::kControl:
      break;
  }
  Result<protocol::ControlMessage> control =
      protocol::DecodeControl(message, nullptr, ClientDecodeLimits(options_.max_message_bytes));
  if (!control.ok()) {
    return Status::BadRequest("undecodable server message: " + control.status().message());
  }
  HandleControl(std::move(control->body), control->type);
  return Status::Ok();
}

// A batch (PROTOCOL.md §2.4, sent only to a client that asked for it in hello) reaches
// on_data_frame frame by frame, so a handler sees single frames whatever came.
Status Connection::HandleDataFrames(std::span<const std::uint8_t> message) {
  auto handlers = handlers_;  // outlives `this` if the handler destroys the Connection
  if (!handlers->on_data_frame) return Status::Ok();
  if (!protocol::IsDataBatch(message)) {
    handlers->on_data_frame(message);
    return Status::Ok();
  }
  auto frames = protocol::PeekDataBatch(message);
  if (!frames.ok()) return Status::BadRequest("malformed batch from the server: " + frames.status().message());
  for (const protocol::BatchedFrame& inner : *frames) handlers->on_data_frame(inner.bytes);
  return Status::Ok();
}

void Connection::HandleControl(Value message, const std::string& type) {
  const Value* re = message.Find("re");
  if ((type == "ok" || type == "error") && re != nullptr && re->is_uint()) {
    auto found = pending_.find(re->as_uint());
    if (found != pending_.end()) {
      ReplyCallback on_reply = std::move(found->second);
      pending_.erase(found);
      on_reply(ReplyFrom(type, std::move(message)));
      return;
    }
  }
  auto handlers = handlers_;  // outlives `this` if the handler destroys the Connection
  if (type == "error") {
    if (handlers->on_unsolicited_error) handlers->on_unsolicited_error(message);
  } else if (handlers->on_event) {
    handlers->on_event(message);
  }
}

}  // namespace tether::client
