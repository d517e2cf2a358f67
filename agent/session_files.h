// SessionFiles: the protocol side of file transfers within one session (PROTOCOL.md
// "In-session control", protocol/PROTOCOL.md §5 "Files").
//
// Upload (controller → agent): event `file.begin` direction "upload" → a FileReceiver;
// channel-2 chunks (16-byte transfer id, then data) are appended; after the last byte the
// file is checked and moved into place or deleted, and the agent sends `file.end
// {session_id, transfer_id, sha256, ok}`.
// Download (agent → controller): event `file.begin` direction "download" names the file;
// the agent hashes it off the loop, sends its own `file.begin` (direction "download", the
// real size and `sha256`), waits for the broker's ok, then sends the chunks as the
// connection's queue allows (Pump), and expects the controller's `file.end`.
// A transfer that cannot start or fails midway is answered with `file.end` ok=false
// (also by the agent as sender: the controller then stops waiting).
//
// Thread-safety: none; loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "file_transfer.h"
#include "session_io.h"

namespace tether::agent {

struct FileOptions {
  std::filesystem::path home{};             // where relative names land; "" = the user's home
  std::uint64_t max_bytes = 1ull << 30;     // per file, both directions
  std::size_t max_transfers = 8;            // in progress at once, both directions
};

// At most 64 KiB of payload per channel-2 frame: the transfer id, then the data.
inline constexpr std::size_t kMaxFramePayload = 64 * 1024;
inline constexpr std::size_t kMaxChunkData = kMaxFramePayload - kTransferIdBytes;

class SessionFiles {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // `io` and `loop` must outlive this. `wake` is called when a download has chunks ready
  // for Pump.
  SessionFiles(uv_loop_t* loop, SessionIo& io, std::string session_id, FileOptions options,
               std::function<void()> wake, LogFn log);
  // Abandons every transfer: temporary files removed, nothing more sent.
  ~SessionFiles();
  SessionFiles(const SessionFiles&) = delete;
  SessionFiles& operator=(const SessionFiles&) = delete;

  void OnFileBegin(const Value& event);
  void OnFileEnd(const Value& event);
  void OnChunk(std::span<const std::uint8_t> payload);
  // Sends download chunks while the connection queues fewer than `budget` bytes. Returns
  // whether some download still has chunks to send.
  bool Pump(std::size_t budget);

 private:
  struct Download {
    std::string name;
    std::unique_ptr<FileSource> source;
    bool sending = false;  // our file.begin was accepted
  };
  struct Upload {
    std::string name;
    std::unique_ptr<FileReceiver> receiver;
  };

  void BeginUpload(const TransferId& id, const Value& event);
  void BeginDownload(const TransferId& id, const Value& event);
  void AnnounceDownload(const TransferId& id, Result<std::string> sha256);
  void FinishUpload(const TransferId& id);
  // Sends file.end; a failure is also told to the local user (`name`: the file, if known).
  void SendEnd(const TransferId& id, const std::string& sha256, bool ok, const std::string& message,
               const std::string& name = "");
  std::size_t active() const { return uploads_.size() + downloads_.size(); }

  uv_loop_t* loop_;
  SessionIo& io_;
  std::string session_id_;
  FileOptions options_;
  std::function<void()> wake_;
  LogFn log_;
  std::map<TransferId, Upload> uploads_;
  std::map<TransferId, Download> downloads_;
  // Cleared on destruction: hashing jobs on the thread pool and reply callbacks check it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tether::agent
