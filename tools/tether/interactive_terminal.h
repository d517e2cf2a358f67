// InteractiveTerminal: the local end of an interactive session, like ssh's — keystrokes
// from the input fd go to the session, the remote shell's bytes go to the output fd,
// window size changes are reported, and `~.` ends the session (escape.h).
//
// It knows nothing about the broker: everything it sends goes through a TerminalSink
// (the session command puts channel-1 frames and `session.resize` behind it), so tests
// drive it with pipes and a fake sink.
//
// Rules:
// - Raw mode (terminal_mode.h) and escapes only when the input is a terminal; piped
//   input is forwarded as is and its end is sent as one Ctrl-D (the PTY's end-of-file
//   character), as `ssh host < script` ends the remote shell.
// - Read-only (`read_only`, a supervisor's view): nothing is sent — keystrokes other
//   than the escapes are dropped, the window size is not reported, and the end of piped
//   input sends nothing (the view goes on); `~.` and a hung-up terminal still call
//   EndSession().
// - Backpressure: when the sink has more than `pause_above` bytes queued for the
//   broker, reading the input stops, and resumes once the queue is below
//   `resume_below` (checked after every loop iteration, no timer spinning).
// - Output is written with blocking writes: a slow terminal then slows reading from the
//   broker, which holds back the agent (PROTOCOL.md flow control) — nothing is dropped.
//
// Thread-safety: none; the loop's thread only.
#pragma once

#include <uv.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tether/escape.h"
#include "tether/protocol/status.h"
#include "tether/terminal_mode.h"
#include "tether/uv_handle.h"

namespace tether::tools::cli {

// Where the terminal's input goes. Called on the loop's thread.
class TerminalSink {
 public:
  virtual ~TerminalSink() = default;
  virtual void SendKeystrokes(std::span<const std::uint8_t> bytes) = 0;
  virtual void SendResize(WindowSize size) = 0;
  // Bytes waiting to go to the broker (Connection::queued_bytes).
  virtual std::size_t QueuedBytes() const = 0;
  // `~.`, or the local terminal hung up.
  virtual void EndSession() = 0;
};

struct TerminalOptions {
  int input_fd = 0;
  int output_fd = 1;
  std::size_t pause_above = 1u << 20;
  std::size_t resume_below = 256u << 10;
  bool read_only = false;  // view only: see the rules above
};

class InteractiveTerminal {
 public:
  // Starts reading `input_fd` on `loop` (raw mode when it is a terminal), watches
  // SIGWINCH and reports the initial size. `sink` must outlive the terminal.
  static protocol::Result<std::unique_ptr<InteractiveTerminal>> Start(uv_loop_t* loop, TerminalSink& sink,
                                                                       TerminalOptions options = {});
  ~InteractiveTerminal();  // Stop()
  InteractiveTerminal(const InteractiveTerminal&) = delete;
  InteractiveTerminal& operator=(const InteractiveTerminal&) = delete;

  // Writes the remote shell's bytes to the output fd.
  void Output(std::span<const std::uint8_t> bytes);
  // Writes a local message (e.g. "Connection closed"), in the terminal's line ending.
  void Say(std::string_view line);
  // Reports the window size again, changed or not (after a reconnection).
  void ResendSize();
  // Stops reading, restores the terminal and closes the handles (idempotent).
  void Stop();

  bool reading_paused() const { return paused_; }
  // Whether the cursor is at the start of a line (nothing written, or a newline last),
  // so that a closing message does not land after the remote prompt.
  bool at_line_start() const { return at_line_start_; }
  bool raw() const { return raw_mode_ != nullptr; }

 private:
  InteractiveTerminal(TerminalSink& sink, TerminalOptions options);
  protocol::Status Begin(uv_loop_t* loop);
  void StartReading();
  void StopReading();
  void OnReadable();
  void OnInputEnded(bool terminal_gone);
  void Forward(std::span<const std::uint8_t> bytes);
  void Pause();
  void OnCheck();
  void ReportSize();
  void WriteAll(std::span<const std::uint8_t> bytes);

  TerminalSink& sink_;
  TerminalOptions options_;
  std::unique_ptr<RawMode> raw_mode_;
  EscapeScanner escapes_;
  int input_flags_ = -1;       // the input fd's flags before uv_poll made it non-blocking
  UvHandle<uv_poll_t> input_;  // a terminal or pipe
  UvHandle<uv_idle_t> idle_input_;  // a regular file or /dev/null, which cannot be polled
  UvHandle<uv_signal_t> winch_;
  UvHandle<uv_check_t> drain_check_;
  std::optional<WindowSize> last_size_;
  bool paused_ = false;
  bool input_done_ = false;
  bool output_broken_ = false;  // the output fd failed (EPIPE): stop writing
  bool stopped_ = false;
  bool at_line_start_ = true;
};

// The signals that end an interactive command — SIGINT, SIGTERM, SIGHUP — delivered on
// the loop to `on_signal` with their number until Close().
class EndSignals {
 public:
  void Start(uv_loop_t* loop, std::function<void(int)> on_signal);
  void Close();

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  std::function<void(int)> on_signal_;
  UvHandle<uv_signal_t> handles_[std::size(kSignals)];
};

// "Connection to <what> lost: <why>" on stderr, below any output left mid-line.
void PrintConnectionLost(const InteractiveTerminal* terminal, const std::string& what,
                         const protocol::Status& why);

// A status line for the user on stderr, readable whether or not `terminal` (may be null)
// holds the local terminal in raw mode.
void PrintNotice(const InteractiveTerminal* terminal, const std::string& text);
// "\n" when the remote output left the cursor mid-line (our last words go below it).
const char* NewLineIfNeeded(const InteractiveTerminal* terminal);

}  // namespace tether::tools::cli
