// `tether session new` and `tether connect`: start a session as its controller, follow
// its events until it is active, then run the interactive terminal until it ends.
//
//   session new:  session.create {mode:"attended"} → the key for the customer; events
//                 consent (the customer joined and is asked) → active | ended.
//   connect DEV:  session.connect {device_id} → events consent? → active | ended.
//
// A dropped connection to the broker is retried (BrokerLink) and the session rejoined
// (session.rejoin) within the broker's grace period; the terminal stays up meanwhile,
// and what is typed in between is lost. After kRejoinLimitMs without success, we leave.
//
// Ending: `~.` (or SIGINT/SIGTERM/SIGHUP, or Ctrl-C while waiting) sends session.end and
// exits once the broker confirms it. The exit status is the remote shell's when known
// (session_events.h ExitStatusForEnd); 1 when the session never became active; 255 when
// the connection to the broker was lost, like ssh.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "tether/broker_link.h"
#include "tether/command.h"
#include "tether/commands.h"
#include "tether/device_table.h"
#include "tether/interactive_terminal.h"
#include "tether/protocol/data_frame.h"
#include "tether/sanitise.h"
#include "tether/session_events.h"

namespace tether::tools::cli {
namespace {

constexpr int kExitConnectionLost = 255;
// After session.end is confirmed, how long session.ended may take before we leave.
constexpr std::uint64_t kEndedWaitMs = 2000;
// How long to keep trying to reconnect and rejoin (the broker's default grace is 30 s).
constexpr std::uint64_t kRejoinLimitMs = 60'000;

class SessionController final : public TerminalSink {
 public:
  SessionController(uv_loop_t* loop, SessionCommandOptions options)
      : loop_(loop), options_(std::move(options)), command_(options_.device_id ? "connect" : "session new") {
    label_ = options_.device_id ? Sanitise(*options_.device_id) : "the customer's computer";
  }

  Status Start(const SavedLogin& login) {
    BrokerLink::Handlers handlers;
    handlers.on_ready = [this](const Value&) { OnReady(); };
    handlers.on_message = [this](const Value& message) { OnMessage(message); };
    handlers.on_data_frame = [this](std::span<const std::uint8_t> frame) { OnDataFrame(frame); };
    handlers.on_lost = [this](const Status& why) { OnLost(why); };
    handlers.on_interrupted = [this](const Status& why) { OnInterrupted(why); };
    auto link = BrokerLink::Create(loop_, login, std::move(handlers));
    if (!link.ok()) return link.status();
    link_ = std::move(*link);
    end_signals_.Start(loop_, [this](int signum) { OnSignal(signum); });
    return Status::Ok();
  }

  int Run() { return link_->Run(); }

  // TerminalSink
  void SendKeystrokes(std::span<const std::uint8_t> bytes) override {
    (void)link_->SendDataFrame(session_id_, static_cast<std::uint64_t>(protocol::Channel::kTerminal), bytes);
  }
  void SendResize(WindowSize size) override {
    link_->Request(Value::MapOf({{"t", "session.resize"}, {"session_id", session_id_}, {"cols", size.cols},
                                 {"rows", size.rows}}),
                   [](Result<Value>) {});  // a refused resize changes nothing worth interrupting for
  }
  std::size_t QueuedBytes() const override { return link_->queued_bytes(); }
  void EndSession() override { RequestEnd(0); }

 private:
  enum class Phase { kConnecting, kRequested, kWaiting, kActive, kEnding, kDone };

  void OnReady() {
    if (!session_id_.empty()) return Rejoin();
    phase_ = Phase::kRequested;
    Value request = options_.device_id
                        ? Value::MapOf({{"t", "session.connect"}, {"device_id", *options_.device_id}})
                        : Value::MapOf({{"t", "session.create"}, {"mode", "attended"}});
    link_->Request(std::move(request), [this](Result<Value> reply) { OnStarted(std::move(reply)); });
  }

  void OnStarted(Result<Value> reply) {
    if (phase_ == Phase::kDone) return;
    if (!reply.ok()) return Exit(Fail(command_, reply.status()));
    const Value* session = reply->Find("session_id");
    if (session == nullptr || !session->is_string()) return Exit(FailWith(command_, "the broker sent no session_id"));
    session_id_ = session->as_string();
    phase_ = Phase::kWaiting;
    if (options_.device_id) {
      std::fprintf(stderr, "Session %s: connecting to %s...\n", Sanitise(session_id_).c_str(), label_.c_str());
    } else {
      AnnounceKey(*reply);
    }
    if (pending_stop_signal_ != 0) return OnSignal(pending_stop_signal_);
    std::vector<Value> early;
    early.swap(early_messages_);
    for (const Value& message : early) OnMessage(message);
  }

  void AnnounceKey(const Value& reply) {
    const Value* key = reply.Find("key");
    std::string digits = key != nullptr && key->is_string() ? Sanitise(key->as_string()) : "?";
    if (options_.json) {
      Value shown = ResultOf(reply);
      shown.Set("broker", link_->broker_url());
      PrintJsonLine(shown);
    } else {
      std::printf("Session key: %s   (valid until %s)\n\n", GroupKey(digits).c_str(),
                  TimeText(reply.Find("expires_at")).c_str());
      // The key in one word: `--key 123 456 789` would be three arguments to the agent.
      std::printf("Tell the customer to run:\n    tether-agent --broker %s --key %s\n\n",
                  Sanitise(link_->broker_url()).c_str(), digits.c_str());
      std::fflush(stdout);
    }
    std::fprintf(stderr, "Waiting for the customer to join (Ctrl-C cancels)...\n");
  }

  void OnMessage(const Value& message) {
    if (phase_ == Phase::kRequested) return early_messages_.push_back(message);
    const Value* type = message.Find("t");
    if (type != nullptr && type->is_string() && type->as_string() == "error") {
      const Value* code = message.Find("code");
      const Value* text = message.Find("message");
      Notify("the broker says: " + (code && code->is_string() ? Sanitise(code->as_string()) : "error") + ": " +
             (text && text->is_string() ? Sanitise(text->as_string()) : ""));
      return;
    }
    SessionUpdate update = InterpretSessionEvent(message, session_id_);
    switch (update.kind) {
      case SessionUpdate::Kind::kIgnored: return;
      case SessionUpdate::Kind::kConsent:
        return Notify(options_.device_id ? "Waiting for the user of " + label_ + " to accept..."
                                         : "The customer joined; waiting for them to accept...");
      case SessionUpdate::Kind::kWaiting:
      case SessionUpdate::Kind::kNotice: return Notify(update.text);
      case SessionUpdate::Kind::kActive:
        // Active again while active: an unattended agent came back after a drop, with a
        // new shell (agent/README.md).
        if (phase_ == Phase::kActive) return Notify("the remote side reconnected; a new shell started");
        recorded_ = update.recorded;
        return OnActive();
      case SessionUpdate::Kind::kEnded: return OnEnded(update);
    }
  }

  void OnActive() {
    if (phase_ != Phase::kWaiting) return;
    phase_ = Phase::kActive;
    if (!options_.device_id) AskHostname();
    std::fprintf(stderr, "Connected to %s (session %s).%s%s\n", label_.c_str(), Sanitise(session_id_).c_str(),
                 recorded_ ? " This session is recorded." : "",
                 options_.terminal ? " Escape: ~. ends the session, ~? for help." : " Ctrl-C ends the session.");
    if (!options_.terminal) return;
    auto terminal = InteractiveTerminal::Start(loop_, *this);
    if (!terminal.ok()) {
      Fail(command_, terminal.status());
      return RequestEnd(kExitFailed);
    }
    terminal_ = std::move(*terminal);
    for (const auto& bytes : early_output_) terminal_->Output(bytes);
    early_output_.clear();
  }

  // The agent reports its host (session.info, ext); a nicer label than "the customer's".
  void AskHostname() {
    link_->Request(Value::MapOf({{"t", "session.info"}, {"session_id", session_id_}}), [this](Result<Value> reply) {
      const Value* host = reply.ok() ? reply->Find("hostname") : nullptr;
      if (host != nullptr && host->is_string() && !host->as_string().empty()) label_ = Sanitise(host->as_string());
    });
  }

  void OnDataFrame(std::span<const std::uint8_t> frame) {
    auto view = protocol::PeekDataFrame(frame);
    if (!view.ok() || view->session_id != session_id_ ||
        view->channel != static_cast<std::uint64_t>(protocol::Channel::kTerminal) || !options_.terminal) {
      return;
    }
    if (terminal_) return terminal_->Output(view->payload);
    // The agent's first bytes may overtake our session.state active.
    if (phase_ == Phase::kWaiting) early_output_.emplace_back(view->payload.begin(), view->payload.end());
  }

  void OnEnded(const SessionUpdate& update) {
    if (phase_ == Phase::kDone) return;
    bool ending = phase_ == Phase::kEnding;
    bool was_active = phase_ == Phase::kActive || (ending && was_active_);
    StopTerminal();
    if (was_active) {
      std::fprintf(stderr, "%sConnection to %s closed (%s).\n", NewLineIfNeeded(), label_.c_str(),
                   update.reason.c_str());
    } else {
      std::fprintf(stderr, "The session ended: %s (%s).\n", update.text.c_str(), update.reason.c_str());
    }
    // We ended it: `~.` is a normal exit, a signal or a local failure keeps its status.
    if (ending) return Exit(end_exit_status_);
    Exit(was_active ? update.exit_status : kExitFailed);
  }

  // session.end, then leave with `exit_status` once it is confirmed (session.ended, or
  // its ok and a short wait). Before there is a session, just leave.
  void RequestEnd(int exit_status) {
    if (phase_ == Phase::kEnding || phase_ == Phase::kDone) return;
    end_exit_status_ = exit_status;
    if (session_id_.empty()) return Exit(exit_status);
    if (reconnecting_) {
      // No broker to tell: it ends the session itself once its grace runs out.
      StopTerminal();
      std::fprintf(stderr, "%sConnection to %s closed (left while disconnected).\n", NewLineIfNeeded(), label_.c_str());
      return Exit(exit_status);
    }
    was_active_ = phase_ == Phase::kActive;
    phase_ = Phase::kEnding;
    if (terminal_) terminal_->Stop();
    link_->Request(Value::MapOf({{"t", "session.end"}, {"session_id", session_id_}}), [this](Result<Value> reply) {
      if (phase_ == Phase::kDone) return;
      // not_found: the session ended meanwhile (the shell exited as we left); its
      // session.ended is on the way.
      if (!reply.ok() && reply.status().code() != protocol::ErrorCode::kNotFound) {
        return Exit(Fail(command_, reply.status()));
      }
      ended_wait_.Init([this](uv_timer_t* h) { return uv_timer_init(loop_, h); }, this);
      uv_timer_start(
          ended_wait_.get(),
          [](uv_timer_t* h) {
            auto* self = static_cast<SessionController*>(h->data);
            SessionUpdate update;
            update.reason = "controller_ended";
            update.text = EndReasonText(update.reason);
            update.exit_status = self->end_exit_status_;
            self->OnEnded(update);
          },
          kEndedWaitMs, 0);
    });
  }

  void OnSignal(int signum) {
    if (phase_ == Phase::kRequested) {
      pending_stop_signal_ = signum;  // end the session as soon as we know its id
      return;
    }
    if (phase_ == Phase::kEnding) return Exit(128 + signum);  // a second signal: leave now
    RequestEnd(128 + signum);
  }

  void OnInterrupted(const Status& why) {
    if (phase_ == Phase::kDone) return;
    if (session_id_.empty()) return OnLost(why);  // nothing to rejoin yet
    if (phase_ == Phase::kEnding) return Exit(end_exit_status_);  // we were leaving anyway
    if (reconnecting_) return;  // another attempt failed; the first drop started the clock
    reconnecting_ = true;
    Notify("the connection to the broker dropped; reconnecting (~. gives up)...");
    rejoin_timer_.Init([this](uv_timer_t* h) { return uv_timer_init(loop_, h); }, this);
    uv_timer_start(
        rejoin_timer_.get(),
        [](uv_timer_t* h) {
          static_cast<SessionController*>(h->data)->OnLost(Status::Internal("could not reconnect to the broker"));
        },
        kRejoinLimitMs, 0);
  }

  void Rejoin() {
    link_->Request(Value::MapOf({{"t", "session.rejoin"}, {"session_id", session_id_}}), [this](Result<Value> reply) {
      if (phase_ == Phase::kDone) return;
      if (!reply.ok()) return OnLost(Status::Internal("cannot rejoin the session: " + reply.status().ToString()));
      reconnecting_ = false;
      rejoin_timer_.Close();
      Notify("reconnected");
      if (terminal_) terminal_->ResendSize();  // the window may have changed meanwhile
      const Value* state = reply->Find("state");
      if (state != nullptr && state->is_string() && state->as_string() == "active") OnActive();
    });
  }

  void OnLost(const Status& why) {
    if (phase_ == Phase::kDone) return;
    StopTerminal();
    if (phase_ == Phase::kActive) {
      PrintConnectionLost(terminal_.get(), label_, why);
      return Exit(kExitConnectionLost);
    }
    Exit(Fail(command_, why));
  }

  void Notify(const std::string& text) { PrintNotice(terminal_.get(), text); }

  const char* NewLineIfNeeded() const { return cli::NewLineIfNeeded(terminal_.get()); }

  void StopTerminal() {
    if (terminal_) terminal_->Stop();
  }

  void Exit(int exit_status) {
    phase_ = Phase::kDone;
    StopTerminal();
    ended_wait_.Close();
    rejoin_timer_.Close();
    end_signals_.Close();
    link_->Finish(exit_status);
  }

  uv_loop_t* loop_;
  SessionCommandOptions options_;
  std::string command_;
  std::string label_;  // what we connect to, as printed
  std::unique_ptr<BrokerLink> link_;
  std::unique_ptr<InteractiveTerminal> terminal_;
  EndSignals end_signals_;
  UvHandle<uv_timer_t> ended_wait_;
  UvHandle<uv_timer_t> rejoin_timer_;  // gives up reconnecting
  Phase phase_ = Phase::kConnecting;
  std::string session_id_;
  std::vector<Value> early_messages_;  // arrived before the reply that names the session
  std::vector<std::vector<std::uint8_t>> early_output_;
  int pending_stop_signal_ = 0;
  int end_exit_status_ = 0;
  bool was_active_ = false;
  bool recorded_ = false;  // session.state said so: told when it connects
  bool reconnecting_ = false;
};

}  // namespace

int RunSession(const SessionCommandOptions& options) {
  const char* command = options.device_id ? "connect" : "session new";
  auto login = LoadSavedLogin();
  if (!login.ok()) return Fail(command, login.status());
  EventLoop loop;  // first in, last out: everything below lives on it
  SessionController controller(loop.get(), options);
  Status started = controller.Start(*login);
  if (!started.ok()) return Fail(command, started);
  return controller.Run();
}

}  // namespace tether::tools::cli
