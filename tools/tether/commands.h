// The `tether` commands, one entry point each; main.cc parses the command line and
// calls one of these. Each returns the process's exit status (command.h conventions).
#pragma once

#include <optional>
#include <string>

namespace tether::tools::cli {

// account.cc
int RunLogin(const std::string& broker, const std::string& org, const std::string& email);
int RunOrg();
int RunLogout();

// devices.cc
int RunDevices(const std::optional<std::string>& group_id, bool json);

// sessions.cc: the live sessions in scope, as a table or JSON.
int RunSessions(const std::optional<std::string>& state, bool json);

// supervise_command.cc: watch a session read-only until it ends or `~.`.
int RunSupervise(const std::string& session_id);

// session_command.cc: `tether session new` and `tether connect`.
struct SessionCommandOptions {
  std::optional<std::string> device_id;  // connect; absent: session new (attended)
  bool json = false;                     // session new: the key as one JSON line
  bool terminal = true;                  // false: wait for the end without a terminal
};
int RunSession(const SessionCommandOptions& options);

// upload.cc and download.cc
int RunPut(const std::string& session_id, const std::string& local, const std::optional<std::string>& remote);
int RunGet(const std::string& session_id, const std::string& remote, const std::optional<std::string>& local);

}  // namespace tether::tools::cli
