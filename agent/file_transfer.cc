// Transfer files: temporary file + rename for uploads, pread for downloads.
#include "file_transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tether::agent {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string ToLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

Result<TransferId> ParseTransferId(std::string_view hex) {
  std::optional<TransferId> id = protocol::TransferIdFromHex(hex);
  if (!id) return Status::BadRequest("transfer_id must be 32 hex digits");
  return *id;
}

Result<std::filesystem::path> ResolveTransferPath(std::string_view name, const std::filesystem::path& home) {
  if (name.empty() || name.size() > 4096) return Status::BadRequest("the file name must be 1 to 4096 bytes");
  if (name.find('\0') != std::string_view::npos) return Status::BadRequest("the file name contains a NUL byte");
  if (name.back() == '/') return Status::BadRequest("the file name names a directory");
  std::filesystem::path path{std::string(name)};
  for (const auto& part : path) {
    if (part == "..") return Status::BadRequest("the file name must not contain '..'");
  }
  if (path.is_relative()) {
    if (home.empty()) return Status::NotFound("no home directory to resolve a relative name");
    path = home / path;
  }
  path = path.lexically_normal();
  if (!path.has_filename() || path.filename() == ".") return Status::BadRequest("the file name names a directory");
  return path;
}

FileReceiver::FileReceiver(std::filesystem::path target, std::uint64_t size, std::string expected)
    : target_(std::move(target)), size_(size), expected_sha256_(ToLower(std::move(expected))) {}

Result<std::unique_ptr<FileReceiver>> FileReceiver::Create(std::filesystem::path target, std::uint64_t size,
                                                           std::string expected_sha256) {
  std::unique_ptr<FileReceiver> receiver(new FileReceiver(std::move(target), size, std::move(expected_sha256)));
  FileReceiver& r = *receiver;
  std::filesystem::path dir = r.target_.parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) return Status::NotFound("no directory " + dir.string());
  if (std::filesystem::is_directory(r.target_, error)) return Status::Conflict(r.target_.string() + " is a directory");
  r.temp_path_ = (dir / ("." + r.target_.filename().string() + ".tether-XXXXXX")).string();
  r.fd_ = ::mkostemp(r.temp_path_.data(), O_CLOEXEC);
  if (r.fd_ < 0) {
    r.temp_path_.clear();
    return Status::PermissionDenied(Errno("cannot create a file in " + dir.string()));
  }
  return receiver;
}

FileReceiver::~FileReceiver() { Discard(); }

void FileReceiver::Discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

Status FileReceiver::Append(std::span<const std::uint8_t> bytes) {
  if (fd_ < 0) return Status::Conflict("the transfer is over");
  if (bytes.size() > size_ - received_) return Status::BadRequest("more data than the announced size");
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Internal(Errno("cannot write " + temp_path_));
    done += static_cast<std::size_t>(n);
  }
  hash_.Update(bytes);
  received_ += bytes.size();
  return Status::Ok();
}

FileReceiver::Outcome FileReceiver::Finish() {
  Outcome outcome;
  if (fd_ < 0) {
    outcome.message = "the transfer is over";
    return outcome;
  }
  outcome.sha256 = hash_.FinishHex();
  if (!complete()) {
    outcome.message = "short: " + std::to_string(received_) + " of " + std::to_string(size_) + " bytes";
  } else if (!expected_sha256_.empty() && expected_sha256_ != outcome.sha256) {
    outcome.message = "SHA-256 mismatch";
  } else {
    mode_t mask = ::umask(0);  // the final file gets the usual mode, as a new file would
    ::umask(mask);
    if (::fchmod(fd_, 0666 & ~mask) != 0 || ::close(fd_) != 0) {
      outcome.message = Errno("cannot finish " + temp_path_);
    } else {
      fd_ = -1;
      if (std::rename(temp_path_.c_str(), target_.c_str()) != 0) {
        outcome.message = Errno("cannot move the file to " + target_.string());
      } else {
        temp_path_.clear();
        outcome.ok = true;
      }
    }
  }
  Discard();
  return outcome;
}

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::filesystem::path& path, std::uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block the loop
  if (fd < 0) return Status::NotFound(Errno("cannot open " + path.string()));
  struct stat info {};
  Status refused;
  if (::fstat(fd, &info) != 0) {
    refused = Status::Internal(Errno("cannot stat " + path.string()));
  } else if (!S_ISREG(info.st_mode)) {
    refused = Status::BadRequest(path.string() + " is not a regular file");
  } else if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    refused = Status(protocol::ErrorCode::kLimitReached,
                     path.string() + " is over the limit of " + std::to_string(max_bytes) + " bytes");
  }
  if (!refused.ok()) {
    ::close(fd);
    return refused;
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, static_cast<std::uint64_t>(info.st_size)));
}

FileSource::~FileSource() { ::close(fd_); }

Status FileSource::ReadNext(std::size_t max, std::vector<std::uint8_t>& out) {
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(max, size_ - offset_));
  std::size_t start = out.size();
  out.resize(start + want);
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd_, out.data() + start + got, want - got, static_cast<off_t>(offset_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal(Errno("read"));
    if (n == 0) return Status::Conflict("the file shrank while being sent");
    got += static_cast<std::size_t>(n);
  }
  offset_ += want;
  return Status::Ok();
}

Result<std::string> HashFile(int fd, std::uint64_t size) {
  Sha256 hash;
  std::vector<std::uint8_t> buffer(1 << 20);
  std::uint64_t offset = 0;
  while (offset < size) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
    ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal(Errno("read"));
    if (n == 0) return Status::Conflict("the file shrank while being hashed");
    hash.Update(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
    offset += static_cast<std::uint64_t>(n);
  }
  return hash.FinishHex();
}

}  // namespace tether::agent
