// The technician's saved login: broker URL and token in $XDG_CONFIG_HOME/tether/token
// (default ~/.config/tether/token), readable by its owner only, like ssh keys.
#pragma once

#include <cstdint>
#include <string>

#include "tether/protocol/status.h"

namespace tether::tools {

struct SavedLogin {
  std::string broker;  // ws://.../v1/ws
  std::string org;
  std::string email;
  std::string token;
  std::uint64_t expires_at = 0;
};

std::string CredentialsPath();
protocol::Status SaveLogin(const SavedLogin& login);
protocol::Result<SavedLogin> LoadLogin();
protocol::Status ForgetLogin();

}  // namespace tether::tools
