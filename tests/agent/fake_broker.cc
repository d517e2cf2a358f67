#include "fake_broker.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <uv.h>

#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <utility>

#include "tether/protocol/codec.h"

namespace tether::agent::testing {

namespace {

class Peer;

}  // namespace

struct FakeBroker::State {
  uv_loop_t loop;
  uv_async_t wake;
  lws_context* ctx = nullptr;
  SSL_CTX* client_ssl_ctx = nullptr;  // ours: see tests/client/script_server.cc
  lws_protocols protocols[2];
  std::promise<int> port;
  std::vector<Peer*> peers;  // server thread only

  mutable std::mutex mutex;  // guards everything below (test thread ↔ server thread)
  Value hello_reply = Value::MapOf({{"session_id", "s_000000000000000000000001"}});
  std::optional<std::pair<protocol::ErrorCode, std::string>> hello_error;
  std::vector<Received> received;
  std::deque<std::vector<std::uint8_t>> outbox;
  bool drop = false;
  bool stop = false;
  int connections = 0;
};

namespace {

using State = FakeBroker::State;

// One agent connection, on the server thread.
class Peer {
 public:
  Peer(State& state, lws* wsi, int number) : state_(state), wsi_(wsi), number_(number) {}

  int OnReceive(const void* in, std::size_t len) {
    const auto* bytes = static_cast<const std::uint8_t*>(in);
    rx_.insert(rx_.end(), bytes, bytes + len);
    if (!lws_is_final_fragment(wsi_) || lws_remaining_packet_payload(wsi_) != 0) return 0;
    std::vector<std::uint8_t> message;
    message.swap(rx_);
    Handle(std::move(message));
    return 0;
  }

  int OnWriteable() {
    if (out_.empty()) {
      if (close_code_ != 0) lws_set_timer_usecs(wsi_, 1);  // closes politely from the timer
      return 0;
    }
    std::vector<std::uint8_t>& buffer = out_.front();
    if (lws_write(wsi_, buffer.data() + LWS_PRE, buffer.size() - LWS_PRE, LWS_WRITE_BINARY) < 0) return -1;
    out_.pop_front();
    if (!out_.empty() || close_code_ != 0) lws_callback_on_writable(wsi_);
    return 0;
  }

  int OnTimer() {
    if (close_code_ == 0) return 0;
    lws_close_reason(wsi_, static_cast<lws_close_status>(close_code_),
                     reinterpret_cast<unsigned char*>(close_reason_.data()), close_reason_.size());
    return -1;
  }

  void Queue(std::vector<std::uint8_t> message) {
    std::vector<std::uint8_t> buffer(LWS_PRE + message.size());
    std::memcpy(buffer.data() + LWS_PRE, message.data(), message.size());
    out_.push_back(std::move(buffer));
    lws_callback_on_writable(wsi_);
  }

  void CloseAfterQueue(int code, std::string reason) {
    close_code_ = code;
    close_reason_ = std::move(reason);
    lws_callback_on_writable(wsi_);
  }

 private:
  void Handle(std::vector<std::uint8_t> message) {
    if (protocol::ClassifyMessage(message) == protocol::MessageKind::kDataFrame) {
      std::lock_guard<std::mutex> lock(state_.mutex);
      state_.received.push_back({number_, std::nullopt, std::move(message)});
      return;
    }
    auto control = protocol::DecodeControl(message);
    if (!control.ok()) return;
    std::optional<std::pair<protocol::ErrorCode, std::string>> error;
    Value hello_reply;
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      state_.received.push_back({number_, control->body, {}});
      error = state_.hello_error;
      hello_reply = state_.hello_reply;
    }
    if (!control->id) return;
    if (control->type != "hello") return Queue(protocol::Encode(protocol::MakeOk(*control->id)));
    if (error) {
      Queue(protocol::Encode(protocol::MakeError(*control->id, error->first, error->second)));
      return CloseAfterQueue(4401, "unauthenticated");
    }
    Queue(protocol::Encode(protocol::MakeOk(*control->id, hello_reply)));
  }

  State& state_;
  lws* wsi_;
  int number_;
  std::vector<std::uint8_t> rx_;
  std::deque<std::vector<std::uint8_t>> out_;
  int close_code_ = 0;
  std::string close_reason_;
};

int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto** peer = static_cast<Peer**>(user);
  auto* state = static_cast<State*>(lws_context_user(lws_get_context(wsi)));
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
      int number = 0;
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        number = ++state->connections;
      }
      *peer = new Peer(*state, wsi, number);
      state->peers.push_back(*peer);
      return 0;
    }
    case LWS_CALLBACK_CLOSED:
      std::erase(state->peers, *peer);
      delete *peer;
      *peer = nullptr;
      return 0;
    case LWS_CALLBACK_RECEIVE:
      return *peer != nullptr ? (*peer)->OnReceive(in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
      return *peer != nullptr ? (*peer)->OnWriteable() : 0;
    case LWS_CALLBACK_TIMER:
      return *peer != nullptr ? (*peer)->OnTimer() : 0;
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

// Test-thread requests, on the server thread.
void OnWake(uv_async_t* async) {
  auto* s = static_cast<State*>(async->data);
  std::deque<std::vector<std::uint8_t>> outbox;
  bool drop = false, stop = false;
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    outbox.swap(s->outbox);
    std::swap(drop, s->drop);
    stop = s->stop;
  }
  if (stop) {
    if (s->ctx != nullptr) lws_context_destroy(s->ctx);
    uv_close(reinterpret_cast<uv_handle_t*>(&s->wake), nullptr);
    return;
  }
  for (auto& message : outbox) {
    if (!s->peers.empty()) s->peers.back()->Queue(std::move(message));
  }
  if (drop) {
    for (Peer* peer : s->peers) peer->CloseAfterQueue(1001, "shutdown");
  }
}

void Run(State* s) {
  uv_loop_init(&s->loop);
  uv_async_init(&s->loop, &s->wake, &OnWake);
  s->wake.data = s;
  std::memset(s->protocols, 0, sizeof s->protocols);
  s->protocols[0].name = "tether.v1";
  s->protocols[0].callback = &Callback;
  s->protocols[0].per_session_data_size = sizeof(Peer*);
  s->protocols[0].rx_buffer_size = 64 * 1024;
  void* loops[1] = {&s->loop};
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = 0;
  info.iface = "127.0.0.1";
  info.protocols = s->protocols;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  s->client_ssl_ctx = SSL_CTX_new(TLS_client_method());
  info.provided_client_ssl_ctx = s->client_ssl_ctx;
  info.foreign_loops = loops;
  info.pcontext = &s->ctx;
  info.user = s;
  info.gid = -1;
  info.uid = -1;
  info.fd_limit_per_thread = 64;
  info.pt_serv_buf_size = 64 * 1024;
  lws_set_log_level(LLL_ERR | LLL_WARN, nullptr);
  s->ctx = lws_create_context(&info);
  int port = s->ctx != nullptr ? lws_get_vhost_listen_port(lws_get_vhost_by_name(s->ctx, "default")) : -1;
  s->port.set_value(port);
  if (port < 0) uv_close(reinterpret_cast<uv_handle_t*>(&s->wake), nullptr);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  if (s->ctx != nullptr) lws_context_destroy(s->ctx);  // second stage (STACK-NOTES)
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  SSL_CTX_free(s->client_ssl_ctx);
}

}  // namespace

std::unique_ptr<FakeBroker> FakeBroker::Start() {
  std::unique_ptr<FakeBroker> broker(new FakeBroker());
  broker->state_ = std::make_unique<State>();
  std::future<int> port = broker->state_->port.get_future();
  broker->thread_ = std::thread(&Run, broker->state_.get());
  broker->port_ = port.get();
  if (broker->port_ <= 0) return nullptr;
  return broker;
}

FakeBroker::~FakeBroker() {
  if (port_ > 0) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->stop = true;
    }
    uv_async_send(&state_->wake);
  }
  thread_.join();
}

std::string FakeBroker::url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/ws"; }

void FakeBroker::SetHelloReply(Value fields) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->hello_reply = std::move(fields);
  state_->hello_error.reset();
}

void FakeBroker::SetHelloError(protocol::ErrorCode code, std::string message) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->hello_error = std::make_pair(code, std::move(message));
}

void FakeBroker::Push(Value event) { PushFrame(protocol::Encode(event)); }

void FakeBroker::PushFrame(std::vector<std::uint8_t> frame) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->outbox.push_back(std::move(frame));
  }
  uv_async_send(&state_->wake);
}

void FakeBroker::DropConnections() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->drop = true;
  }
  uv_async_send(&state_->wake);
}

std::vector<FakeBroker::Received> FakeBroker::received() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->received;
}

std::optional<Value> FakeBroker::Find(const std::string& t, std::size_t skip) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (const Received& r : state_->received) {
    const Value* type = r.control ? r.control->Find("t") : nullptr;
    if (type != nullptr && type->as_string() == t && skip-- == 0) return r.control;
  }
  return std::nullopt;
}

std::size_t FakeBroker::Count(const std::string& t) const {
  std::size_t n = 0;
  while (Find(t, n)) ++n;
  return n;
}

int FakeBroker::connections() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->connections;
}

}  // namespace tether::agent::testing
