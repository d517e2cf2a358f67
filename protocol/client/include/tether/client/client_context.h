// ClientContext: the one libwebsockets client context behind every Tether Connection on a
// libuv loop. It binds lws to the caller's loop (LWS_SERVER_OPTION_LIBUV with a foreign
// loop), so connections, timers and the caller's own handles share one thread.
//
// Thread-safety: none. Create, use and destroy it on the loop's thread only, and destroy
// every Connection made on it first.
//
// Shutdown. lws 4.1 frees its context in two stages with a loop run in between
// (STACK-NOTES.md "Shutdown is multi-stage"). The destructor takes care of both: it
// starts the first stage and, if lws's handles are still closing, leaves a small reaper
// on the loop that finishes the second stage as soon as they are gone. The loop owner
// therefore only has to keep running the loop until uv_run returns before calling
// uv_loop_close (which then returns 0, valgrind-clean).
#pragma once

#include <uv.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "tether/protocol/status.h"

struct lws_context;
struct lws_vhost;

namespace tether::client {

using protocol::Result;
using protocol::Status;

struct ClientContextOptions {
  // Receive buffer per connection. 64 KiB keeps a 64 KiB frame to one read callback
  // (STACK-NOTES "Throughput"); it is the dominant per-connection memory cost.
  std::size_t rx_buffer_bytes = 64 * 1024;
  // lws's per-thread service buffer, also used for sends.
  std::size_t service_buffer_bytes = 64 * 1024;
  // TCP connect plus TLS plus upgrade must complete within this (lws enforces it).
  unsigned connect_timeout_secs = 10;
  // Sizes lws's fd tables (otherwise taken from RLIMIT_NOFILE, see STACK-NOTES).
  std::size_t max_sockets = 1024;
};

class ClientContext {
 public:
  // `loop` must outlive this object and the loop runs that follow its destruction.
  static Result<std::unique_ptr<ClientContext>> Create(uv_loop_t* loop,
                                                       ClientContextOptions options = {});
  ~ClientContext();

  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  uv_loop_t* loop() const { return loop_; }
  lws_context* lws() const;

  // The vhost that carries client TLS settings for `ca_file` ("" = the system store).
  // lws keeps CA settings per vhost, so each distinct CA file gets its own, created on
  // first use and owned by the context.
  Result<lws_vhost*> VhostForCaFile(const std::string& ca_file);

  // Bookkeeping that lets the destructor catch a Connection outliving its context.
  void AddConnection() { ++live_connections_; }
  void RemoveConnection() { --live_connections_; }

 private:
  struct Holder;  // owns the lws_context and, after destruction, reaps it

  ClientContext(uv_loop_t* loop, ClientContextOptions options);
  Status Init();
  // Leaves `holder` on the loop to run lws's second destroy stage once lws is done.
  static void StartReaper(std::unique_ptr<Holder> holder);

  uv_loop_t* loop_;
  ClientContextOptions options_;
  // Owns the lws_context and the protocol table lws reads until its last stage; handed
  // to the reaper on destruction when lws still needs loop runs to finish.
  std::unique_ptr<Holder> holder_;
  std::map<std::string, lws_vhost*> vhosts_by_ca_;
  int live_connections_ = 0;
};

}  // namespace tether::client
