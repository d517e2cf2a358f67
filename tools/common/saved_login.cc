// The saved-login file: JSON through nlohmann, atomic replace through rename().
#include "common/saved_login.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tether/client/private_file.h"

namespace tether::tools {

using protocol::Status;

std::string ConfigFilePath(std::string_view tool, std::string_view file) {
  return client::ConfigFilePath(tool, file);
}

Status SaveLogin(const std::string& path, const SavedLogin& login) {
  nlohmann::json json = {{"broker", login.broker}, {"org", login.org},     {"email", login.email},
                         {"token", login.token},   {"expires_at", login.expires_at}};
  return client::WritePrivateFile(path, json.dump(2) + "\n");
}

protocol::Result<SavedLogin> LoadLogin(const std::string& path, std::string_view how_to_log_in) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("not logged in (no " + path + "); " + std::string(how_to_log_in));
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  auto text = [&json](const char* key) {
    return json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : std::string();
  };
  if (json.is_discarded() || !json.is_object() || text("token").empty() || text("broker").empty()) {
    return Status::BadRequest(path + " is not a saved login; " + std::string(how_to_log_in));
  }
  SavedLogin login{text("broker"), text("org"), text("email"), text("token"), 0};
  if (json.contains("expires_at") && json["expires_at"].is_number_unsigned()) {
    login.expires_at = json["expires_at"].get<std::uint64_t>();
  }
  return login;
}

Status ForgetLogin(const std::string& path) {
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) return Status::Internal("cannot remove " + path + ": " + error.message());
  return Status::Ok();
}

}  // namespace tether::tools
