// System facts the agent reports: at enrolment and hello (`os`, `hostname`, `mac`), in
// `agent.info` (`hostname`, `os`, `uptime_s`), and the user the shell runs as.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <string>

namespace tether::agent {

struct LoginIdentity {
  std::string user;  // login name of the effective uid ("" when unknown)
  std::string home;  // $HOME, else the passwd entry's directory ("" when unknown)
};
LoginIdentity CurrentLogin();

std::string Hostname();
// Short OS name for hello and enrol: "linux", "macos", "freebsd", ... (uname, lowercased).
std::string OsName();
// Longer description for agent.info: /etc/os-release PRETTY_NAME and the kernel release,
// e.g. "Debian GNU/Linux 12 (bookworm); Linux 6.1.0-18-amd64".
std::string OsDescription();
std::uint64_t UptimeSeconds();
// "aa:bb:cc:dd:ee:ff" of the first non-loopback interface with a hardware address, or "".
std::string FirstMacAddress();

}  // namespace tether::agent
