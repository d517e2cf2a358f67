// Enrolment over a BlockingClient: one hello, one file.
#include "enroll.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "device_config.h"
#include "system_info.h"
#include "tether/client/blocking_client.h"
#include "tether/protocol/codec.h"

namespace tether::agent {

using protocol::Status;
using protocol::Value;

namespace {

constexpr auto kTimeout = std::chrono::seconds(20);

// Fails before enrolling when the config could not be written afterwards: an identity the
// broker issued and we lost would be an orphan device.
Status CheckConfigWritable(const EnrollOptions& options) {
  std::filesystem::path path = options.config_path;
  if (std::filesystem::exists(path) && !options.force) {
    return Status::Conflict("already enrolled (" + path.string() + "); use --force to enroll again");
  }
  DeviceConfig probe{"probe", "probe", "probe", ""};
  std::string probe_path = path.string() + ".probe";
  Status written = SaveDeviceConfig(probe_path, probe);
  ::unlink(probe_path.c_str());
  return written;
}

}  // namespace

Status Enroll(const EnrollOptions& options, const std::function<void(const std::string&)>& log) {
  if (Status writable = CheckConfigWritable(options); !writable.ok()) return writable;
  client::ConnectOptions connect;
  connect.url = options.broker_url;
  connect.ca_file = options.ca_file;
  connect.allow_self_signed = options.insecure_skip_verify;
  auto client = client::BlockingClient::Connect(connect, kTimeout);
  if (!client.ok()) return client.status();

  Value auth = Value::MapOf({{"kind", "enroll"},
                             {"deployment_key", options.deployment_key},
                             {"name", options.name},
                             {"os", OsName()},
                             {"hostname", Hostname()}});
  if (std::string mac = FirstMacAddress(); !mac.empty()) auth.Set("mac", mac);
  auto reply = (*client)->Hello(std::move(auth), kTimeout);
  if (!reply.ok()) return reply.status();
  auto device_id = protocol::RequireString(*reply, "device_id");
  auto secret = protocol::RequireString(*reply, "secret");
  auto fingerprint = protocol::OptionalString(*reply, "broker_fingerprint");
  for (const Status* bad : {&device_id.status(), &secret.status(), &fingerprint.status()}) {
    if (!bad->ok()) return Status::Internal("unexpected enrol reply: " + bad->message());
  }
  DeviceConfig config{options.broker_url, *device_id, *secret, fingerprint->value_or("")};
  bool tls = options.broker_url.rfind("wss://", 0) == 0;
  if (tls && config.broker_fingerprint.empty()) {
    log("warning: the broker sent no certificate fingerprint; 'run' will verify it against the CA store");
  }
  if (Status saved = SaveDeviceConfig(options.config_path, config); !saved.ok()) {
    return Status::Internal("enrolled as " + config.device_id + " but " + saved.message() +
                            "; delete that device at the broker and enroll again");
  }
  (*client)->Close();
  log("enrolled as device " + config.device_id + "; credentials saved in " + options.config_path + " (mode 0600)");
  if (tls && !config.broker_fingerprint.empty()) log("broker certificate pinned: sha256 " + config.broker_fingerprint);
  return Status::Ok();
}

}  // namespace tether::agent
