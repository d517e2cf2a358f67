// Enrolment: `tether-agent enroll` — trades a deployment key for a device identity
// (PROTOCOL.md "Authentication" kind `enroll`) and stores it with the broker's
// certificate fingerprint in the device config (device_config.h), for `run` to use.
//
// Trust at first contact: the fingerprint comes from the broker over the very connection
// it describes. Verify that connection (--ca-file, or a certificate the system trusts);
// --insecure-skip-verify trusts whoever answers, like accepting an unknown ssh host key.
//
// Thread-safety: blocking; any thread.
#pragma once

#include <functional>
#include <string>

#include "tether/protocol/status.h"

namespace tether::agent {

struct EnrollOptions {
  std::string broker_url;
  std::string deployment_key;
  std::string name;         // the device's name in the console
  std::string config_path;  // where the identity is stored
  std::string ca_file;      // "" = the system store
  bool insecure_skip_verify = false;
  bool force = false;       // replace an existing config (the old device stays at the broker)
};

// Enrols and saves the config. `log` receives progress lines for the user.
protocol::Status Enroll(const EnrollOptions& options, const std::function<void(const std::string&)>& log);

}  // namespace tether::agent
