// The device config file: JSON through nlohmann, atomic replace through rename().
#include "device_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tether/client/private_file.h"

namespace tether::agent {

using protocol::Status;


std::string DefaultDeviceConfigPath() { return client::ConfigFilePath("tether-agent", "device.json"); }

Status SaveDeviceConfig(const std::string& path, const DeviceConfig& config) {
  nlohmann::json json = {{"broker", config.broker},
                         {"device_id", config.device_id},
                         {"secret", config.secret},
                         {"broker_fingerprint", config.broker_fingerprint}};
  // The secret is never readable by others, not even for a moment.
  return client::WritePrivateFile(path, json.dump(2) + "\n");
}

protocol::Result<DeviceConfig> LoadDeviceConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("no device config at " + path + "; run 'tether-agent enroll' first");
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  auto text = [&json](const char* key) -> const std::string* {
    return json.is_object() && json.contains(key) && json[key].is_string() ? json[key].get_ptr<const std::string*>()
                                                                          : nullptr;
  };
  const char* keys[] = {"broker", "device_id", "secret", "broker_fingerprint"};
  for (const char* key : keys) {
    const std::string* value = text(key);
    bool may_be_empty = std::strcmp(key, "broker_fingerprint") == 0;
    if (value == nullptr || (value->empty() && !may_be_empty)) {
      return Status::BadRequest(path + " is not a device config (field '" + key + "')");
    }
  }
  return DeviceConfig{*text("broker"), *text("device_id"), *text("secret"), *text("broker_fingerprint")};
}

bool IsExposedToOthers(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

}  // namespace tether::agent
