// Files only their owner may read — saved logins, device secrets — written so that they
// are never briefly readable by others nor left half written: created 0600 under a
// temporary name (directories 0700), synced, then renamed into place. Shared by the
// tools and the agent, which keep credentials beside the client that uses them.
#pragma once

#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::client {

// $XDG_CONFIG_HOME/<program>/<file>, or ~/.config/<program>/<file>.
std::string ConfigFilePath(std::string_view program, std::string_view file);
// Replaces `path` with `content` atomically; missing directories are created 0700.
protocol::Status WritePrivateFile(const std::string& path, std::string_view content);

}  // namespace tether::client
