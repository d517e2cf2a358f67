// The saved-login file: JSON through nlohmann, atomic replace through rename().
#include "common/saved_login.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace tether::tools {

using protocol::Status;

std::string ConfigFilePath(std::string_view tool, std::string_view file) {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::string base = xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.config";
  return base + "/" + std::string(tool) + "/" + std::string(file);
}

Status SaveLogin(const std::string& path_text, const SavedLogin& login) {
  std::filesystem::path path = path_text;
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) return Status::Internal("cannot create " + path.parent_path().string() + ": " + error.message());
  nlohmann::json json = {{"broker", login.broker}, {"org", login.org},     {"email", login.email},
                         {"token", login.token},   {"expires_at", login.expires_at}};
  std::string text = json.dump(2) + "\n";
  std::string temp = path.string() + ".XXXXXX";
  int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) return Status::Internal("cannot write " + path.string());
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Status::Internal("cannot write " + path.string());
  }
  return Status::Ok();
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
