// DeviceAgent: hello as a device, agent.info, reconnection, wake requests.
#include "device_agent.h"

#include "system_info.h"
#include "tether/protocol/codec.h"
#include "wake_on_lan.h"

namespace tether::agent {

namespace {
constexpr int kCloseRevoked = 4403;  // PROTOCOL.md §3: device deleted, access revoked
}

client::ConnectOptions DeviceConnectOptions(const DeviceAgentOptions& options) {
  client::ConnectOptions connect;
  connect.url = options.config.broker;
  connect.reconnect = options.reconnect;
  bool tls = connect.url.rfind("wss://", 0) == 0;
  if (tls && !options.config.broker_fingerprint.empty()) {
    connect.pinned_sha256 = options.config.broker_fingerprint;
  } else {
    connect.ca_file = options.ca_file;
  }
  return connect;
}

Result<std::unique_ptr<DeviceAgent>> DeviceAgent::Start(client::ClientContext& context, DeviceAgentOptions options,
                                                        ConsentAsker& consent, std::function<void(int)> on_done,
                                                        LogFn log) {
  std::unique_ptr<DeviceAgent> agent(new DeviceAgent(std::move(options), std::move(on_done), std::move(log)));
  auto connection = client::Connection::Create(context, DeviceConnectOptions(agent->options_), agent->Handlers());
  if (!connection.ok()) return connection.status();
  agent->connection_ = std::move(*connection);
  agent->io_ = std::make_unique<ConnectionSessionIo>(*agent->connection_);
  agent->host_ = std::make_unique<SessionHost>(
      context.loop(), *agent->io_, consent, agent->options_.runner, [](const SessionOutcome&) {}, agent->log_);
  return agent;
}

DeviceAgent::~DeviceAgent() {
  host_.reset();  // before the connection it sends on
  io_.reset();
}

client::ConnectionHandlers DeviceAgent::Handlers() {
  client::ConnectionHandlers handlers;
  handlers.on_open = [this] { SayHello(); };
  handlers.on_event = [this](const Value& event) { OnEvent(event); };
  handlers.on_data_frame = [this](std::span<const std::uint8_t> message) {
    if (host_) host_->OnDataFrame(message);
  };
  handlers.on_unsolicited_error = [this](const Value& error) { log_("broker: " + PrintableText(error.ToJson())); };
  handlers.on_close = [this](const client::CloseInfo& info) { OnClosed(info); };
  return handlers;
}

void DeviceAgent::SayHello() {
  last_attempt_failed_ = false;
  Value auth = Value::MapOf(
      {{"kind", "device"}, {"device_id", options_.config.device_id}, {"secret", options_.config.secret}});
  // batch: the broker may pack a burst of small frames (keystrokes, a paste) into one
  // message; the client library hands them over one by one (PROTOCOL.md §2.4).
  Value hello = Value::MapOf({{"t", "hello"}, {"proto", 1}, {"batch", true}, {"auth", std::move(auth)}});
  connection_->Request(std::move(hello), [this](protocol::Result<Value> reply) {
    if (reply.ok()) {
      ++connections_;
      const Value* device = reply->Find("device");
      const Value* name = device != nullptr ? device->Find("name") : nullptr;
      log_("connected to " + options_.config.broker + " as " +
           PrintableText(name != nullptr && name->is_string() ? name->as_string() : options_.config.device_id));
      SendInfo();
    } else if (reply.status().code() == protocol::ErrorCode::kUnauthenticated) {
      GiveUp(1, "the broker refused this device's credentials (" + PrintableText(reply.status().message()) +
                    "); enroll it again");
    } else if (reply.status().code() != protocol::ErrorCode::kInternal || connection_->IsOpen()) {
      log_("hello refused: " + PrintableText(reply.status().ToString()));  // e.g. rate_limited: retried
    }
  });
}

void DeviceAgent::SendInfo() {
  Value info = Value::MapOf(
      {{"t", "agent.info"}, {"hostname", Hostname()}, {"os", OsDescription()}, {"uptime_s", UptimeSeconds()}});
  connection_->Request(std::move(info), [this](protocol::Result<Value> reply) {
    // A broker without the extension answers bad_request: harmless.
    if (!reply.ok() && connection_->IsOpen()) log_("agent.info: " + PrintableText(reply.status().ToString()));
  });
}

void DeviceAgent::OnEvent(const Value& event) {
  if (host_->OnEvent(event)) return;
  const Value* name = event.Find("event");
  if (name != nullptr && name->is_string() && name->as_string() == "device.wake_request") Wake(event);
}

void DeviceAgent::Wake(const Value& event) {
  auto mac_text = protocol::RequireString(event, "mac");
  auto address = protocol::OptionalString(event, "address");
  auto port = protocol::OptionalUint(event, "port");
  if (!mac_text.ok() || !address.ok() || !port.ok() || port->value_or(9) > 65535) {
    return log_("device.wake_request ignored: bad fields");
  }
  auto mac = ParseMac(*mac_text);
  if (!mac.ok()) return log_("device.wake_request ignored: " + PrintableText(mac.status().message()));
  std::string to = address->value_or("255.255.255.255");
  auto sent = SendMagicPacket(*mac, to, static_cast<std::uint16_t>(port->value_or(9)));
  log_(sent.ok() ? "sent a wake-on-LAN packet for " + *mac_text + " to " + to
                 : "wake-on-LAN failed: " + PrintableText(sent.message()));
}

void DeviceAgent::OnClosed(const client::CloseInfo& info) {
  std::string why = std::to_string(info.code) + (info.reason.empty() ? "" : ": " + PrintableText(info.reason));
  host_->EndSession("connection to the broker lost (" + why + ")");
  if (exit_code_ < 0 && info.code == kCloseRevoked) {
    GiveUp(1, "the broker revoked this device (" + why + "); enroll it again");
  }
  if (exit_code_ >= 0) return ReportDone();
  if (info.opened) {
    log_("disconnected (" + why + "); reconnecting");
  } else if (!last_attempt_failed_) {
    log_("cannot reach the broker (" + why + "); retrying with backoff");
  }
  last_attempt_failed_ = !info.opened;
}

void DeviceAgent::GiveUp(int exit_code, const std::string& why) {
  if (exit_code_ >= 0) return;
  exit_code_ = exit_code;
  if (!why.empty()) log_(why);
  // Open: on_close follows the close frame. Connecting: on_close runs inside Close().
  // Waiting to retry: Close() just cancels the retry, so the end is reported here.
  bool open = connection_->IsOpen();
  connection_->Close();
  if (!open) ReportDone();
}

void DeviceAgent::ReportDone() {
  if (done_) return;
  done_ = true;
  auto on_done = on_done_;  // may destroy this agent
  on_done(exit_code_);
}

void DeviceAgent::Stop() {
  host_->EndSession("the agent is stopping");
  GiveUp(0, "");
}

}  // namespace tether::agent
