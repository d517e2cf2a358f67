// AttendedAgent: one connection, hello with the session key, one session.
#include "attended_agent.h"

#include <cctype>

#include "system_info.h"

namespace tether::agent {

Result<std::string> NormalizeSessionKey(const std::string& typed) {
  std::string digits;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    if (!std::isdigit(static_cast<unsigned char>(c))) return Status::BadRequest("the session key is 9 digits");
    digits.push_back(c);
  }
  if (digits.size() != 9) return Status::BadRequest("the session key is 9 digits");
  return digits;
}

Result<std::unique_ptr<AttendedAgent>> AttendedAgent::Start(client::ClientContext& context, AttendedOptions options,
                                                            ConsentAsker& consent, std::function<void(int)> on_done,
                                                            LogFn log) {
  auto key = NormalizeSessionKey(options.key);
  if (!key.ok()) return key.status();
  options.key = *key;
  std::unique_ptr<AttendedAgent> agent(new AttendedAgent(std::move(options), consent, std::move(on_done), std::move(log)));
  client::ConnectOptions connect;
  connect.url = agent->options_.broker_url;
  connect.ca_file = agent->options_.ca_file;
  auto connection = client::Connection::Create(context, connect, agent->Handlers());
  if (!connection.ok()) return connection.status();
  agent->connection_ = std::move(*connection);
  agent->io_ = std::make_unique<ConnectionSessionIo>(*agent->connection_);
  AttendedAgent* self = agent.get();
  agent->host_ = std::make_unique<SessionHost>(
      context.loop(), *agent->io_, consent, agent->options_.runner,
      [self](const SessionOutcome& outcome) { self->OnSessionOver(outcome); }, agent->log_);
  return agent;
}

AttendedAgent::~AttendedAgent() {
  host_.reset();  // before the connection it sends on
  io_.reset();
}

client::ConnectionHandlers AttendedAgent::Handlers() {
  client::ConnectionHandlers handlers;
  handlers.on_open = [this] { SayHello(); };
  handlers.on_event = [this](const Value& event) {
    if (host_) host_->OnEvent(event);
  };
  handlers.on_data_frame = [this](std::span<const std::uint8_t> message) {
    if (host_) host_->OnDataFrame(message);
  };
  handlers.on_unsolicited_error = [this](const Value& error) { log_("broker: " + PrintableText(error.ToJson())); };
  handlers.on_close = [this](const client::CloseInfo& info) { OnClosed(info); };
  return handlers;
}

void AttendedAgent::SayHello() {
  Value auth = Value::MapOf({{"kind", "session_key"},
                             {"key", options_.key},
                             {"name", options_.name},
                             {"os", OsName()},
                             {"hostname", Hostname()}});
  // batch: as DeviceAgent::SayHello.
  Value hello = Value::MapOf({{"t", "hello"}, {"proto", 1}, {"batch", true}, {"auth", std::move(auth)}});
  connection_->Request(std::move(hello), [this](protocol::Result<Value> reply) {
    if (reply.ok()) {
      log_("connected; waiting for the technician");
      return;
    }
    log_("the broker refused the key: " + PrintableText(reply.status().message()));
    exit_code_ = 1;
    connection_->Close();
  });
}

void AttendedAgent::OnSessionOver(const SessionOutcome& outcome) {
  if (exit_code_) return;
  exit_code_ = outcome.ran ? 0 : 1;
  connection_->Close();  // after what is queued (session.exit, the last output)
}

void AttendedAgent::OnClosed(const client::CloseInfo& info) {
  if (!exit_code_) {
    std::string why = "connection to the broker lost (" + std::to_string(info.code) +
                      (info.reason.empty() ? "" : ": " + PrintableText(info.reason)) + ")";
    if (host_->busy()) {
      host_->EndSession(why);  // sets exit_code_ through OnSessionOver
    } else {
      log_(info.opened ? why : "cannot reach the broker: " + PrintableText(info.reason));
    }
    if (!exit_code_) exit_code_ = 1;
  }
  if (done_) return;
  done_ = true;
  auto on_done = on_done_;
  on_done(*exit_code_);
}

void AttendedAgent::Stop() {
  if (exit_code_) return;  // already closing
  if (host_->busy()) host_->EndSession("stopped on this computer");  // closes through OnSessionOver
  if (exit_code_) return;
  exit_code_ = 1;
  log_("stopped on this computer");
  // Before the first attempt Close() only cancels it and on_close never runs.
  bool open = connection_->IsOpen();
  connection_->Close(client::kCloseNormal, "stopped");
  if (!open && !done_) {
    done_ = true;
    auto on_done = on_done_;
    on_done(*exit_code_);
  }
}

}  // namespace tether::agent
