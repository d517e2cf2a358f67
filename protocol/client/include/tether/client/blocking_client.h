// BlockingClient: a synchronous Tether client for tests and command-line tools. It owns a
// private uv loop, a ClientContext and one Connection, and runs that loop on the
// caller's thread only inside its calls, until what is awaited happens or the timeout
// passes. Everything received meanwhile is queued, so nothing is lost between calls.
//
// Thread-safety: none; use one BlockingClient from one thread at a time. It can be
// destroyed at any point (mid-call timeouts included) without leaking or hanging.
//
// Timeouts are Status kInternal with a message starting "timed out" (IsTimeout()).
#pragma once

#include <uv.h>

#include <chrono>
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
#include "tether/client/connection.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::client {

// Whether `status` is a BlockingClient timeout (rather than an error reply or a close).
bool IsTimeout(const Status& status);

class BlockingClient {
 public:
  // Connects and waits for the upgrade. Failure carries the reason, e.g.
  // "connect to ws://...: HS: ws upgrade response not 101 (HTTP 404)". The reconnect
  // policy is ignored: a blocking client reports a close instead of hiding it.
  static Result<std::unique_ptr<BlockingClient>> Connect(ConnectOptions options,
                                                         std::chrono::milliseconds timeout);
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // Sends `request` (a map with "t"; "id" is assigned) and waits for its reply: the ok
  // map, or the error code and message as a Status, or the close, or a timeout.
  Result<Value> Call(Value request, std::chrono::milliseconds timeout);
  // {"t":"hello","proto":1,"auth":auth}.
  Result<Value> Hello(Value auth, std::chrono::milliseconds timeout);
  // The two halves of Call, for several requests in flight: StartCall returns the id
  // (0 when not connected; WaitReply(0) then says so). A reply that arrives before its
  // WaitReply is kept; after a WaitReply timeout it is still kept for another wait.
  std::uint64_t StartCall(Value request);
  Result<Value> WaitReply(std::uint64_t id, std::chrono::milliseconds timeout);

  // Queues one message as is; ignored when not connected (tests then see the close).
  void SendRaw(std::vector<std::uint8_t> bytes, bool binary = true);
  Status SendDataFrame(std::string_view session_id, std::uint64_t channel,
                       std::span<const std::uint8_t> payload);
  // Sends a close frame; WaitClosed reports what came of it.
  void Close(int code = kCloseNormal, std::string reason = "");

  // The next event or unsolicited error not consumed by a Call, in arrival order.
  Result<Value> NextMessage(std::chrono::milliseconds timeout);
  // For a streamed reply (audit.export: events, then the reply): the next event or
  // unsolicited error not consumed by a Call, in arrival order, while there is one; then
  // the reply to `id` (set `*is_reply`), as WaitReply gives it. Memory stays bounded
  // when the caller handles each event before asking for the next.
  Result<Value> NextMessageOrReply(std::uint64_t id, std::chrono::milliseconds timeout, bool* is_reply);
  // The next data frame (the whole msgpack array), in arrival order.
  Result<std::vector<std::uint8_t>> NextDataFrame(std::chrono::milliseconds timeout);
  // How the connection ended, or nullopt if it is still open after `timeout`.
  std::optional<CloseInfo> WaitClosed(std::chrono::milliseconds timeout);
  bool IsOpen() const;

 private:
  BlockingClient();
  // Runs the loop until `done` or the timeout; returns done().
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  ConnectionHandlers MakeHandlers();
  Status ClosedStatus() const;

  uv_loop_t loop_;
  uv_timer_t wake_timer_;  // bounds each uv_run by the caller's deadline
  std::unique_ptr<ClientContext> context_;
  std::unique_ptr<Connection> connection_;

  bool opened_ = false;
  std::optional<CloseInfo> closed_;
  // Ids whose reply is awaited → the reply once it arrived. Replies to ids no longer
  // here (abandoned by a timed-out Call) are dropped.
  std::map<std::uint64_t, std::optional<Result<Value>>> replies_;
  std::deque<Value> messages_;
  std::deque<std::vector<std::uint8_t>> frames_;
};

}  // namespace tether::client
