// JSON file written with mode 0600 from the start (never world-readable, even briefly).
#include "tether/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tether::tools {

using protocol::Status;

std::string CredentialsPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::string base = xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.config";
  return base + "/tether/token";
}

Status SaveLogin(const SavedLogin& login) {
  std::string path = CredentialsPath();
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  nlohmann::json json = {{"broker", login.broker}, {"org", login.org}, {"email", login.email},
                         {"token", login.token}, {"expires_at", login.expires_at}};
  std::string text = json.dump(2) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal("cannot write " + path);
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok ? Status::Ok() : Status::Internal("cannot write " + path);
}

protocol::Result<SavedLogin> LoadLogin() {
  std::string path = CredentialsPath();
  std::ifstream in(path);
  if (!in) return Status::NotFound("not logged in (no " + path + "); run 'tether login' first");
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("token") || !json["token"].is_string()) {
    return Status::BadRequest(path + " is not a saved login; run 'tether login' again");
  }
  SavedLogin login;
  login.broker = json.value("broker", "");
  login.org = json.value("org", "");
  login.email = json.value("email", "");
  login.token = json["token"].get<std::string>();
  login.expires_at = json.value("expires_at", std::uint64_t{0});
  return login;
}

Status ForgetLogin() {
  std::error_code error;
  std::filesystem::remove(CredentialsPath(), error);
  return Status::Ok();
}

}  // namespace tether::tools
