// The FakeBroker's libwebsockets server on its own thread (fake_broker.h); the scripted
// behaviour is FakePeer's (fake_peer.cc).
#include "fake_broker.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <uv.h>

#include <cstring>
#include <deque>
#include <future>

#include "fake_peer.h"

namespace tether::tools::cli::testing {
namespace {

constexpr std::size_t kMaxMessageBytes = 8u << 20;

// One WebSocket connection: reassembles messages for its FakePeer, writes its queue.
class Connection {
 public:
  Connection(lws* wsi, FakeBroker::Shared& shared)
      : wsi_(wsi),
        peer_(shared, [this](std::vector<std::uint8_t> m) { Queue(std::move(m)); },
              [this](int code) {
                close_code_ = code;
                lws_callback_on_writable(wsi_);
              }) {}

  int OnReceive(const void* in, std::size_t len) {
    const auto* bytes = static_cast<const std::uint8_t*>(in);
    rx_.insert(rx_.end(), bytes, bytes + len);
    if (rx_.size() > kMaxMessageBytes) return CloseNow(1009);
    if (!lws_is_final_fragment(wsi_) || lws_remaining_packet_payload(wsi_) != 0) return 0;
    std::vector<std::uint8_t> message;
    message.swap(rx_);
    peer_.OnMessage(std::move(message));
    return 0;
  }

  int OnWriteable() {
    if (out_.empty()) {
      if (close_code_ != 0) lws_set_timer_usecs(wsi_, 1);  // close from the timer: politely
      return 0;
    }
    std::vector<std::uint8_t>& buffer = out_.front();
    if (lws_write(wsi_, buffer.data() + LWS_PRE, buffer.size() - LWS_PRE, LWS_WRITE_BINARY) < 0) return -1;
    out_.pop_front();
    if (!out_.empty() || close_code_ != 0) lws_callback_on_writable(wsi_);
    return 0;
  }

  int OnTimer() { return close_code_ != 0 ? CloseNow(close_code_) : 0; }

 private:
  void Queue(std::vector<std::uint8_t> message) {
    std::vector<std::uint8_t> buffer(LWS_PRE + message.size());
    std::memcpy(buffer.data() + LWS_PRE, message.data(), message.size());
    out_.push_back(std::move(buffer));
    lws_callback_on_writable(wsi_);
  }

  int CloseNow(int code) {
    lws_close_reason(wsi_, static_cast<lws_close_status>(code), nullptr, 0);
    return -1;
  }

  lws* wsi_;
  FakePeer peer_;
  std::vector<std::uint8_t> rx_;
  std::deque<std::vector<std::uint8_t>> out_;
  int close_code_ = 0;
};

}  // namespace

struct FakeBroker::Server {
  Shared shared;
  uv_loop_t loop;
  uv_async_t stop;
  lws_context* ctx = nullptr;
  SSL_CTX* client_ssl_ctx = nullptr;  // ours: see tests/client/script_server.cc
  lws_protocols protocols[2];
  std::promise<int> port;
};

namespace {

using Server = FakeBroker::Server;

int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto** connection = static_cast<Connection**>(user);
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
      auto* server = static_cast<Server*>(lws_context_user(lws_get_context(wsi)));
      *connection = new Connection(wsi, server->shared);
      return 0;
    }
    case LWS_CALLBACK_CLOSED:
      delete *connection;
      *connection = nullptr;
      return 0;
    case LWS_CALLBACK_RECEIVE: return *connection != nullptr ? (*connection)->OnReceive(in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE: return *connection != nullptr ? (*connection)->OnWriteable() : 0;
    case LWS_CALLBACK_TIMER: return *connection != nullptr ? (*connection)->OnTimer() : 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

int Listen(Server& s) {
  std::memset(s.protocols, 0, sizeof s.protocols);
  s.protocols[0].name = "tether.v1";
  s.protocols[0].callback = &Callback;
  s.protocols[0].per_session_data_size = sizeof(Connection*);
  s.protocols[0].rx_buffer_size = 64 * 1024;
  void* loops[1] = {&s.loop};
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = 0;
  info.iface = "127.0.0.1";
  info.protocols = s.protocols;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  s.client_ssl_ctx = SSL_CTX_new(TLS_client_method());
  info.provided_client_ssl_ctx = s.client_ssl_ctx;
  info.foreign_loops = loops;
  info.pcontext = &s.ctx;
  info.user = &s;
  info.gid = -1;
  info.uid = -1;
  info.fd_limit_per_thread = 256;
  info.pt_serv_buf_size = 64 * 1024;
  lws_set_log_level(LLL_ERR, nullptr);
  s.ctx = lws_create_context(&info);
  if (s.ctx == nullptr) return -1;
  return lws_get_vhost_listen_port(lws_get_vhost_by_name(s.ctx, "default"));
}

void OnStop(uv_async_t* async) {
  auto* s = static_cast<Server*>(async->data);
  if (s->ctx != nullptr) lws_context_destroy(s->ctx);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->stop), nullptr);
}

void Serve(Server* s) {
  uv_loop_init(&s->loop);
  uv_async_init(&s->loop, &s->stop, &OnStop);
  s->stop.data = s;
  int port = Listen(*s);
  s->port.set_value(port);
  if (port < 0) OnStop(&s->stop);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  if (s->ctx != nullptr) lws_context_destroy(s->ctx);  // STACK-NOTES: the second stage
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  SSL_CTX_free(s->client_ssl_ctx);
}

}  // namespace

std::unique_ptr<FakeBroker> FakeBroker::Start(FakeBrokerOptions options) {
  std::unique_ptr<FakeBroker> broker(new FakeBroker());
  broker->server_ = std::make_unique<Server>();
  broker->server_->shared.options = options;
  std::future<int> port = broker->server_->port.get_future();
  broker->thread_ = std::thread(&Serve, broker->server_.get());
  broker->port_ = port.get();
  if (broker->port_ <= 0) return nullptr;
  return broker;
}

FakeBroker::~FakeBroker() {
  if (port_ > 0) uv_async_send(&server_->stop);
  thread_.join();
}

std::string FakeBroker::url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/ws"; }

std::vector<std::string> FakeBroker::resizes() const {
  std::lock_guard<std::mutex> lock(server_->shared.state_mutex);
  return server_->shared.resizes;
}

std::string FakeBroker::keystrokes() const {
  std::lock_guard<std::mutex> lock(server_->shared.state_mutex);
  return server_->shared.keystrokes;
}

std::map<std::string, std::string> FakeBroker::files() const {
  std::lock_guard<std::mutex> lock(server_->shared.state_mutex);
  return server_->shared.files;
}

std::vector<std::string> FakeBroker::requests() const {
  std::lock_guard<std::mutex> lock(server_->shared.state_mutex);
  return server_->shared.requests;
}

std::vector<std::string> FakeBroker::file_ends() const {
  std::lock_guard<std::mutex> lock(server_->shared.state_mutex);
  return server_->shared.file_ends;
}

void FakeBroker::AddFile(const std::string& name, const std::string& content) {
  std::lock_guard<std::mutex> lock(server_->shared.state_mutex);
  server_->shared.files[name] = content;
}

}  // namespace tether::tools::cli::testing
