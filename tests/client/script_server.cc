#include "script_server.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <uv.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <utility>
#include <vector>

#include "tether/protocol/codec.h"

namespace tether::client::testing {

using protocol::Value;

namespace {

constexpr std::size_t kMaxMessageBytes = 8u << 20;

// One WebSocket connection on the server thread.
class Session {
 public:
  int OnTimer(lws* wsi) { return close_code_ != 0 ? CloseNow(wsi, close_code_, close_reason_) : 0; }

  int OnReceive(lws* wsi, const void* in, std::size_t len) {
    if (rx_.empty()) rx_binary_ = lws_frame_is_binary(wsi) != 0;
    const auto* bytes = static_cast<const std::uint8_t*>(in);
    rx_.insert(rx_.end(), bytes, bytes + len);
    if (rx_.size() > kMaxMessageBytes) return CloseNow(wsi, 1009, "too big");
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
    std::vector<std::uint8_t> message;
    message.swap(rx_);
    if (!rx_binary_) return CloseNow(wsi, 1003, "text message");
    Handle(wsi, std::move(message));
    return 0;
  }

  int OnWriteable(lws* wsi) {
    if (out_.empty()) {
      // -1 from WRITEABLE would drop the socket without a close frame (lws 4.1); a
      // timer callback closes politely with the reason.
      if (close_code_ != 0) lws_set_timer_usecs(wsi, 1);
      return 0;
    }
    std::vector<std::uint8_t>& buffer = out_.front();
    // One lws_write per WRITEABLE; lws buffers what the socket did not take.
    if (lws_write(wsi, buffer.data() + LWS_PRE, buffer.size() - LWS_PRE, LWS_WRITE_BINARY) < 0) {
      return -1;
    }
    out_.pop_front();
    if (!out_.empty() || close_code_ != 0) lws_callback_on_writable(wsi);
    return 0;
  }

 private:
  void Handle(lws* wsi, std::vector<std::uint8_t> message) {
    if (protocol::ClassifyMessage(message) == protocol::MessageKind::kDataFrame) {
      Queue(wsi, std::move(message));  // echoed unchanged
      return;
    }
    auto control = protocol::DecodeControl(message);
    if (!control.ok()) {
      Send(wsi, protocol::MakeError(std::nullopt, protocol::ErrorCode::kBadRequest,
                                    control.status().message()));
      return;
    }
    Script(wsi, control->type, control->id.value_or(0), control->body);
  }

  void Script(lws* wsi, const std::string& type, std::uint64_t id, const Value& request) {
    auto field = [&request](const char* key, Value fallback) {
      const Value* v = request.Find(key);
      return v != nullptr ? *v : fallback;
    };
    if (type == "ignore") return;
    if (type == "fail") {
      auto code = protocol::ErrorCodeFromWire(field("code", "internal").as_string());
      Send(wsi, protocol::MakeError(id, code.value_or(protocol::ErrorCode::kInternal),
                                    field("message", "").as_string()));
    } else if (type == "hold") {
      held_.emplace_back(id, field("tag", nullptr));
      if (held_.size() < field("release_after", 1u).as_uint()) return;
      for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
        Send(wsi, protocol::MakeOk(it->first, Value::MapOf({{"tag", it->second}})));
      }
      held_.clear();
    } else if (type == "emit") {
      for (std::uint64_t n = 0; n < field("count", 1u).as_uint(); ++n) {
        Send(wsi, protocol::MakeEvent("tick", Value::MapOf({{"n", n}})));
      }
      Send(wsi, protocol::MakeOk(id));
    } else if (type == "close_me") {
      close_code_ = static_cast<int>(field("code", 4401).as_uint());
      close_reason_ = field("reason", "").as_string();
      lws_callback_on_writable(wsi);
    } else {
      Send(wsi, protocol::MakeOk(id, Value::MapOf({{"echo", request}})));
    }
  }

  void Send(lws* wsi, const Value& message) { Queue(wsi, protocol::Encode(message)); }

  void Queue(lws* wsi, std::vector<std::uint8_t> message) {
    std::vector<std::uint8_t> buffer(LWS_PRE + message.size());
    std::memcpy(buffer.data() + LWS_PRE, message.data(), message.size());
    out_.push_back(std::move(buffer));
    lws_callback_on_writable(wsi);
  }

  int CloseNow(lws* wsi, int code, std::string reason) {
    lws_close_reason(wsi, static_cast<lws_close_status>(code),
                     reinterpret_cast<unsigned char*>(reason.data()), reason.size());
    return -1;
  }

  std::vector<std::uint8_t> rx_;
  bool rx_binary_ = true;
  std::deque<std::vector<std::uint8_t>> out_;
  std::vector<std::pair<std::uint64_t, Value>> held_;
  int close_code_ = 0;
  std::string close_reason_;
};

}  // namespace

struct ScriptServer::State {
  ScriptServerOptions options;
  uv_loop_t loop;
  uv_async_t stop;
  uv_tcp_t http_listener;  // reject_http_status mode only
  lws_context* ctx = nullptr;
  // Ours, not lws's: an lws-made client SSL_CTX leaks when another lws context in the
  // process did SSL global init later (see tether_client's ClientContext).
  SSL_CTX* client_ssl_ctx = nullptr;
  lws_protocols protocols[2];
  std::atomic<int> accepted{0};
  mutable std::mutex close_mutex;  // guards last_close: written here, read by tests
  std::pair<int, std::string> last_close{0, ""};
  std::promise<int> port;  // -1 when listening failed
};

namespace {

using State = ScriptServer::State;

int ServerCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto** session = static_cast<Session**>(user);  // per-connection data: one pointer
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
      *session = new Session();
      static_cast<State*>(lws_context_user(lws_get_context(wsi)))->accepted++;
      return 0;
    case LWS_CALLBACK_CLOSED:
      delete *session;
      *session = nullptr;
      return 0;
    case LWS_CALLBACK_RECEIVE:
      return *session != nullptr ? (*session)->OnReceive(wsi, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
      return *session != nullptr ? (*session)->OnWriteable(wsi) : 0;
    case LWS_CALLBACK_TIMER:
      return *session != nullptr ? (*session)->OnTimer(wsi) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      auto* state = static_cast<State*>(lws_context_user(lws_get_context(wsi)));
      const auto* p = static_cast<const unsigned char*>(in);
      std::lock_guard<std::mutex> lock(state->close_mutex);
      state->last_close = {len >= 2 ? (p[0] << 8) | p[1] : 1005,
                           len > 2 ? std::string(reinterpret_cast<const char*>(p) + 2, len - 2) : ""};
      return 0;
    }
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

int StartLws(State& s) {
  std::memset(s.protocols, 0, sizeof s.protocols);
  s.protocols[0].name = "tether.v1";
  s.protocols[0].callback = &ServerCallback;
  s.protocols[0].per_session_data_size = sizeof(Session*);
  s.protocols[0].rx_buffer_size = 64 * 1024;
  void* loops[1] = {&s.loop};
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = s.options.port;
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
  if (!s.options.cert_file.empty()) {
    info.ssl_cert_filepath = s.options.cert_file.c_str();
    info.ssl_private_key_filepath = s.options.key_file.c_str();
  }
  lws_set_log_level(LLL_ERR | LLL_WARN, nullptr);
  s.ctx = lws_create_context(&info);
  if (s.ctx == nullptr) return -1;
  return lws_get_vhost_listen_port(lws_get_vhost_by_name(s.ctx, "default"));
}

// reject_http_status mode: answer whatever arrives with an HTTP status and hang up.
int StartHttpRejecter(State& s) {
  sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", s.options.port, &addr);
  uv_tcp_init(&s.loop, &s.http_listener);
  s.http_listener.data = &s;
  if (uv_tcp_bind(&s.http_listener, reinterpret_cast<sockaddr*>(&addr), 0) != 0) return -1;
  int rc = uv_listen(reinterpret_cast<uv_stream_t*>(&s.http_listener), 8, [](uv_stream_t* server, int) {
    auto* client = new uv_tcp_t;
    uv_tcp_init(server->loop, client);
    client->data = server->data;
    uv_accept(server, reinterpret_cast<uv_stream_t*>(client));
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(client),
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
          static char scratch[4096];
          *buf = uv_buf_init(scratch, sizeof scratch);
        },
        [](uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
          auto close = [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); };
          uv_read_stop(stream);
          if (nread <= 0) return uv_close(reinterpret_cast<uv_handle_t*>(stream), close);
          auto* state = static_cast<State*>(stream->data);
          static std::string response;
          response = "HTTP/1.1 " + std::to_string(state->options.reject_http_status) +
                     " Rejected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          auto* write = new uv_write_t;
          uv_buf_t buf = uv_buf_init(response.data(), static_cast<unsigned>(response.size()));
          uv_write(write, stream, &buf, 1, [](uv_write_t* req, int) {
            uv_close(reinterpret_cast<uv_handle_t*>(req->handle),
                     [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
            delete req;
          });
        });
  });
  if (rc != 0) return -1;
  int length = sizeof addr;
  uv_tcp_getsockname(&s.http_listener, reinterpret_cast<sockaddr*>(&addr), &length);
  return ntohs(addr.sin_port);
}

// Stop request, on the server thread: first lws destroy stage, then close our handles.
void OnStop(uv_async_t* async) {
  auto* s = static_cast<State*>(async->data);
  if (s->ctx != nullptr) lws_context_destroy(s->ctx);
  uv_walk(
      &s->loop,
      [](uv_handle_t* h, void* arg) {
        auto* state = static_cast<State*>(arg);
        bool ours = h == reinterpret_cast<uv_handle_t*>(&state->stop) ||
                    h->data == state || h == reinterpret_cast<uv_handle_t*>(&state->http_listener);
        if (ours && !uv_is_closing(h)) uv_close(h, nullptr);
      },
      s);
}

void RunServer(State* s) {
  uv_loop_init(&s->loop);
  uv_async_init(&s->loop, &s->stop, &OnStop);
  s->stop.data = s;
  int port = s->options.reject_http_status != 0 ? StartHttpRejecter(*s) : StartLws(*s);
  s->port.set_value(port);
  if (port < 0) OnStop(&s->stop);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  // STACK-NOTES: the second destroy stage once lws's handles are closed, one more run.
  if (s->ctx != nullptr) lws_context_destroy(s->ctx);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  SSL_CTX_free(s->client_ssl_ctx);
}

}  // namespace

std::unique_ptr<ScriptServer> ScriptServer::Start(ScriptServerOptions options) {
  std::unique_ptr<ScriptServer> server(new ScriptServer());
  server->state_ = std::make_unique<State>();
  server->state_->options = std::move(options);
  server->tls_ = !server->state_->options.cert_file.empty();
  std::future<int> port = server->state_->port.get_future();
  server->thread_ = std::thread(&RunServer, server->state_.get());
  server->port_ = port.get();
  if (server->port_ <= 0) return nullptr;  // the destructor joins the finished thread
  return server;
}

ScriptServer::~ScriptServer() {
  if (port_ > 0) uv_async_send(&state_->stop);
  thread_.join();
}

std::string ScriptServer::url(const std::string& path) const {
  return std::string(tls_ ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_) + path;
}

int ScriptServer::connections_accepted() const { return state_->accepted.load(); }

std::pair<int, std::string> ScriptServer::last_client_close() const {
  std::lock_guard<std::mutex> lock(state_->close_mutex);
  return state_->last_close;
}

}  // namespace tether::client::testing
