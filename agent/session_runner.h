// SessionRunner: what one active session does on this computer — the controller's shell
// in a PTY (channel 1), file transfers (channel 2, SessionFiles), `session.resize`, and
// backpressure towards the broker connection. It runs nothing else: there is no command
// channel besides the PTY the controller types into.
//
// Backpressure: shell output becomes channel-1 frames (≤ 64 KiB each). When the
// connection queues more than `queue_budget` bytes, reading the PTY pauses (the shell
// then blocks on its own writes) until the queue is below three quarters of it again;
// downloads only fill the queue up to half the budget, so typing stays responsive during
// a transfer. A uv_check handle re-evaluates this after every loop iteration while
// anything waits for the queue.
//
// Thread-safety: none; loop thread only.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "pty_shell.h"
#include "session_files.h"
#include "session_io.h"
#include "uv_handle.h"

namespace tether::agent {

struct SessionRunnerOptions {
  ShellOptions shell{};
  FileOptions files{};
  std::size_t queue_budget = 1 << 20;
};

class SessionRunner {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // `loop` and `io` must outlive the runner. `on_shell_exit` runs when the shell ends by
  // itself (with its exit status); it may destroy the runner.
  SessionRunner(uv_loop_t* loop, SessionIo& io, std::string session_id, SessionRunnerOptions options,
                std::function<void(int status)> on_shell_exit, LogFn log);
  // Hangs up the shell (SIGHUP, SIGKILL after the grace) and abandons transfers.
  ~SessionRunner();
  SessionRunner(const SessionRunner&) = delete;
  SessionRunner& operator=(const SessionRunner&) = delete;

  // Starts the shell.
  Status Start();
  // Channel-1 bytes from the controller.
  void OnTerminalInput(std::span<const std::uint8_t> bytes);
  // Event `session.resize {cols, rows}`.
  void OnResize(const Value& event);
  void OnFileBegin(const Value& event) { files_.OnFileBegin(event); }
  void OnFileEnd(const Value& event) { files_.OnFileEnd(event); }
  void OnFileChunk(std::span<const std::uint8_t> payload) { files_.OnChunk(payload); }

  const std::string& session_id() const { return session_id_; }
  // Whether reading the shell's output is paused for backpressure.
  bool output_paused() const { return shell_paused_; }
  // For tests: re-evaluates backpressure now (what the check handle does every iteration).
  void Pump();

 private:
  void OnShellOutput(std::span<const std::uint8_t> bytes);
  void WatchQueue();

  uv_loop_t* loop_;
  SessionIo& io_;
  std::string session_id_;
  SessionRunnerOptions options_;
  std::function<void(int)> on_shell_exit_;
  LogFn log_;
  SessionFiles files_;
  std::unique_ptr<PtyShell> shell_;
  bool shell_paused_ = false;
  UvHandle<uv_check_t> queue_watch_;
};

}  // namespace tether::agent
