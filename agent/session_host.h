// SessionHost: the agent's side of sessions on one broker connection (PROTOCOL.md
// "Sessions", protocol/PROTOCOL.md §5 "Agent side"), shared by the attended and the
// unattended agent:
//
//   session.request → ask (ConsentAsker) when consent_required → session.consent
//   session.state active → SessionRunner (shell, files) until
//   session.ended, or the shell exits (→ session.exit), or the connection drops.
//
// It also routes in-session events (session.resize, file.begin, file.end) and data
// frames of the current session to the runner, and tells the local user who joined,
// left or took control. One session at a time: a device has at most one controlled
// session (device_busy), so a second request is refused.
//
// Thread-safety: none; loop thread only.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "consent.h"
#include "session_io.h"
#include "session_runner.h"

namespace tether::agent {

struct SessionOutcome {
  bool ran = false;  // the session became active
  std::string why;   // for the local user, e.g. "session ended: controller_ended"
};

class SessionHost {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // Everything passed by reference must outlive the host. `on_over` runs once per
  // session that got as far as a session.request; `log` receives lines for the local
  // user (already stripped of control characters).
  SessionHost(uv_loop_t* loop, SessionIo& io, ConsentAsker& consent, SessionRunnerOptions options,
              std::function<void(const SessionOutcome&)> on_over, LogFn log);
  ~SessionHost();
  SessionHost(const SessionHost&) = delete;
  SessionHost& operator=(const SessionHost&) = delete;

  // Session events; false for an event that is not one (the caller handles it).
  bool OnEvent(const Value& event);
  // A whole data frame message from the broker.
  void OnDataFrame(std::span<const std::uint8_t> message);
  // The connection dropped or the agent stops: the current session is over.
  void EndSession(const std::string& why);

  bool busy() const { return !session_id_.empty(); }
  bool active() const { return runner_ != nullptr; }
  const std::string& session_id() const { return session_id_; }

 private:
  void OnRequest(const Value& event);
  void SendConsent(const std::string& session_id, bool accept);
  void Activate();
  void OnShellExit(int status);
  void Finish(bool ran, const std::string& why);
  void Log(const std::string& line) { log_(PrintableText(line)); }

  uv_loop_t* loop_;
  SessionIo& io_;
  ConsentAsker& consent_;
  SessionRunnerOptions options_;
  std::function<void(const SessionOutcome&)> on_over_;
  LogFn log_;
  std::string session_id_;  // "" when there is no session
  std::string controller_;  // "Name <email>", for messages
  bool asking_ = false;     // a consent question is open
  bool ran_ = false;
  std::string shell_exit_;  // set once the shell exited by itself
  std::unique_ptr<SessionRunner> runner_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tether::agent
