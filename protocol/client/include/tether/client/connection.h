// Connection: the client side of one Tether WebSocket connection (PROTOCOL.md
// "Transport"), asynchronous on the loop of its ClientContext. It correlates requests with
// their `ok`/`error` replies by id, hands events, unsolicited errors and data frames to
// handlers, and optionally reconnects with exponential backoff.
//
// Thread-safety: none. A Connection is created, used and destroyed on its loop's thread
// only, and must be destroyed before its ClientContext. Handlers run on that thread; they
// may call any method, and may destroy the Connection (nothing touches it afterwards).
//
// Lifecycle: Create() schedules the first attempt on the loop. Every attempt ends in
// exactly one on_close (whether or not it opened), and each attempt that opens first
// gets on_open. With reconnect enabled the next attempt is scheduled after on_close,
// unless on_close (or anyone) called Close().
//
// Server messages that break PROTOCOL.md close the connection from our side: text
// (1003), neither a map nor an array or undecodable (1002), over max_message_bytes (1009).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tether/client/client_context.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

struct lws;

namespace tether::client {

using protocol::Value;

inline constexpr int kCloseNormal = 1000;
inline constexpr int kCloseProtocolError = 1002;
inline constexpr int kCloseUnsupportedData = 1003;
// Never sent on the wire: reported when there was no close frame (TCP died, the
// handshake failed, the server vanished).
inline constexpr int kCloseAbnormal = 1006;
inline constexpr int kCloseMessageTooBig = 1009;

// How an attempt ended. `code` is the one in the server's close frame when it sent one,
// ours when we closed, kCloseAbnormal otherwise. For a failed handshake `reason` holds
// lws's diagnosis and, when the server answered HTTP, its status ("... (HTTP 404)").
struct CloseInfo {
  int code = kCloseAbnormal;
  std::string reason{};
  bool opened = false;  // whether this attempt got as far as on_open
};

struct ReconnectPolicy {
  bool enabled = false;
  std::chrono::milliseconds min_delay{250};
  std::chrono::milliseconds max_delay{30'000};
  // Each delay is shortened by a random fraction in [0, jitter) so that agents dropped by
  // one broker restart do not all come back in the same millisecond.
  double jitter = 0.2;
};

struct ConnectOptions {
  std::string url{};                     // ws://host:port/path or wss://...
  std::string subprotocol = "tether.v1";  // "" offers none
  // TLS. `ca_file` "" verifies against the system store.
  std::string ca_file{};
  bool allow_self_signed = false;  // also skips the host name check
  // SHA-256 of the server certificate (DER), hex with or without ':' separators, e.g.
  // the broker_fingerprint returned at enrolment. When set, it replaces chain and host
  // name verification (like an SSH known host) and any other certificate is refused
  // before the upgrade request is answered.
  std::string pinned_sha256{};
  ReconnectPolicy reconnect{};
  // Messages from the server above this close the connection with 1009.
  std::size_t max_message_bytes = 16u << 20;
};

struct ConnectionHandlers {
  std::function<void()> on_open{};
  // Events, and any other control message no pending request claimed (a stray `ok`,
  // an unknown `t`).
  std::function<void(const Value&)> on_event{};
  // `{"t":"error"}` whose `re` matches no pending request (or that has none).
  std::function<void(const Value&)> on_unsolicited_error{};
  // A whole data frame message (the msgpack array), valid during the call.
  std::function<void(std::span<const std::uint8_t>)> on_data_frame{};
  std::function<void(const CloseInfo&)> on_close{};
};

// Reply to a Request: the whole `ok` map; or the Status built from the error's code and
// message; or, when the attempt ends first, kInternal "connection closed (code N: ...)".
// kInternal rather than kUnauthenticated because a close says nothing about the request:
// the broker always sends the error reply (e.g. unauthenticated) before closing.
using ReplyCallback = std::function<void(protocol::Result<Value>)>;

class ConnectionLwsBridge;  // the lws callback glue (src/connection_lws.cc)

class Connection {
 public:
  // Validates the options (URL, fingerprint, CA file) and schedules the first attempt;
  // nothing is called back before the loop runs. `context` must outlive the Connection.
  static Result<std::unique_ptr<Connection>> Create(ClientContext& context,
                                                    ConnectOptions options,
                                                    ConnectionHandlers handlers);
  // Drops the socket without a close frame if it is still up; no handler or reply
  // callback runs. (For a polite end, Close() and wait for on_close first.)
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool IsOpen() const { return state_ == State::kOpen; }

  // Sets `request_map["id"]` to the next id (from 1), queues it and returns the id. When
  // not open, calls on_reply at once with kInternal "not connected" and returns 0.
  std::uint64_t Request(Value request_map, ReplyCallback on_reply);
  // Queues one message as is (tests use it for text frames and garbage).
  Status SendRaw(std::vector<std::uint8_t> bytes, bool binary = true);
  Status SendDataFrame(std::string_view session_id, std::uint64_t channel,
                       std::span<const std::uint8_t> payload);
  // Sends a close frame with `code` after what is already queued, and stops
  // reconnecting. Before the connection opened, abandons the attempt (on_close runs with
  // `code` before Close returns). When waiting to reconnect, just stops.
  void Close(int code = kCloseNormal, std::string reason = "");

  // Bytes queued and not yet handed to the socket: what a producer watches for back-off.
  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  friend class ConnectionLwsBridge;
  enum class State { kConnecting, kOpen, kClosing, kWaitingToRetry, kClosed };
  struct Outgoing {
    std::vector<std::uint8_t> buffer;  // LWS_PRE headroom, then the message
    std::size_t sent = 0;              // message bytes already written
    bool binary = true;
  };
  struct RetryTimer;  // an lws timer (sul) pointing back here

  Connection(ClientContext& context, ConnectOptions options, ConnectionHandlers handlers);

  // Attempts and their end (connection.cc).
  void StartAttempt();
  // Ends the current attempt: detaches `wsi` (if any) so lws calls back no more, fails
  // the pending requests, runs on_close and schedules the next attempt if due.
  void FinishAttempt(lws* wsi, CloseInfo info);
  void ScheduleAttempt(std::chrono::milliseconds delay);
  std::chrono::milliseconds NextBackoff();
  // Received messages (connection.cc). A non-ok Status is a protocol violation by the
  // server (nothing was dispatched); ok means handlers ran and `this` may be gone.
  Status HandleMessage(std::vector<std::uint8_t> message);
  void HandleControl(Value message, const std::string& type);
  Status HandleDataFrames(std::span<const std::uint8_t> message);
  Status Enqueue(std::vector<std::uint8_t> message, bool binary);

  // lws events, called by the bridge (connection_lws.cc). Return what lws expects.
  lws* OpenSocket();
  int VerifyServerCertificate(void* x509_store_ctx, bool preverified);
  int OnHandshakeResponse(lws* wsi);
  int OnEstablished(lws* wsi);
  int OnConnectionError(lws* wsi, std::string_view why);
  int OnReceive(lws* wsi, std::span<const std::uint8_t> fragment);
  int OnWriteable(lws* wsi);
  int OnTimer(lws* wsi);
  void OnPeerClose(std::span<const std::uint8_t> payload);
  void OnSocketClosed(lws* wsi);
  // Records why we close and tells lws; the caller returns the result (-1) to lws.
  int CloseFromCallback(lws* wsi, int code, std::string reason);
  // Drops the socket without callbacks (destructor, Close() while connecting).
  void DetachSocket();

  ClientContext& context_;
  ConnectOptions options_;
  // Shared so that a dispatch can keep the handler it runs alive: a handler may destroy
  // the Connection, and with it this pointer, while it is still executing.
  std::shared_ptr<const ConnectionHandlers> handlers_;
  std::string host_, path_, host_header_;  // from the URL, kept alive for lws
  int port_ = 0;
  bool tls_ = false;
  std::string pin_;  // normalized: 64 lowercase hex digits, or empty
  lws_vhost* vhost_ = nullptr;

  State state_ = State::kWaitingToRetry;  // the first attempt is scheduled
  lws* wsi_ = nullptr;
  bool stop_reconnecting_ = false;
  std::optional<CloseInfo> close_info_;  // set once the attempt's end is known
  bool opened_ = false;                   // this attempt reached on_open
  std::string certificate_error_;          // OpenSSL's verdict, for a failed handshake
  int attempts_since_open_ = 0;
  std::unique_ptr<RetryTimer> retry_timer_;

  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, ReplyCallback> pending_;
  std::deque<Outgoing> outgoing_;
  std::size_t queued_bytes_ = 0;
  std::vector<std::uint8_t> rx_;  // fragments of the message being received
  bool rx_in_message_ = false;
  bool rx_binary_ = true;

  // Cleared by the destructor so that code unwinding out of a handler that destroyed the
  // Connection knows to stop touching it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tether::client
