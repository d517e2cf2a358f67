// SessionRunner: the PTY, the files and the queue watch of one active session.
#include "session_runner.h"

#include <algorithm>

#include "tether/protocol/codec.h"

namespace tether::agent {

namespace {
constexpr std::uint64_t kTerminalChannel = 1;
}

SessionRunner::SessionRunner(uv_loop_t* loop, SessionIo& io, std::string session_id, SessionRunnerOptions options,
                             std::function<void(int)> on_shell_exit, LogFn log)
    : loop_(loop), io_(io), session_id_(std::move(session_id)), options_(std::move(options)),
      on_shell_exit_(std::move(on_shell_exit)), log_(std::move(log)),
      files_(loop, io, session_id_, options_.files, [this] { WatchQueue(); }, log_) {
  queue_watch_.Init([loop](uv_check_t* h) { return uv_check_init(loop, h); }, this);
}

SessionRunner::~SessionRunner() = default;  // members: the shell is hung up, transfers dropped

Status SessionRunner::Start() {
  if (shell_) return Status::Ok();
  ShellHandlers handlers;
  handlers.on_output = [this](std::span<const std::uint8_t> bytes) { OnShellOutput(bytes); };
  handlers.on_exit = [this](int status) {
    auto on_exit = on_shell_exit_;  // the callback may destroy this runner
    if (on_exit) on_exit(status);
  };
  auto shell = PtyShell::Start(loop_, options_.shell, std::move(handlers));
  if (!shell.ok()) return shell.status();
  shell_ = std::move(*shell);
  return Status::Ok();
}

void SessionRunner::OnTerminalInput(std::span<const std::uint8_t> bytes) {
  if (!shell_) return;
  if (Status written = shell_->Write(bytes); !written.ok()) log_("terminal input dropped: " + written.message());
}

void SessionRunner::OnResize(const Value& event) {
  auto cols = protocol::RequireUint(event, "cols");
  auto rows = protocol::RequireUint(event, "rows");
  if (!shell_ || !cols.ok() || !rows.ok()) return;
  auto clamp = [](std::uint64_t v) { return static_cast<std::uint16_t>(std::min<std::uint64_t>(v, 10000)); };
  if (Status resized = shell_->Resize(clamp(*cols), clamp(*rows)); !resized.ok()) {
    log_("resize ignored: " + resized.message());
  }
}

void SessionRunner::OnShellOutput(std::span<const std::uint8_t> bytes) {
  // The PTY hands at most kMaxOutputChunk (64 KiB) at a time: one frame each.
  if (Status sent = io_.SendFrame(session_id_, kTerminalChannel, bytes); !sent.ok()) return;
  if (!shell_paused_ && io_.queued_bytes() > options_.queue_budget) {
    shell_paused_ = true;
    shell_->PauseOutput();
    WatchQueue();
  }
}

void SessionRunner::WatchQueue() {
  if (!queue_watch_.initialized() || uv_is_active(reinterpret_cast<uv_handle_t*>(queue_watch_.get()))) return;
  uv_check_start(queue_watch_.get(), [](uv_check_t* h) { static_cast<SessionRunner*>(h->data)->Pump(); });
}

void SessionRunner::Pump() {
  if (shell_paused_ && io_.queued_bytes() < options_.queue_budget / 4 * 3) {
    shell_paused_ = false;
    if (shell_) shell_->ResumeOutput();
  }
  bool downloads_waiting = files_.Pump(options_.queue_budget / 2);
  if (!shell_paused_ && !downloads_waiting) uv_check_stop(queue_watch_.get());
}

}  // namespace tether::agent
