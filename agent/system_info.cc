// System facts from uname, sysinfo, getifaddrs and /etc/os-release.
#include "system_info.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/sysinfo.h>
#endif

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace tether::agent {

LoginIdentity CurrentLogin() {
  LoginIdentity me;
  passwd entry{};
  passwd* found = nullptr;
  char buffer[4096];
  if (getpwuid_r(geteuid(), &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    me.user = found->pw_name;
    me.home = found->pw_dir;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') me.home = home;
  return me;
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

std::string OsName() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  std::string name = u.sysname;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name == "darwin" ? "macos" : name;
}

std::string OsDescription() {
  utsname u{};
  std::string kernel = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : "unknown";
  std::ifstream release("/etc/os-release");
  std::string line;
  while (std::getline(release, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string pretty = line.substr(12);
    if (pretty.size() >= 2 && pretty.front() == '"' && pretty.back() == '"') pretty = pretty.substr(1, pretty.size() - 2);
    if (!pretty.empty()) return pretty + "; " + kernel;
  }
  return kernel;
}

std::uint64_t UptimeSeconds() {
#ifdef __linux__
  struct sysinfo info {};
  if (sysinfo(&info) == 0 && info.uptime > 0) return static_cast<std::uint64_t>(info.uptime);
#endif
  return 0;
}

std::string FirstMacAddress() {
#ifdef __linux__
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string mac;
  for (ifaddrs* a = list; a != nullptr && mac.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_PACKET || (a->ifa_flags & IFF_LOOPBACK)) continue;
    const auto* link = reinterpret_cast<const sockaddr_ll*>(a->ifa_addr);
    if (link->sll_halen != 6) continue;
    const unsigned char* b = link->sll_addr;
    if (std::all_of(b, b + 6, [](unsigned char x) { return x == 0; })) continue;
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    mac = text;
  }
  freeifaddrs(list);
  return mac;
#else
  return "";
#endif
}

}  // namespace tether::agent
