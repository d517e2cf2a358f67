// DeviceAgent: `tether-agent run` — an enrolled, unattended agent (PROTOCOL.md
// "Authentication" kind `device`). It stays connected: after any disconnect or broker
// restart it reconnects with exponential backoff and jitter (client ReconnectPolicy) and
// says hello again; after each hello it reports `agent.info {hostname, os, uptime_s}`.
// It answers `session.request` (asking only when consent_required), runs sessions
// (SessionHost), and sends the Wake-on-LAN packet of `device.wake_request`.
//
// Over wss:// it pins the broker certificate stored at enrolment: any other certificate
// is refused before anything is sent, whatever CA signed it. It gives up (exit code 1)
// only when the broker refuses the device's credentials or closes 4403 (device deleted,
// access revoked): retrying would not help, enrolling again would.
//
// Thread-safety: none; loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "consent.h"
#include "device_config.h"
#include "session_host.h"
#include "session_io.h"
#include "tether/client/client_context.h"
#include "tether/client/connection.h"

namespace tether::agent {

struct DeviceAgentOptions {
  DeviceConfig config{};
  std::string ca_file{};  // only used when the config holds no fingerprint
  client::ReconnectPolicy reconnect{true, std::chrono::seconds(1), std::chrono::seconds(60), 0.2};
  SessionRunnerOptions runner{};
};

// The connection settings of an enrolled device: its broker URL, pinned to the stored
// fingerprint when there is one, reconnecting per `reconnect`.
client::ConnectOptions DeviceConnectOptions(const DeviceAgentOptions& options);

class DeviceAgent {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // `context` and `consent` must outlive the agent. `on_done(exit_code)` runs once, when
  // the agent stops for good (Stop: 0; credentials refused or revoked: 1).
  static Result<std::unique_ptr<DeviceAgent>> Start(client::ClientContext& context, DeviceAgentOptions options,
                                                    ConsentAsker& consent, std::function<void(int)> on_done,
                                                    LogFn log);
  ~DeviceAgent();
  void Stop();

  // Successful hellos so far (tests watch reconnection with it).
  int connections() const { return connections_; }

 private:
  DeviceAgent(DeviceAgentOptions options, std::function<void(int)> on_done, LogFn log)
      : options_(std::move(options)), on_done_(std::move(on_done)), log_(std::move(log)) {}
  client::ConnectionHandlers Handlers();
  void SayHello();
  void SendInfo();
  void OnEvent(const Value& event);
  void Wake(const Value& event);
  void OnClosed(const client::CloseInfo& info);
  void GiveUp(int exit_code, const std::string& why);
  void ReportDone();

  DeviceAgentOptions options_;
  std::function<void(int)> on_done_;
  LogFn log_;
  std::unique_ptr<client::Connection> connection_;
  std::unique_ptr<ConnectionSessionIo> io_;
  std::unique_ptr<SessionHost> host_;
  int connections_ = 0;
  int exit_code_ = -1;  // >= 0 once stopping: no more reconnecting
  bool done_ = false;
  bool last_attempt_failed_ = false;  // to say "cannot reach" once, not at every retry
};

}  // namespace tether::agent
