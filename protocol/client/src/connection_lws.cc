// Connection: the libwebsockets side — opening the socket, the TLS pin, reading whole
// messages, draining the output queue one frame per WRITEABLE, and closes.
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstring>

#include "lws_bridge.h"
#include "tether/client/connection.h"
#include "tls_pin.h"

namespace tether::client {
namespace {

// Large messages go out as 64 KiB frames: one lws_write per WRITEABLE (STACK-NOTES), and
// lws never has to buffer more than one frame of a megabyte message.
constexpr std::size_t kMaxFrameBytes = 64 * 1024;
// A close frame's payload is at most 125 bytes, two of which are the code.
constexpr std::size_t kMaxCloseReasonBytes = 123;

std::string_view Text(const void* in, std::size_t len) {
  return in == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(in), len);
}

}  // namespace

int ConnectionLwsBridge::Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in,
                                  size_t len) {
  if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION) {
    // Here `user` is OpenSSL's X509_STORE_CTX; the Connection is the wsi's user data.
    auto* c = wsi == nullptr ? nullptr : static_cast<Connection*>(lws_wsi_user(wsi));
    return c == nullptr ? 0 : c->VerifyServerCertificate(user, len != 0);
  }
  auto* c = static_cast<Connection*>(user);
  if (c == nullptr) return 0;  // not a connection event, or a detached socket
  auto bytes = std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(in),
                                             in == nullptr ? 0 : len);
  switch (reason) {
    case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
      return c->OnHandshakeResponse(wsi);
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      return c->OnEstablished(wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      return c->OnConnectionError(wsi, Text(in, len));
    case LWS_CALLBACK_CLIENT_RECEIVE:
      return c->OnReceive(wsi, bytes);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      return c->OnWriteable(wsi);
    case LWS_CALLBACK_TIMER:
      return c->OnTimer(wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      c->OnPeerClose(bytes);
      return 0;  // lws echoes the close
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
      c->OnSocketClosed(wsi);
      return 0;
    default:
      return 0;
  }
}

lws* Connection::OpenSocket() {
  lws_client_connect_info info;
  std::memset(&info, 0, sizeof info);
  info.context = context_.lws();
  info.vhost = vhost_;
  info.address = host_.c_str();
  info.port = port_;
  info.path = path_.c_str();
  info.host = host_header_.c_str();
  info.origin = host_header_.c_str();
  info.protocol = options_.subprotocol.empty() ? nullptr : options_.subprotocol.c_str();
  info.local_protocol_name = kClientProtocolName;
  info.userdata = this;  // our own memory: lws neither allocates nor frees it
  if (tls_) {
    info.ssl_connection = LCCSCF_USE_SSL;
    // A pin is the identity check itself, so chain and name checks give way to it.
    if (options_.allow_self_signed || !pin_.empty()) {
      info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    }
  }
  return lws_client_connect_via_info(&info);
}

int Connection::VerifyServerCertificate(void* x509_store_ctx, bool preverified) {
  auto* store = static_cast<X509_STORE_CTX*>(x509_store_ctx);
  if (!preverified) {  // kept for the close reason; lws's own text is "SSL err 1"
    certificate_error_ = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  }
  if (pin_.empty()) return 0;  // lws applies the LCCSCF_ rules to `preverified`
  // The pin names the leaf; what signed it does not matter then.
  if (X509_STORE_CTX_get_error_depth(store) > 0) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 0;
  }
  if (CertificateSha256Hex(X509_STORE_CTX_get_current_cert(store)) == pin_) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 0;
  }
  close_info_ = CloseInfo{kCloseAbnormal, "server certificate does not match the pinned fingerprint", false};
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 1;
}

int Connection::OnHandshakeResponse(lws* wsi) {
  // Second line of the pin: checked before the connection is usable even if the TLS
  // library skipped the verify callback. Nothing secret has been sent yet.
  if (!pin_.empty() && !PeerCertificateMatches(lws_get_ssl(wsi), pin_)) {
    close_info_ = CloseInfo{kCloseAbnormal, "server certificate does not match the pinned fingerprint", false};
    return 1;
  }
  return 0;
}

int Connection::OnEstablished(lws* wsi) {
  wsi_ = wsi;
  state_ = State::kOpen;
  opened_ = true;
  attempts_since_open_ = 0;
  if (auto handlers = handlers_; handlers->on_open) handlers->on_open();
  return 0;  // on_open may have queued or closed: Enqueue asked for WRITEABLE itself
}

int Connection::OnConnectionError(lws* wsi, std::string_view why) {
  std::string reason = close_info_ ? close_info_->reason
                                   : (why.empty() ? std::string("connection failed") : std::string(why));
  // Still readable here while lws holds the response headers of a refused upgrade.
  if (unsigned status = lws_http_client_http_response(wsi); status != 0) {
    reason += " (HTTP " + std::to_string(status) + ")";
  }
  if (!close_info_ && !certificate_error_.empty()) {
    reason += " (server certificate: " + certificate_error_ + ")";
  }
  FinishAttempt(wsi, {kCloseAbnormal, std::move(reason), false});
  return 0;
}

int Connection::OnReceive(lws* wsi, std::span<const std::uint8_t> fragment) {
  if (!rx_in_message_) {
    rx_in_message_ = true;
    rx_binary_ = lws_frame_is_binary(wsi) != 0;
    rx_.clear();
  }
  if (rx_.size() + fragment.size() > options_.max_message_bytes) {
    return CloseFromCallback(wsi, kCloseMessageTooBig,
                             "message over " + std::to_string(options_.max_message_bytes) + " bytes");
  }
  rx_.insert(rx_.end(), fragment.begin(), fragment.end());
  // A message may arrive in several frames, and a frame in several callbacks.
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
  rx_in_message_ = false;
  if (!rx_binary_) {
    // PROTOCOL.md: every message is binary; the broker answers a text one with 1003.
    return CloseFromCallback(wsi, kCloseUnsupportedData, "text message from server");
  }
  std::vector<std::uint8_t> message;
  message.swap(rx_);
  Status status = HandleMessage(std::move(message));
  if (!status.ok()) return CloseFromCallback(wsi, kCloseProtocolError, status.message());
  return 0;  // handlers ran: `this` may be gone
}

int Connection::OnWriteable(lws* wsi) {
  if (outgoing_.empty()) {
    // lws 4.1 treats -1 from WRITEABLE as a dead socket and sends no close frame; from
    // a timer callback it sends the reason set by lws_close_reason. So close from there.
    if (state_ == State::kClosing) lws_set_timer_usecs(wsi, 1);
    return 0;
  }
  Outgoing& out = outgoing_.front();
  std::size_t total = out.buffer.size() - LWS_PRE;
  std::size_t chunk = std::min(kMaxFrameBytes, total - out.sent);
  bool first = out.sent == 0;
  bool last = out.sent + chunk == total;
  int flags = first ? (out.binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) : LWS_WRITE_CONTINUATION;
  if (!last) flags |= LWS_WRITE_NO_FIN;
  // The header goes into the LWS_PRE bytes before this frame: the message's headroom for
  // the first frame, bytes of the previous, already written frame after that.
  unsigned char* frame = out.buffer.data() + LWS_PRE + out.sent;
  if (lws_write(wsi, frame, chunk, static_cast<lws_write_protocol>(flags)) < 0) {
    close_info_ = CloseInfo{kCloseAbnormal, "write failed", opened_};
    return -1;
  }
  out.sent += chunk;
  queued_bytes_ -= chunk;
  if (last) outgoing_.pop_front();
  if (!outgoing_.empty() || state_ == State::kClosing) lws_callback_on_writable(wsi);
  return 0;
}

int Connection::OnTimer(lws* wsi) {
  if (state_ != State::kClosing) return 0;
  const CloseInfo info = *close_info_;
  return CloseFromCallback(wsi, info.code, info.reason);
}

void Connection::OnPeerClose(std::span<const std::uint8_t> payload) {
  if (close_info_) return;  // we closed first: the server's frame is the echo
  CloseInfo info;
  // RFC 6455: a close frame without a code is reported as 1005.
  info.code = payload.size() >= 2 ? (payload[0] << 8) | payload[1] : 1005;
  if (payload.size() > 2) {
    info.reason.assign(reinterpret_cast<const char*>(payload.data()) + 2, payload.size() - 2);
  }
  close_info_ = std::move(info);
}

void Connection::OnSocketClosed(lws* wsi) {
  FinishAttempt(wsi, close_info_.value_or(CloseInfo{kCloseAbnormal, "connection lost", false}));
}

int Connection::CloseFromCallback(lws* wsi, int code, std::string reason) {
  if (reason.size() > kMaxCloseReasonBytes) reason.resize(kMaxCloseReasonBytes);
  close_info_ = CloseInfo{code, reason, opened_};
  lws_close_reason(wsi, static_cast<lws_close_status>(code),
                   reinterpret_cast<unsigned char*>(reason.data()), reason.size());
  return -1;
}

void Connection::DetachSocket() {
  if (wsi_ == nullptr) return;
  lws_set_wsi_user(wsi_, nullptr);
  lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  wsi_ = nullptr;
}

}  // namespace tether::client
