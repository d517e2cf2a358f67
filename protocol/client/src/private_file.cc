// mkstemp (0600 from the start) + fsync + rename.
#include "tether/client/private_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace tether::client {

using protocol::Status;

namespace {

Status CreateDirectories(const std::filesystem::path& dir) {
  if (dir.empty() || std::filesystem::is_directory(dir)) return Status::Ok();
  if (Status parent = CreateDirectories(dir.parent_path()); !parent.ok()) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Internal("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

std::string ConfigFilePath(std::string_view program, std::string_view file) {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::string base = xdg != nullptr && *xdg != '\0' ? xdg : std::string(home != nullptr ? home : ".") + "/.config";
  return base + "/" + std::string(program) + "/" + std::string(file);
}

Status WritePrivateFile(const std::string& path_text, std::string_view content) {
  std::filesystem::path path = path_text;
  if (Status dirs = CreateDirectories(path.parent_path()); !dirs.ok()) return dirs;
  std::string temp = path.string() + ".XXXXXX";
  int fd = ::mkstemp(temp.data());  // created 0600
  if (fd < 0) return Status::Internal("cannot write " + path.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Status::Internal("cannot write " + path.string());
  }
  return Status::Ok();
}

}  // namespace tether::client
