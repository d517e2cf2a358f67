// The file side of session file transfers (PROTOCOL.md "In-session control",
// protocol/PROTOCOL.md §5): transfer ids, where a name lands on this computer, SHA-256, the
// receiver of an upload and the source of a download (the wire pieces of transfers are
// tether/protocol/file_transfer.h). No protocol and no loop here:
// SessionRunner drives these from the session's messages.
//
// Rule for names (agent/README.md "File transfer"): a name is a path on this computer.
// A relative one is taken from the home directory of the agent's user; an absolute one is
// used as is (the controller already has a shell with that user's rights, so a tighter
// rule would protect nothing); a ".." component, an empty name, a NUL byte or a trailing
// "/" is refused. The directory must exist. A file of the same name is replaced (as scp
// does) only once the whole upload arrived and its hash matched.
//
// Thread-safety: none per object; HashFile may run on any thread.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tether/protocol/file_transfer.h"
#include "tether/protocol/status.h"

namespace tether::agent {

using protocol::Result;
using protocol::Status;

using protocol::kTransferIdBytes;
using protocol::Sha256;
using protocol::ToHex;
using protocol::TransferId;

// A `transfer_id` field: bad_request unless 32 hex digits (either case).
Result<TransferId> ParseTransferId(std::string_view hex);

Result<std::filesystem::path> ResolveTransferPath(std::string_view name, const std::filesystem::path& home);

// Receives an upload into a temporary file beside the target (created 0600, named
// ".<name>.tether-XXXXXX") and moves it into place only when the size and, if one was
// given, the SHA-256 match. Whatever happens otherwise, no partial file is left.
class FileReceiver {
 public:
  struct Outcome {
    bool ok = false;
    std::string sha256;   // of the bytes received
    std::string message;  // why not, when !ok
  };

  // `expected_sha256`: hex, or "" to check the size only.
  static Result<std::unique_ptr<FileReceiver>> Create(std::filesystem::path target, std::uint64_t size,
                                                      std::string expected_sha256);
  ~FileReceiver();  // removes the temporary file unless Finish moved it into place
  FileReceiver(const FileReceiver&) = delete;
  FileReceiver& operator=(const FileReceiver&) = delete;

  // Refused, writing nothing, when it would go past the announced size.
  Status Append(std::span<const std::uint8_t> bytes);
  bool complete() const { return received_ == size_; }
  std::uint64_t received() const { return received_; }
  // Checks and then renames (ok) or deletes (not ok). Called early, the upload is short:
  // not ok. Call once.
  Outcome Finish();

 private:
  FileReceiver(std::filesystem::path target, std::uint64_t size, std::string expected);
  void Discard();

  std::filesystem::path target_;
  std::string temp_path_;
  int fd_ = -1;
  std::uint64_t size_;
  std::uint64_t received_ = 0;
  std::string expected_sha256_;
  Sha256 hash_;
};

// The file behind a download: a regular file opened once, read in order.
class FileSource {
 public:
  // Refuses anything but a regular file, and files over `max_bytes`.
  static Result<std::unique_ptr<FileSource>> Open(const std::filesystem::path& path, std::uint64_t max_bytes);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const { return size_; }
  std::uint64_t sent() const { return offset_; }
  bool done() const { return offset_ == size_; }
  int fd() const { return fd_; }
  // Appends up to `max` next bytes to `out`; an error if the file shrank meanwhile.
  Status ReadNext(std::size_t max, std::vector<std::uint8_t>& out);

 private:
  FileSource(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::uint64_t size_;
  std::uint64_t offset_ = 0;
};

// SHA-256 of the first `size` bytes of `fd` (pread: the offset is untouched), for the
// file.begin of a download. Blocking: run it off the loop.
Result<std::string> HashFile(int fd, std::uint64_t size);

}  // namespace tether::agent
