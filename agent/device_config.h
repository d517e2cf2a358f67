// DeviceConfig: what an enrolled unattended agent keeps between runs — the broker URL,
// its device id and secret, and the broker's certificate fingerprint to pin — as JSON in
// one file that only the agent's OS user can read (mode 0600, like an ssh host key).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>

#include "tether/protocol/status.h"

namespace tether::agent {

struct DeviceConfig {
  std::string broker;              // ws://... or wss://...
  std::string device_id;
  std::string secret;              // the device's credential: never logged
  std::string broker_fingerprint;  // lowercase hex SHA-256 of the broker certificate, "" on ws://
};

// $XDG_CONFIG_HOME/tether-agent/device.json, or ~/.config/tether-agent/device.json.
std::string DefaultDeviceConfigPath();

// Writes `config` to a temporary file created 0600 in the same directory (mkstemp), syncs
// it and renames it over `path`: never readable by others, never half written. Missing
// directories are created 0700.
protocol::Status SaveDeviceConfig(const std::string& path, const DeviceConfig& config);
// not_found when there is no file; bad_request when it is not a device config (all four
// keys must be strings, the first three non-empty).
protocol::Result<DeviceConfig> LoadDeviceConfig(const std::string& path);
// Whether anyone but the owner may read or write the file (a warning sign).
bool IsExposedToOthers(const std::string& path);

}  // namespace tether::agent
