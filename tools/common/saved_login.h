// SavedLogin: a broker URL and token kept between runs of a command-line tool, as JSON
// in $XDG_CONFIG_HOME/<tool>/<file> (default ~/.config/...), mode 0600 like an ssh key.
// Shared by `tether` (technicians) and `tetherctl` (administrators), each with its own
// file so that two logins on one machine do not replace each other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::tools {

struct SavedLogin {
  std::string broker;  // ws://HOST:PORT/v1/ws
  std::string org;
  std::string email;
  std::string token;
  std::uint64_t expires_at = 0;
};

// $XDG_CONFIG_HOME/<tool>/<file>, or ~/.config/<tool>/<file>.
std::string ConfigFilePath(std::string_view tool, std::string_view file);
// Written to a temporary file (0600 from the start), synced and renamed over the old one:
// never briefly readable by others, never left half written.
protocol::Status SaveLogin(const std::string& path, const SavedLogin& login);
// not_found with `how_to_log_in` when there is none; bad_request when it is not one.
protocol::Result<SavedLogin> LoadLogin(const std::string& path, std::string_view how_to_log_in);
protocol::Status ForgetLogin(const std::string& path);

}  // namespace tether::tools
