// Names, temporary files and progress of file transfers (transfer_files.h).
#include "tether/transfer_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace tether::tools::cli {
namespace {

Status SystemError(const std::string& what) { return Status::Internal(what + ": " + std::strerror(errno)); }

std::string DirectoryOf(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string BaseName(std::string_view path, bool remote) {
  while (!path.empty() && (path.back() == '/' || (remote && path.back() == '\\'))) path.remove_suffix(1);
  std::size_t cut = path.find_last_of(remote ? "/\\" : "/");
  std::string_view base = cut == std::string_view::npos ? path : path.substr(cut + 1);
  if (base == "." || base == "..") return "";
  return std::string(base);
}

Result<std::string> RemoteNameFor(const std::string& local, const std::optional<std::string>& remote) {
  if (remote && !remote->empty()) return *remote;
  std::string base = BaseName(local, false);
  if (base.empty()) return Status::BadRequest("cannot name the remote file after '" + local + "': give REMOTE");
  return base;
}

Result<std::string> LocalPathFor(const std::string& remote, const std::optional<std::string>& local) {
  std::string base = BaseName(remote, true);
  struct stat info {};
  if (local && !local->empty()) {
    bool directory = ::stat(local->c_str(), &info) == 0 && S_ISDIR(info.st_mode);
    if (!directory && local->back() == '/') return Status::NotFound("there is no directory " + *local);
    if (!directory) return *local;
    if (base.empty()) return Status::BadRequest("cannot name the local file after '" + remote + "': give LOCAL");
    return *local + (local->back() == '/' ? "" : "/") + base;
  }
  if (base.empty()) return Status::BadRequest("cannot name the local file after '" + remote + "': give LOCAL");
  return base;
}

Result<std::unique_ptr<TempFile>> TempFile::CreateFor(const std::string& destination) {
  std::string name = BaseName(destination, false);
  if (name.empty()) return Status::BadRequest("'" + destination + "' names no file");
  std::string pattern = DirectoryOf(destination) + "/." + name + ".tether-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  int fd = mkostemp(buffer.data(), O_CLOEXEC);
  if (fd < 0) return SystemError("cannot create a file next to " + destination);
  return std::unique_ptr<TempFile>(new TempFile(buffer.data(), destination, fd));
}

TempFile::TempFile(std::string path, std::string destination, int fd)
    : path_(std::move(path)), destination_(std::move(destination)), fd_(fd) {}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(path_.c_str());
}

Status TempFile::Write(std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SystemError("cannot write " + path_);
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status TempFile::Commit() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fsync(fd_) != 0) return SystemError("cannot write " + path_);
  if (::fchmod(fd_, 0666 & ~mask) != 0) return SystemError("cannot set the mode of " + path_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return SystemError("cannot write " + path_);
  }
  fd_ = -1;
  if (::rename(path_.c_str(), destination_.c_str()) != 0) return SystemError("cannot rename to " + destination_);
  committed_ = true;
  return Status::Ok();
}

std::string SizeText(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

Progress::Progress(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}

void Progress::Update(std::uint64_t done, std::optional<std::uint64_t> total) {
  if (!enabled_) return;
  std::uint64_t now = uv_hrtime() / 1'000'000;
  bool finished = total && done >= *total;
  if (shown_ && !finished && now - last_draw_ms_ < 100) return;
  last_draw_ms_ = now;
  shown_ = true;
  std::string line = "\r" + label_ + "  " + SizeText(done);
  if (total) {
    line += " / " + SizeText(*total);
    if (*total > 0) line += "  " + std::to_string(done * 100 / *total) + "%";
  }
  std::fprintf(stderr, "%s\033[K", line.c_str());
}

void Progress::Clear() {
  if (shown_) std::fprintf(stderr, "\r\033[K");
  shown_ = false;
}

}  // namespace tether::tools::cli
