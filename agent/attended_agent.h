// AttendedAgent: `tether-agent --broker URL --key 123456789` — the customer's side of an
// attended session (PROTOCOL.md "Authentication" kind `session_key`, "Sessions"). It
// connects once (a key is single use, so there is nothing to reconnect to), says hello
// with the key, asks the local user for consent when the technician's request arrives,
// runs the session, and reports how it went: exit code 0 when the session ran, 1 when it
// was refused or failed.
//
// Thread-safety: none; loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "consent.h"
#include "session_host.h"
#include "session_io.h"
#include "tether/client/client_context.h"
#include "tether/client/connection.h"

namespace tether::agent {

struct AttendedOptions {
  std::string broker_url;
  std::string ca_file;  // "" = the system store
  std::string key;      // as typed: spaces and dashes are ignored
  std::string name;     // shown to the technician
  SessionRunnerOptions runner{};
};

// The 9 digits of a session key as typed ("481 516 234", "481-516-234"); bad_request
// unless exactly 9 digits remain.
Result<std::string> NormalizeSessionKey(const std::string& typed);

class AttendedAgent {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // `context` and `consent` must outlive the agent. `on_done(exit_code)` runs once, when
  // the connection is over; the agent may be destroyed from it.
  static Result<std::unique_ptr<AttendedAgent>> Start(client::ClientContext& context, AttendedOptions options,
                                                      ConsentAsker& consent, std::function<void(int)> on_done,
                                                      LogFn log);
  ~AttendedAgent();
  // Ends the session (if any) and the connection (SIGINT, SIGTERM).
  void Stop();

 private:
  AttendedAgent(AttendedOptions options, ConsentAsker& consent, std::function<void(int)> on_done, LogFn log)
      : options_(std::move(options)), consent_(consent), on_done_(std::move(on_done)), log_(std::move(log)) {}
  client::ConnectionHandlers Handlers();
  void SayHello();
  void OnSessionOver(const SessionOutcome& outcome);
  void OnClosed(const client::CloseInfo& info);

  AttendedOptions options_;
  ConsentAsker& consent_;
  std::function<void(int)> on_done_;
  LogFn log_;
  std::unique_ptr<client::Connection> connection_;
  std::unique_ptr<ConnectionSessionIo> io_;
  std::unique_ptr<SessionHost> host_;
  std::optional<int> exit_code_;  // decided; the connection is closing
  bool done_ = false;
};

}  // namespace tether::agent
