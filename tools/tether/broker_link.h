// BrokerLink: the connection of the `tether` commands that stay connected (session new,
// connect, put, get) — a ClientContext and one asynchronous Connection on a loop the
// command owns, logged in with the saved token (tools/common/saved_login.h). It hands
// the command the hello answer, every event, every data frame, and an unexpected end;
// Finish() closes politely and makes Run() return the command's exit status.
//
// EventLoop owns the uv loop. Declare it before everything that lives on it: its
// destructor runs the loop until the last handle is closed (UvHandle frees its memory
// there, lws finishes its second destroy stage there) and then closes it.
//
// Thread-safety: none; everything on the loop's thread.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/saved_login.h"
#include "tether/client/client_context.h"
#include "tether/client/connection.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"
#include "tether/uv_handle.h"

namespace tether::tools::cli {

using protocol::Result;
using protocol::Status;
using protocol::Value;

class EventLoop {
 public:
  EventLoop() { uv_loop_init(&loop_); }
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  uv_loop_t* get() { return &loop_; }

 private:
  uv_loop_t loop_;
};

class BrokerLink {
 public:
  struct Handlers {
    // The `hello` succeeded: the command may send its requests.
    std::function<void(const Value& hello)> on_ready;
    // Events, and errors answering no request (e.g. `not_found` for a data frame).
    std::function<void(const Value& message)> on_message;
    // A whole data frame (the msgpack array), valid during the call.
    std::function<void(std::span<const std::uint8_t> frame)> on_data_frame;
    // The connection failed, was refused (hello) or ended before Finish(). Called once;
    // the link finishes with status 1 afterwards unless the handler called Finish().
    std::function<void(const Status& why)> on_lost;
    // Optional. When set, a connection that drops after a successful hello is retried
    // with backoff instead of being lost: this is called, and on_ready runs again once
    // a new connection is logged in (the command then rejoins what it was doing).
    std::function<void(const Status& why)> on_interrupted;
  };

  // Schedules the connection to `login.broker`; nothing is called back before Run().
  // `loop` must outlive the link.
  static Result<std::unique_ptr<BrokerLink>> Create(uv_loop_t* loop, const SavedLogin& login, Handlers handlers);
  ~BrokerLink();
  BrokerLink(const BrokerLink&) = delete;
  BrokerLink& operator=(const BrokerLink&) = delete;

  // Connection::Request: the reply (or kInternal when the connection is gone) comes to
  // `on_reply` on the loop.
  std::uint64_t Request(Value request, client::ReplyCallback on_reply);
  Status SendDataFrame(std::string_view session_id, std::uint64_t channel, std::span<const std::uint8_t> payload);
  std::size_t queued_bytes() const;
  const std::string& broker_url() const { return login_.broker; }

  // Runs the loop until Finish(); returns the status given to it.
  int Run();
  // Sends a close frame after what is queued and ends Run() once the broker answers it,
  // or after kCloseWait at the latest. Later calls are ignored.
  void Finish(int exit_status);
  bool finishing() const { return finishing_; }

  static constexpr std::chrono::milliseconds kCloseWait{2000};

 private:
  BrokerLink(uv_loop_t* loop, SavedLogin login, Handlers handlers);
  void OnOpen();
  void OnClose(const client::CloseInfo& info);
  void ReportLost(const Status& why);
  void StopLoop();

  uv_loop_t* loop_;
  SavedLogin login_;
  Handlers handlers_;
  std::unique_ptr<client::ClientContext> context_;
  std::unique_ptr<client::Connection> connection_;
  UvHandle<uv_timer_t> close_timer_;
  bool finishing_ = false;
  bool stopped_ = false;
  bool lost_ = false;
  bool ready_once_ = false;  // a hello succeeded on some connection
  int exit_status_ = 0;
};

}  // namespace tether::tools::cli
