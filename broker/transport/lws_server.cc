// The libwebsockets callback: each case fetches the typed state and forwards.
#include "transport/lws_server.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <string>
#include <string_view>

#include "broker.h"
#include "core/log.h"
#include "transport/lws_transport.h"

namespace tether::broker {
namespace {

constexpr const char* kSubprotocol = "tether.v1";
constexpr std::string_view kWebSocketPath = "/v1/ws";

// TLS (README "TLS"): 1.2 and 1.3 only, and for 1.2 only suites with forward secrecy and
// an AEAD cipher — whatever the system's OpenSSL configuration would otherwise allow.
constexpr long kRefusedProtocols = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Ciphers = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// lws hands us raw zeroed memory per connection: it holds pointers only.
struct PerConnection {
  LwsTransport* websocket;  // owned; created in ESTABLISHED, deleted in CLOSED
  std::string* http_body;   // owned; a pending HTTP answer
};

Broker& BrokerOf(lws* wsi) { return *static_cast<Broker*>(lws_context_user(lws_get_context(wsi))); }

std::string Header(lws* wsi, lws_token_indexes token) {
  int length = lws_hdr_total_length(wsi, token);
  if (length <= 0) return {};
  std::string value(static_cast<std::size_t>(length) + 1, '\0');
  int copied = lws_hdr_copy(wsi, value.data(), length + 1, token);
  value.resize(copied > 0 ? static_cast<std::size_t>(copied) : 0);
  return value;
}

std::string PeerAddress(lws* wsi) {
  char address[INET6_ADDRSTRLEN + 1] = {};
  lws_get_peer_simple(wsi, address, sizeof address);
  return address;
}

// True when the client offered no subprotocol or offered ours among others.
bool SubprotocolAcceptable(const std::string& offered) {
  if (offered.empty()) return true;
  std::size_t start = 0;
  while (start <= offered.size()) {
    std::size_t comma = offered.find(',', start);
    std::string_view item(offered.data() + start, (comma == std::string::npos ? offered.size() : comma) - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == kSubprotocol) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

std::string_view PathOf(std::string_view uri) { return uri.substr(0, uri.find('?')); }

// Refuses a handshake with an HTTP status (PROTOCOL.md: nothing is silently dropped).
int RefuseUpgrade(lws* wsi, unsigned status, const char* why) {
  ++BrokerOf(wsi).metrics().connections_refused;
  lws_return_http_status(wsi, status, why);
  return 1;
}

int ConfirmUpgrade(lws* wsi) {
  Broker& broker = BrokerOf(wsi);
  if (PathOf(Header(wsi, WSI_TOKEN_GET_URI)) != kWebSocketPath) {
    return RefuseUpgrade(wsi, HTTP_STATUS_NOT_FOUND, "the WebSocket endpoint is /v1/ws");
  }
  if (!SubprotocolAcceptable(Header(wsi, WSI_TOKEN_PROTOCOL))) {
    return RefuseUpgrade(wsi, HTTP_STATUS_BAD_REQUEST, "the only subprotocol is tether.v1");
  }
  if (auto refusal = broker.AdmissionRefusal(PeerAddress(wsi))) {
    return RefuseUpgrade(wsi, refusal->http_status, refusal->reason);
  }
  return 0;
}

// Starts an HTTP answer: headers now, the body in HTTP_WRITEABLE.
int BeginHttpAnswer(lws* wsi, PerConnection* slot, unsigned status, const char* content_type,
                    std::string body) {
  unsigned char buffer[LWS_PRE + 1024];
  unsigned char* start = buffer + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = buffer + sizeof buffer - 1;
  if (lws_add_http_common_headers(wsi, status, content_type, body.size(), &p, end) ||
      lws_finalize_write_http_header(wsi, start, &p, end)) {
    return 1;
  }
  slot->http_body = new std::string(std::move(body));
  lws_callback_on_writable(wsi);
  return 0;
}

int OnHttp(lws* wsi, PerConnection* slot, const char* uri) {
  std::string_view path = PathOf(uri ? uri : "");
  Broker& broker = BrokerOf(wsi);
  if (path == "/healthz") {
    return BeginHttpAnswer(wsi, slot, HTTP_STATUS_OK, "text/plain", broker.shutting_down() ? "stopping\n" : "ok\n");
  }
  if (path == "/metrics") {
    return BeginHttpAnswer(wsi, slot, HTTP_STATUS_OK, "text/plain; version=0.0.4", broker.RenderMetrics());
  }
  return BeginHttpAnswer(wsi, slot, HTTP_STATUS_NOT_FOUND, "text/plain", "not found\n");
}

int OnHttpWritable(lws* wsi, PerConnection* slot) {
  if (slot->http_body == nullptr) return 0;
  std::string body = std::move(*slot->http_body);
  delete slot->http_body;
  slot->http_body = nullptr;
  std::vector<unsigned char> buffer(LWS_PRE + body.size());
  std::memcpy(buffer.data() + LWS_PRE, body.data(), body.size());
  if (lws_write(wsi, buffer.data() + LWS_PRE, body.size(), LWS_WRITE_HTTP_FINAL) != static_cast<int>(body.size())) {
    return 1;
  }
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
  auto* slot = static_cast<PerConnection*>(user);
  switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
      return ConfirmUpgrade(wsi);
    case LWS_CALLBACK_HTTP:
      return OnHttp(wsi, slot, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return OnHttpWritable(wsi, slot);
    case LWS_CALLBACK_CLOSED_HTTP:
      if (slot != nullptr) {
        delete slot->http_body;
        slot->http_body = nullptr;
      }
      return 0;
    case LWS_CALLBACK_ESTABLISHED:
      slot->websocket = new LwsTransport(wsi, BrokerOf(wsi), PeerAddress(wsi));
      return 0;
    case LWS_CALLBACK_RECEIVE:
      return slot->websocket ? slot->websocket->OnReceive(in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
      return slot->websocket ? slot->websocket->OnWritable() : 0;
    case LWS_CALLBACK_TIMER:
      return slot != nullptr && slot->websocket ? slot->websocket->OnTimer() : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      return 0;  // lws echoes the close
    case LWS_CALLBACK_CLOSED:
      delete slot->websocket;
      slot->websocket = nullptr;
      return 0;
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

const lws_protocols kProtocols[] = {
    {kSubprotocol, &Callback, sizeof(PerConnection), 64 * 1024, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},  // lws 4.1 has no LWS_PROTOCOL_LIST_TERM
};

}  // namespace

protocol::Result<std::unique_ptr<LwsServer>> LwsServer::Start(Broker& broker, uv_loop_t* loop,
                                                              const BrokerConfig& config) {
  std::unique_ptr<LwsServer> server(new LwsServer(broker));
  // Keep-alive (PROTOCOL.md): ping every 30 s, drop a peer silent for 60 s.
  static lws_retry_bo_t retry{};
  retry.secs_since_valid_ping = static_cast<std::uint16_t>(config.ping_interval.count());
  retry.secs_since_valid_hangup = static_cast<std::uint16_t>(config.ping_timeout.count());

  void* foreign_loops[] = {loop};
  lws_context_creation_info info{};
  info.port = config.listen_port;
  info.iface = config.listen_host.c_str();
  info.protocols = kProtocols;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
  info.foreign_loops = foreign_loops;
  info.user = &broker;
  info.pcontext = &server->context_;
  info.retry_and_idle_policy = &retry;
  info.pt_serv_buf_size = 128 * 1024;
  info.fd_limit_per_thread = static_cast<unsigned>(config.max_connections + 256);
  info.vhost_name = "tether";
  // A peer gets as long for the HTTP upgrade as for its hello (whole seconds, at least
  // one): a slow or silent handshake (slowloris) is dropped, not held for lws's 10-20 s.
  auto handshake_secs = static_cast<unsigned>((config.hello_timeout.count() + 999) / 1000);
  info.timeout_secs = std::max(1u, handshake_secs);
  info.timeout_secs_ah_idle = info.timeout_secs;
  if (!config.tls_cert.empty()) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = config.tls_cert.c_str();
    info.ssl_private_key_filepath = config.tls_key.c_str();
    info.ssl_options_set = kRefusedProtocols;
    info.ssl_cipher_list = kTls12Ciphers;
    info.tls1_3_plus_cipher_list = kTls13Ciphers;
  }
  server->context_ = lws_create_context(&info);
  if (server->context_ == nullptr) {
    return protocol::Status::Internal("could not listen on " + config.listen_host + ":" +
                                      std::to_string(config.listen_port) +
                                      " (address in use, bad TLS files, or no libuv plugin)");
  }
  lws_vhost* vhost = lws_get_vhost_by_name(server->context_, "tether");
  server->port_ = vhost ? static_cast<std::uint16_t>(lws_get_vhost_listen_port(vhost)) : config.listen_port;
  return server;
}

void LwsServer::BeginDestroy() {
  if (context_ != nullptr) lws_context_destroy(context_);
}

void LwsServer::FinishDestroy() {
  if (context_ != nullptr) lws_context_destroy(context_);
  context_ = nullptr;
}

LwsServer::~LwsServer() { FinishDestroy(); }

}  // namespace tether::broker
