// PtyShell: the login shell a session's controller types into — a child process on a
// pseudo-terminal (forkpty), driven from the uv loop. Its output is read from the PTY
// master with uv_poll (at most kMaxOutputChunk bytes per callback, so that each chunk
// fits one data frame), input is written back non-blocking, and its end is noticed
// through SIGCHLD.
//
// The shell runs as the agent's own OS user, in a session of its own (setsid), with every
// other descriptor of the agent closed: it can reach nothing the agent holds (the
// broker connection, the device secret's file descriptor) except through the filesystem
// permissions of that user.
//
// Thread-safety: none; create, use and destroy on the loop's thread. Handlers run on
// that thread and may destroy the PtyShell.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tether/protocol/status.h"
#include "uv_handle.h"

namespace tether::agent {

using protocol::Result;
using protocol::Status;

inline constexpr std::size_t kMaxOutputChunk = 64 * 1024;

struct ShellOptions {
  // Absolute path of the shell; "" = $SHELL when it is an absolute path, else /bin/sh.
  std::string program{};
  // Arguments after argv[0]; "-l" makes it a login shell.
  std::vector<std::string> args{"-l"};
  // Where the shell starts; "" = the user's home directory.
  std::string working_dir{};
  // Set in the shell's environment on top of the agent's own (NAME=VALUE).
  std::vector<std::string> extra_env{"TERM=xterm-256color"};
  std::uint16_t cols = 80;
  std::uint16_t rows = 24;
  // After a hang-up (SIGHUP) the shell gets this long before SIGKILL.
  std::chrono::milliseconds kill_grace{2000};
  // Input from the controller waiting for the shell to read it; beyond, input is refused.
  std::size_t max_pending_input = 1 << 20;
};

struct ShellHandlers {
  std::function<void(std::span<const std::uint8_t>)> on_output{};
  // Exit status as a shell reports it: the exit code, or 128 + the signal number.
  std::function<void(int status)> on_exit{};
};

class PtyShell {
 public:
  // Starts the shell. `loop` must outlive the PtyShell and the hang-up after it.
  static Result<std::unique_ptr<PtyShell>> Start(uv_loop_t* loop, ShellOptions options,
                                                 ShellHandlers handlers);
  // A shell still running is hung up: SIGHUP to its process group, SIGKILL after
  // kill_grace, reaped by a small timer that stays on the loop until then.
  ~PtyShell();
  PtyShell(const PtyShell&) = delete;
  PtyShell& operator=(const PtyShell&) = delete;

  // Queues bytes for the shell's terminal. Refused (nothing queued) when the bytes waiting
  // for the shell would exceed max_pending_input, or once the shell has exited.
  Status Write(std::span<const std::uint8_t> bytes);
  // TIOCSWINSZ: the shell's foreground program gets SIGWINCH.
  Status Resize(std::uint16_t cols, std::uint16_t rows);
  // Backpressure: stop and restart reading the shell's output. While paused, the kernel
  // buffer fills and the shell's writes block — nothing is lost.
  void PauseOutput();
  void ResumeOutput();

  bool exited() const { return exited_; }
  pid_t pid() const { return pid_; }

 private:
  PtyShell(uv_loop_t* loop, ShellOptions options, ShellHandlers handlers);
  Status Spawn();
  void UpdatePoll();
  void OnPoll(int status, int events);
  // Reads one chunk; false when the PTY has no more to give (EAGAIN, EIO or EOF).
  bool ReadChunk();
  void FlushInput();
  void OnChildSignal();
  void FinishIfDone();

  uv_loop_t* loop_;
  ShellOptions options_;
  std::shared_ptr<const ShellHandlers> handlers_;
  pid_t pid_ = -1;
  int master_fd_ = -1;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_signal_t> child_signal_;
  // After the shell was reaped, its last output is drained until EIO or this fires (a
  // background job may keep the terminal open forever).
  UvHandle<uv_timer_t> drain_timer_;
  std::vector<std::uint8_t> pending_input_;
  bool paused_ = false;
  bool output_done_ = false;  // the master reported EIO/EOF: no more output
  bool reaped_ = false;
  int exit_status_ = 0;
  bool exited_ = false;  // on_exit was called
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tether::agent
