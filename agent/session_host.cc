// SessionHost: consent, activation, routing and the end of the agent's sessions.
#include "session_host.h"

#include "tether/protocol/codec.h"
#include "tether/protocol/data_frame.h"

namespace tether::agent {

namespace {

std::string Text(const Value& map, const char* key) {
  const Value* v = map.Find(key);
  return v != nullptr && v->is_string() ? v->as_string() : "";
}

bool Flag(const Value& map, const char* key) {
  const Value* v = map.Find(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

// "Tom Baker <tom@acme.example>" from a user map.
std::string Person(const Value* user) {
  if (user == nullptr) return "someone";
  std::string name = Text(*user, "name"), email = Text(*user, "email");
  if (name.empty()) name = "someone";
  return email.empty() ? name : name + " <" + email + ">";
}

}  // namespace

SessionHost::SessionHost(uv_loop_t* loop, SessionIo& io, ConsentAsker& consent, SessionRunnerOptions options,
                         std::function<void(const SessionOutcome&)> on_over, LogFn log)
    : loop_(loop), io_(io), consent_(consent), options_(std::move(options)), on_over_(std::move(on_over)),
      log_(std::move(log)) {}

SessionHost::~SessionHost() {
  *alive_ = false;
  if (asking_) consent_.Cancel();
}

bool SessionHost::OnEvent(const Value& event) {
  std::string name = Text(event, "event");
  if (name == "session.request") {
    OnRequest(event);
    return true;
  }
  bool ours = busy() && Text(event, "session_id") == session_id_;
  if (name == "session.state") {
    if (ours && Text(event, "state") == "active") Activate();
  } else if (name == "session.ended") {
    // After our session.exit the broker ends the session agent_left: the shell's exit
    // says more than that.
    if (ours) Finish(ran_, shell_exit_.empty() ? "session ended: " + Text(event, "reason") : shell_exit_);
  } else if (name == "session.resize") {
    if (ours && runner_) runner_->OnResize(event);
  } else if (name == "file.begin") {
    if (ours && runner_) runner_->OnFileBegin(event);
  } else if (name == "file.end") {
    if (ours && runner_) runner_->OnFileEnd(event);
  } else if (name == "participant.joined" || name == "participant.left") {
    bool view = Text(event, "mode") == "view";
    if (ours) {
      Log(Person(event.Find("user")) + (name == "participant.joined" ? " joined" : " left") +
          (view ? " (watching, view only)" : ""));
    }
  } else if (name == "session.control") {
    if (ours) {
      controller_ = Person(event.Find("controller"));
      Log(controller_ + " now controls this computer");
    }
  } else {
    return false;
  }
  return true;
}

void SessionHost::OnRequest(const Value& event) {
  auto session_id = protocol::RequireString(event, "session_id");
  if (!session_id.ok()) return Log("session.request ignored: " + session_id.status().message());
  bool consent_required = Flag(event, "consent_required");
  if (busy()) {
    // The broker allows one controlled session per device; refuse rather than guess.
    Log("a second session request while busy: refused");
    if (consent_required) SendConsent(*session_id, false);
    return;
  }
  session_id_ = *session_id;
  ran_ = false;
  shell_exit_.clear();
  const Value* controller = event.Find("controller");
  controller_ = Person(controller);
  bool recorded = Flag(event, "recorded");
  Log("session requested by " + controller_ + (recorded ? " (the session will be recorded)" : ""));
  if (!consent_required) return;  // the broker activates it directly
  asking_ = true;
  ConsentQuestion question{controller != nullptr ? Text(*controller, "name") : "",
                           controller != nullptr ? Text(*controller, "email") : "", recorded};
  consent_.Ask(question, [this, alive = alive_, id = session_id_](bool accept) {
    if (!*alive || session_id_ != id) return;
    asking_ = false;
    SendConsent(id, accept);
  });
}

void SessionHost::SendConsent(const std::string& session_id, bool accept) {
  Value consent = Value::MapOf({{"t", "session.consent"}, {"session_id", session_id}, {"accept", accept}});
  io_.Request(std::move(consent), [this, alive = alive_, session_id, accept](protocol::Result<Value> reply) {
    if (!*alive || session_id_ != session_id) return;
    if (!accept) return Finish(false, "refused: the request was declined on this computer");
    if (!reply.ok()) Finish(false, "the broker did not take the consent: " + reply.status().ToString());
  });
}

void SessionHost::Activate() {
  if (runner_) return;
  if (asking_) {  // active without our consent can only mean the broker did not need it
    consent_.Cancel();
    asking_ = false;
  }
  runner_ = std::make_unique<SessionRunner>(
      loop_, io_, session_id_, options_, [this](int status) { OnShellExit(status); },
      [this](const std::string& line) { Log(line); });
  if (Status started = runner_->Start(); !started.ok()) {
    io_.Request(Value::MapOf({{"t", "session.leave"}, {"session_id", session_id_}}), nullptr);
    return Finish(false, "cannot start a shell: " + started.message());
  }
  ran_ = true;
  Log("session active: " + controller_ + " has a shell on this computer");
}

void SessionHost::OnShellExit(int status) {
  // The session then ends with reason agent_left; the reply (or session.ended) ends it here.
  Value exit = Value::MapOf({{"t", "session.exit"}, {"session_id", session_id_}, {"status", status}});
  shell_exit_ = "the shell exited with status " + std::to_string(status) + "; session over";
  io_.Request(std::move(exit), [this, alive = alive_, id = session_id_](protocol::Result<Value>) {
    if (*alive && session_id_ == id) Finish(true, shell_exit_);
  });
}

void SessionHost::OnDataFrame(std::span<const std::uint8_t> message) {
  auto frame = protocol::PeekDataFrame(message);
  if (!frame.ok() || !runner_ || frame->session_id != session_id_) return;
  switch (static_cast<protocol::Channel>(frame->channel)) {
    case protocol::Channel::kTerminal:
      runner_->OnTerminalInput(frame->payload);
      break;
    case protocol::Channel::kFileChunk:
      runner_->OnFileChunk(frame->payload);
      break;
    default:
      break;  // screen, clipboard and application channels: not offered by this agent
  }
}

void SessionHost::EndSession(const std::string& why) {
  if (busy()) Finish(ran_, why);
}

void SessionHost::Finish(bool ran, const std::string& why) {
  if (!busy()) return;
  if (asking_) consent_.Cancel();
  asking_ = false;
  session_id_.clear();
  runner_.reset();  // hangs up the shell, drops transfers
  Log(why);
  auto on_over = on_over_;
  if (on_over) on_over(SessionOutcome{ran, why});
}

}  // namespace tether::agent
