// `tether supervise SESSION_ID`: join a session as a view participant
// (session.supervise, PROTOCOL.md §5.1) and show its terminal read-only.
//
// The broker sends the recent screen as one channel-1 frame, then the answer, then live
// output: frames for the session that come before the answer are held and shown once it
// is accepted. The local terminal is an InteractiveTerminal in read-only mode: nothing
// typed reaches the session; `~.` at the start of a line (or SIGINT/SIGTERM/SIGHUP)
// sends session.leave and exits 0 once it is answered. Participants, hand-overs and
// dropped frames are reported on stderr.
//
// Exit status: 0 when we left or the session ended normally (agent_left,
// controller_ended); 1 when the broker refused ("tether supervise: <code>: <message>")
// or the session ended otherwise (e.g. slow_consumer); 255 when the connection to the
// broker was lost, like ssh.
#include <cstdio>
#include <memory>
#include <vector>

#include "tether/broker_link.h"
#include "tether/command.h"
#include "tether/commands.h"
#include "tether/interactive_terminal.h"
#include "tether/protocol/data_frame.h"
#include "tether/sanitise.h"
#include "tether/session_events.h"

namespace tether::tools::cli {
namespace {

constexpr const char* kCommand = "supervise";
constexpr int kExitConnectionLost = 255;

class Supervisor final : public TerminalSink {
 public:
  Supervisor(uv_loop_t* loop, std::string session_id) : loop_(loop), session_id_(std::move(session_id)) {}

  Status Start(const SavedLogin& login) {
    BrokerLink::Handlers handlers;
    handlers.on_ready = [this](const Value&) { OnReady(); };
    handlers.on_message = [this](const Value& message) { OnMessage(message); };
    handlers.on_data_frame = [this](std::span<const std::uint8_t> frame) { OnDataFrame(frame); };
    handlers.on_lost = [this](const Status& why) { OnLost(why); };
    auto link = BrokerLink::Create(loop_, login, std::move(handlers));
    if (!link.ok()) return link.status();
    link_ = std::move(*link);
    end_signals_.Start(loop_, [this](int) { EndSession(); });
    return Status::Ok();
  }

  int Run() { return link_->Run(); }

  // TerminalSink: a read-only terminal sends nothing but the end.
  void SendKeystrokes(std::span<const std::uint8_t>) override {}
  void SendResize(WindowSize) override {}
  std::size_t QueuedBytes() const override { return link_->queued_bytes(); }
  void EndSession() override { Leave(); }

 private:
  enum class Phase { kConnecting, kJoining, kWatching, kLeaving, kDone };

  void OnReady() {
    phase_ = Phase::kJoining;
    link_->Request(Value::MapOf({{"t", "session.supervise"}, {"session_id", session_id_}}),
                   [this](Result<Value> reply) { OnJoined(std::move(reply)); });
  }

  void OnJoined(Result<Value> reply) {
    if (phase_ == Phase::kDone) return;
    if (!reply.ok()) return Exit(Fail(kCommand, reply.status()));
    std::fprintf(stderr, "Watching session %s (read-only). Escape: ~. leaves, ~? for help.\n",
                 Sanitise(session_id_).c_str());
    const Value* participants = reply->Find("participants");
    if (participants != nullptr && participants->is_array() && !participants->as_array().empty()) {
      std::fprintf(stderr, "%s controls the session.\n", UserLabel(participants->as_array().front().Find("user")).c_str());
    }
    TerminalOptions options;
    options.read_only = true;
    auto terminal = InteractiveTerminal::Start(loop_, *this, options);
    if (!terminal.ok()) {
      Fail(kCommand, terminal.status());
      phase_ = Phase::kWatching;  // joined: leave before exiting
      return Leave(kExitFailed);
    }
    terminal_ = std::move(*terminal);
    bool leaving = phase_ == Phase::kLeaving;  // a signal came while we were joining
    if (!leaving) phase_ = Phase::kWatching;
    for (const auto& bytes : early_output_) terminal_->Output(bytes);
    early_output_.clear();
    if (leaving) SendLeave();
  }

  void OnMessage(const Value& message) {
    const Value* type = message.Find("t");
    if (type != nullptr && type->is_string() && type->as_string() == "error") {
      const Value* code = message.Find("code");
      const Value* text = message.Find("message");
      return Notify("the broker says: " + (code && code->is_string() ? Sanitise(code->as_string()) : "error") + ": " +
                    (text && text->is_string() ? Sanitise(text->as_string()) : ""));
    }
    SessionUpdate update = InterpretSessionEvent(message, session_id_);
    switch (update.kind) {
      case SessionUpdate::Kind::kIgnored:
      case SessionUpdate::Kind::kConsent:
      case SessionUpdate::Kind::kActive: return;
      case SessionUpdate::Kind::kWaiting:
      case SessionUpdate::Kind::kNotice: return Notify(update.text);
      case SessionUpdate::Kind::kEnded: return OnEnded(update);
    }
  }

  void OnDataFrame(std::span<const std::uint8_t> frame) {
    auto view = protocol::PeekDataFrame(frame);
    if (!view.ok() || view->session_id != session_id_ ||
        view->channel != static_cast<std::uint64_t>(protocol::Channel::kTerminal)) {
      return;
    }
    if (terminal_) return terminal_->Output(view->payload);
    if (phase_ == Phase::kJoining) early_output_.emplace_back(view->payload.begin(), view->payload.end());
  }

  void OnEnded(const SessionUpdate& update) {
    if (phase_ == Phase::kDone) return;
    if (phase_ == Phase::kLeaving) return Exit(leave_exit_status_);  // ended while we left
    StopTerminal();
    bool normal = update.reason == "agent_left" || update.reason == "controller_ended";
    std::fprintf(stderr, "%sThe session ended: %s (%s).\n", NewLineIfNeeded(), update.text.c_str(),
                 update.reason.c_str());
    Exit(normal ? kExitOk : kExitFailed);
  }

  // `~.`, a signal, or a local failure: session.leave, then exit once it is answered.
  void Leave(int exit_status = kExitOk) {
    if (phase_ == Phase::kLeaving || phase_ == Phase::kDone) return;
    leave_exit_status_ = exit_status;
    Phase was = phase_;
    phase_ = Phase::kLeaving;
    if (was == Phase::kConnecting) return Exit(exit_status);  // not joined: nothing to leave
    if (was == Phase::kWatching) SendLeave();  // while joining: once the answer came (OnJoined)
  }

  void SendLeave() {
    StopTerminal();
    std::fprintf(stderr, "%sLeft session %s.\n", NewLineIfNeeded(), Sanitise(session_id_).c_str());
    link_->Request(Value::MapOf({{"t", "session.leave"}, {"session_id", session_id_}}), [this](Result<Value> reply) {
      if (phase_ == Phase::kDone) return;
      // not_found: the session ended meanwhile; we are out either way.
      if (!reply.ok() && reply.status().code() != protocol::ErrorCode::kNotFound) {
        return Exit(Fail(kCommand, reply.status()));
      }
      Exit(leave_exit_status_);
    });
  }

  void OnLost(const Status& why) {
    if (phase_ == Phase::kDone) return;
    StopTerminal();
    if (phase_ == Phase::kWatching) {
      PrintConnectionLost(terminal_.get(), "the broker", why);
      return Exit(kExitConnectionLost);
    }
    Exit(Fail(kCommand, why));
  }

  void Notify(const std::string& text) { PrintNotice(terminal_.get(), text); }

  const char* NewLineIfNeeded() const { return cli::NewLineIfNeeded(terminal_.get()); }

  void StopTerminal() {
    if (terminal_) terminal_->Stop();
  }

  void Exit(int exit_status) {
    phase_ = Phase::kDone;
    StopTerminal();
    end_signals_.Close();
    link_->Finish(exit_status);
  }

  uv_loop_t* loop_;
  std::string session_id_;
  std::unique_ptr<BrokerLink> link_;
  std::unique_ptr<InteractiveTerminal> terminal_;
  EndSignals end_signals_;
  Phase phase_ = Phase::kConnecting;
  std::vector<std::vector<std::uint8_t>> early_output_;  // the recent screen, before the answer
  int leave_exit_status_ = kExitOk;
};

}  // namespace

int RunSupervise(const std::string& session_id) {
  auto login = LoadSavedLogin();
  if (!login.ok()) return Fail(kCommand, login.status());
  EventLoop loop;  // first in, last out: everything below lives on it
  Supervisor supervisor(loop.get(), session_id);
  Status started = supervisor.Start(*login);
  if (!started.ok()) return Fail(kCommand, started);
  return supervisor.Run();
}

}  // namespace tether::tools::cli
