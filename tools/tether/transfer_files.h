// Transfer files: the local side of `tether put` / `tether get` — which names to use,
// the temporary file a download is received into (removed unless it was committed, so a
// failure never leaves a partial file behind), and the progress line.
//
// Thread-safety: none; one transfer per process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::tools::cli {

using protocol::Result;
using protocol::Status;

// The last component of a path; remote paths may come from Windows, so '\' separates
// too when `remote`. "" when there is none ("/", "dir/").
std::string BaseName(std::string_view path, bool remote);
// put: the agent-side name — REMOTE when given, else LOCAL's base name.
Result<std::string> RemoteNameFor(const std::string& local, const std::optional<std::string>& remote);
// get: LOCAL when given (inside it when it is a directory), else REMOTE's base name in
// the current directory.
Result<std::string> LocalPathFor(const std::string& remote, const std::optional<std::string>& local);

// A file being received: created next to its destination (same directory, so the final
// rename is atomic) as ".<name>.tether-XXXXXX", mode 0600 until committed.
class TempFile {
 public:
  static Result<std::unique_ptr<TempFile>> CreateFor(const std::string& destination);
  ~TempFile();  // removes the file unless Commit() succeeded
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  Status Write(std::span<const std::uint8_t> data);
  // fsync, the mode a new file gets (0666 minus the umask), then rename over the
  // destination.
  Status Commit();
  const std::string& path() const { return path_; }

 private:
  TempFile(std::string path, std::string destination, int fd);
  std::string path_;
  std::string destination_;
  int fd_;
  bool committed_ = false;
};

// "12.0 MiB" style sizes.
std::string SizeText(std::uint64_t bytes);

// A "\r<label>  1.0 MiB / 4.0 MiB  25%" line on stderr, redrawn at most 10 times a
// second; shown only when stderr is a terminal.
class Progress {
 public:
  Progress(std::string label, bool enabled);
  void Update(std::uint64_t done, std::optional<std::uint64_t> total);
  void Clear();  // erases the line (before a final message)

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
  std::uint64_t last_draw_ms_ = 0;
};

}  // namespace tether::tools::cli
