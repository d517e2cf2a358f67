// Recorder: writes the terminal output of recorded sessions to asciicast v2 files
// (<directory>/<session_id>.cast, one per session) on a thread of its own, so the loop
// never writes to disk nor waits for it (ARCHITECTURE.md "Audit": recordings are written
// off the forwarding path). The loop hands it copies of the agent's output frames and
// the resize events; the writer encodes and appends them.
//
// Falling behind: each recording's queue has a byte budget (the relay's per-connection
// budget). Output() says when a frame left the queue over it, and the caller pauses the
// agent's connection exactly as it does for a slow receiver (Relay); `drained` fires on
// the loop once the writer has brought the queue below half the budget. So a slow disk
// slows the session down; it never loses recorded output and memory stays bounded.
//
// Crash safety: every write() carries whole lines (the header first), so a broker killed
// at any moment leaves a file that parses up to its last event. The writer calls
// fdatasync at most once a second per file and when the recording closes; never the loop.
//
// A file that cannot be created or written (disk full, permissions) is reported once by
// `failed` on the loop; what is queued for it is discarded and its budget released.
//
// Thread-safety: Open, Output, Resize, Close and Stop from the loop thread (one
// producer); Writing from any thread; `post` is called from the writer thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>

#include "recording/asciicast.h"

namespace tether::broker {

class Recorder {
 public:
  // Hands a task to the loop thread (LoopPoster::Post).
  using Post = std::function<void(std::function<void()>)>;
  // Run on the loop, through `post`.
  struct Events {
    std::function<void(const std::string& session_id)> drained;
    // `org_id` is what Open was given: the failure is audited in that organisation.
    std::function<void(const std::string& session_id, std::int64_t org_id, const std::string& error)> failed;
  };

  // `before_write`, when set, runs on the writer thread before each batch is written:
  // tests use it to hold the writer back.
  Recorder(std::string directory, std::size_t budget_bytes, Post post, Events events,
           std::function<void()> before_write = nullptr);
  ~Recorder();  // Stop()
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Where a session's recording is (or would be).
  std::string PathOf(const std::string& session_id) const;
  const std::string& directory() const { return directory_; }

  // Starts a recording: the file is created and its header written by the writer.
  void Open(const std::string& session_id, std::int64_t org_id, const AsciicastHeader& header);
  // Queues a copy of terminal output. True when the recording's queue is now over its
  // budget: pause the producer until `drained` names this recording.
  bool Output(const std::string& session_id, std::int64_t at_ms, std::span<const std::uint8_t> bytes);
  void Resize(const std::string& session_id, std::int64_t at_ms, std::uint32_t cols, std::uint32_t rows);
  // Ends a recording: what is queued is written, the file synced and closed; then
  // `closed` (when given) runs on the loop.
  void Close(const std::string& session_id, std::int64_t at_ms, std::function<void()> closed = nullptr);
  // Whether the recording is open or still has writes pending (from Open until the writer
  // closed the file).
  bool Writing(const std::string& session_id) const;

  // Writes and closes everything queued, then stops the writer thread. Idempotent.
  void Stop();

 private:
  struct Job {
    enum class Kind { kOpen, kOutput, kResize, kClose };
    Kind kind = Kind::kOutput;
    std::string session_id;
    std::int64_t at_ms = 0;
    std::string bytes;       // kOutput
    AsciicastHeader header;  // kOpen; cols and rows also for kResize
    std::int64_t org_id = 0;  // kOpen
    std::function<void()> closed;  // kClose
  };
  // A recording as the writer thread holds it.
  struct File {
    int fd = -1;
    AsciicastEncoder encoder{0};
    std::string buffer;  // lines of this batch, written with one write() (whole lines)
    bool failed = false;
    std::int64_t org_id = 0;
    std::int64_t last_sync_ms = 0;  // steady clock
  };

  void Enqueue(Job job);
  void Run();
  void Apply(Job& job);
  void Flush(const std::string& session_id, File& file);
  void Fail(const std::string& session_id, File& file, const std::string& error);
  // `session_id` is a copy: the map key it may come from dies here.
  void CloseFile(std::string session_id, File& file, std::int64_t at_ms, std::function<void()> closed = nullptr);
  void Release(const std::unordered_map<std::string, std::size_t>& written);

  const std::string directory_;
  const std::size_t budget_;
  Post post_;
  Events events_;
  std::function<void()> before_write_;

  mutable std::mutex mutex_;  // guards jobs_, queued_, wants_drain_, writing_, stopping_
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::unordered_map<std::string, std::size_t> queued_;  // output bytes waiting, per recording
  std::set<std::string> wants_drain_;                    // told "over budget", waiting for drained
  std::set<std::string> writing_;
  bool stopping_ = false;

  std::unordered_map<std::string, File> files_;  // the writer thread's only
  std::thread thread_;
};

}  // namespace tether::broker
