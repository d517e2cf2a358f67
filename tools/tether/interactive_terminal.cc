// The local end of an interactive session (interactive_terminal.h).
#include <cstdio>

#include "tether/interactive_terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace tether::tools::cli {
namespace {

constexpr std::size_t kReadBytes = 16 * 1024;
constexpr std::uint8_t kEndOfFile = 0x04;  // Ctrl-D: the PTY's VEOF

InteractiveTerminal* From(void* data) { return static_cast<InteractiveTerminal*>(data); }

std::span<const std::uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

protocol::Result<std::unique_ptr<InteractiveTerminal>> InteractiveTerminal::Start(uv_loop_t* loop,
                                                                                   TerminalSink& sink,
                                                                                   TerminalOptions options) {
  std::unique_ptr<InteractiveTerminal> terminal(new InteractiveTerminal(sink, options));
  protocol::Status started = terminal->Begin(loop);
  if (!started.ok()) return started;
  return terminal;
}

InteractiveTerminal::InteractiveTerminal(TerminalSink& sink, TerminalOptions options)
    : sink_(sink), options_(options) {}

InteractiveTerminal::~InteractiveTerminal() { Stop(); }

protocol::Status InteractiveTerminal::Begin(uv_loop_t* loop) {
  input_flags_ = fcntl(options_.input_fd, F_GETFL);
  if (isatty(options_.input_fd)) {
    auto raw = RawMode::Enter(options_.input_fd);
    if (!raw.ok()) return raw.status();
    raw_mode_ = std::move(*raw);
  }
  // uv_poll_init makes the fd non-blocking (restored in Stop). Regular files and
  // /dev/null cannot be polled (EPERM): they are read on every loop iteration instead.
  int fd = options_.input_fd;
  if (input_.Init([loop, fd](uv_poll_t* h) { return uv_poll_init(loop, h, fd); }, this) != 0 &&
      idle_input_.Init([loop](uv_idle_t* h) { return uv_idle_init(loop, h); }, this) != 0) {
    return protocol::Status::Internal("cannot read the input");
  }
  drain_check_.Init([loop](uv_check_t* h) { return uv_check_init(loop, h); }, this);
  StartReading();
  if (!options_.read_only && (ReadWindowSize(options_.input_fd) || ReadWindowSize(options_.output_fd))) {
    winch_.Init([loop](uv_signal_t* h) { return uv_signal_init(loop, h); }, this);
    uv_signal_start(winch_.get(), [](uv_signal_t* h, int) { From(h->data)->ReportSize(); }, SIGWINCH);
    ReportSize();
  }
  return protocol::Status::Ok();
}

void InteractiveTerminal::StartReading() {
  if (input_) {
    uv_poll_start(input_.get(), UV_READABLE, [](uv_poll_t* h, int, int) { From(h->data)->OnReadable(); });
  } else if (idle_input_) {
    uv_idle_start(idle_input_.get(), [](uv_idle_t* h) { From(h->data)->OnReadable(); });
  }
}

void InteractiveTerminal::StopReading() {
  if (input_) uv_poll_stop(input_.get());
  if (idle_input_) uv_idle_stop(idle_input_.get());
}

void InteractiveTerminal::OnReadable() {
  std::uint8_t buffer[kReadBytes];
  ssize_t n = read(options_.input_fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) return OnInputEnded(raw() || n < 0);
  Forward(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(n)));
}

void InteractiveTerminal::Forward(std::span<const std::uint8_t> bytes) {
  if (!raw()) {
    if (!options_.read_only) sink_.SendKeystrokes(bytes);
  } else {
    std::string_view input(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!input.empty() && !stopped_) {
      std::string forward;
      EscapeResult result = escapes_.Feed(input, forward);
      if (!forward.empty() && !options_.read_only) sink_.SendKeystrokes(Bytes(forward));
      input.remove_prefix(result.consumed);
      if (result.action == EscapeAction::kDisconnect) {
        StopReading();
        input_done_ = true;
        sink_.EndSession();  // may Stop() us
        return;
      }
      if (result.action == EscapeAction::kHelp) Say(EscapeScanner::HelpText());
    }
  }
  if (!stopped_ && sink_.QueuedBytes() > options_.pause_above) Pause();
}

void InteractiveTerminal::OnInputEnded(bool terminal_gone) {
  StopReading();
  input_done_ = true;
  if (terminal_gone) {
    sink_.EndSession();
    return;
  }
  if (!options_.read_only) sink_.SendKeystrokes(std::span<const std::uint8_t>(&kEndOfFile, 1));
}

void InteractiveTerminal::Pause() {
  paused_ = true;
  StopReading();
  uv_check_start(drain_check_.get(), [](uv_check_t* h) { From(h->data)->OnCheck(); });
}

void InteractiveTerminal::OnCheck() {
  if (sink_.QueuedBytes() >= options_.resume_below) return;
  paused_ = false;
  uv_check_stop(drain_check_.get());
  if (!input_done_) StartReading();
}

void InteractiveTerminal::ReportSize() {
  if (options_.read_only) return;
  std::optional<WindowSize> size = ReadWindowSize(options_.input_fd);
  if (!size) size = ReadWindowSize(options_.output_fd);
  if (!size || size == last_size_) return;
  last_size_ = size;
  sink_.SendResize(*size);
}

void InteractiveTerminal::ResendSize() {
  if (stopped_) return;
  last_size_.reset();
  ReportSize();
}

void InteractiveTerminal::Output(std::span<const std::uint8_t> bytes) { WriteAll(bytes); }

void InteractiveTerminal::Say(std::string_view line) {
  std::string text(line);
  if (raw()) {
    // OPOST is off: a bare "\n" would not return the carriage.
    std::string crlf;
    for (char c : text) {
      if (c == '\n' && (crlf.empty() || crlf.back() != '\r')) crlf += '\r';
      crlf += c;
    }
    text.swap(crlf);
  }
  WriteAll(Bytes(text));
}

void InteractiveTerminal::WriteAll(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty()) at_line_start_ = bytes.back() == '\n';
  while (!bytes.empty() && !output_broken_) {
    ssize_t n = write(options_.output_fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The output shares a non-blocking file description with the polled input
      // (one terminal on fds 0 and 1): wait for room.
      pollfd wait{options_.output_fd, POLLOUT, 0};
      poll(&wait, 1, -1);
    } else {
      output_broken_ = true;  // EPIPE and the like: nobody reads us any more
    }
  }
}

void InteractiveTerminal::Stop() {
  if (stopped_) return;
  stopped_ = true;
  input_.Close();
  idle_input_.Close();
  winch_.Close();
  drain_check_.Close();
  if (input_flags_ >= 0) fcntl(options_.input_fd, F_SETFL, input_flags_);
  if (raw_mode_) raw_mode_->Restore();
}

void PrintNotice(const InteractiveTerminal* terminal, const std::string& text) {
  if (text.empty()) return;
  std::string line = terminal && terminal->raw() ? "\r\n[tether] " + text + "\r\n" : text + "\n";
  std::fputs(line.c_str(), stderr);
}

const char* NewLineIfNeeded(const InteractiveTerminal* terminal) {
  return terminal && !terminal->at_line_start() ? "\n" : "";
}

void PrintConnectionLost(const InteractiveTerminal* terminal, const std::string& what,
                         const protocol::Status& why) {
  std::fprintf(stderr, "%sConnection to %s lost: %s\n", NewLineIfNeeded(terminal), what.c_str(),
               why.message().c_str());
}

void EndSignals::Start(uv_loop_t* loop, std::function<void(int)> on_signal) {
  on_signal_ = std::move(on_signal);
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    handles_[i].Init([loop](uv_signal_t* h) { return uv_signal_init(loop, h); }, this);
    uv_signal_start(
        handles_[i].get(), [](uv_signal_t* h, int signum) { static_cast<EndSignals*>(h->data)->on_signal_(signum); },
        kSignals[i]);
  }
}

void EndSignals::Close() {
  for (auto& handle : handles_) handle.Close();
}

}  // namespace tether::tools::cli
