// `tether put SESSION_ID LOCAL [REMOTE]`: a file to the agent of a session of ours.
//
// protocol/PROTOCOL.md §5 "Files", upload: file.begin {direction:"upload", name, size} →
// channel-2 chunks (16-byte transfer id, then at most 64 KiB of data) -> the agent, the
// receiving side, answers file.end {sha256, ok}. Success needs ok and its sha256 equal
// to ours. The file is hashed before it is sent (the hash travels in file.begin, so the
// agent can check before it renames) and again while it is sent: a file that changes
// on the way fails instead of arriving half old, half new.
//
// Interrupted (a signal, a lost session, a file that changed), the upload is ended with
// our own file.end ok false, so the agent deletes the partial file at once.
//
// Chunks are read only while the connection has under kQueueLimit bytes queued:
// memory stays bounded whatever the file's size, and the pump resumes from a uv_check
// (after each loop iteration, i.e. after every write lws made) — no timer polling.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "tether/command.h"
#include "tether/commands.h"
#include "tether/protocol/data_frame.h"
#include "tether/sanitise.h"
#include "tether/transfer_runner.h"

namespace tether::tools::cli {
namespace {

constexpr std::size_t kQueueLimit = 1u << 20;

// The local file, open for reading, with its size and hash.
struct LocalFile {
  int fd = -1;
  std::uint64_t size = 0;
  std::string sha256;
  ~LocalFile() {
    if (fd >= 0) ::close(fd);
  }
};

Status OpenAndHash(const std::string& path, LocalFile& file) {
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (file.fd < 0 || ::fstat(file.fd, &info) != 0) {
    return Status::NotFound("cannot read " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) return Status::BadRequest(path + " is not a regular file");
  file.size = static_cast<std::uint64_t>(info.st_size);
  Sha256 hash;
  std::vector<std::uint8_t> buffer(kChunkDataBytes);
  for (;;) {
    ssize_t n = ::read(file.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    hash.Update(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
  }
  file.sha256 = hash.FinishHex();
  if (::lseek(file.fd, 0, SEEK_SET) != 0) return Status::Internal("cannot rewind " + path);
  return Status::Ok();
}

class Upload final : public TransferRunner {
 public:
  Upload(uv_loop_t* loop, std::string session_id, std::string local, std::string name, LocalFile& file)
      : TransferRunner(loop, "put", std::move(session_id)),
        local_(std::move(local)),
        name_(std::move(name)),
        file_(file),
        buffer_(kChunkDataBytes) {}

 private:
  void Begin() override {
    Value begin = FileBeginRequest(session_id(), transfer_id(), kUpload, name_, file_.size, file_.sha256);
    link().Request(std::move(begin), [this](Result<Value> reply) {
      if (done()) return;
      if (!reply.ok()) return Abort(reply.status().ToString());
      begun_ = true;
      pump_.Init([this](uv_check_t* h) { return uv_check_init(loop(), h); }, this);
      uv_check_start(pump_.get(), [](uv_check_t* h) { static_cast<Upload*>(h->data)->Pump(); });
      Pump();
    });
  }

  // Queues chunks until the connection holds kQueueLimit bytes or the file is sent.
  void Pump() {
    while (!done() && !all_sent_ && link().queued_bytes() < kQueueLimit) {
      std::uint64_t left = file_.size - sent_;
      std::size_t want = left < buffer_.size() ? static_cast<std::size_t>(left) : buffer_.size();
      ssize_t n = want == 0 ? 0 : ::read(file_.fd, buffer_.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Abort("cannot read " + local_ + ": " + std::strerror(errno));
      if (n == 0 && want > 0) return Abort(local_ + " shrank while it was being sent");
      std::span<const std::uint8_t> data(buffer_.data(), static_cast<std::size_t>(n));
      if (!data.empty()) {
        hash_.Update(data);
        Status sent = link().SendDataFrame(session_id(), static_cast<std::uint64_t>(protocol::Channel::kFileChunk),
                                           ChunkPayload(transfer_id(), data));
        if (!sent.ok()) return Abort(sent.ToString());
        sent_ += data.size();
        Touch();
        progress().Update(sent_, file_.size);
      }
      if (sent_ == file_.size) FinishSending();
    }
  }

  void FinishSending() {
    all_sent_ = true;
    pump_.Close();
    sent_sha256_ = hash_.FinishHex();
    if (sent_sha256_ != file_.sha256) Abort(local_ + " changed while it was being sent");
  }

  void OnTransferEvent(const std::string& event, const Value& message) override {
    if (event != "file.end") return;
    agent_ended_ = true;
    const Value* ok = message.Find("ok");
    const Value* sha = message.Find("sha256");
    std::string theirs = sha != nullptr && sha->is_string() ? sha->as_string() : "";
    if (ok == nullptr || !ok->is_bool() || !ok->as_bool()) {
      return Abort("the agent did not store " + Sanitise(name_) + FailureDetail(message));
    }
    if (!all_sent_) return Abort("the agent ended the transfer before the whole file was sent");
    if (theirs != file_.sha256) {
      return Abort("SHA-256 mismatch: sent " + file_.sha256 + ", the agent stored " + Sanitise(theirs));
    }
    Succeed("uploaded " + local_ + " -> " + Sanitise(name_) + " (" + SizeText(file_.size) + ", sha256 " +
            file_.sha256 + ")");
  }

  void OnAbort() override {
    pump_.Close();
    // Interrupted or failed on our side: the agent deletes what it received so far
    // (agent/README.md: the controller's own file.end ends an upload).
    if (begun_ && !agent_ended_) {
      link().Request(FileEndRequest(session_id(), transfer_id(), "", false), [](Result<Value>) {});
    }
  }

  std::string local_;
  std::string name_;
  LocalFile& file_;
  std::vector<std::uint8_t> buffer_;
  Sha256 hash_;
  UvHandle<uv_check_t> pump_;
  std::uint64_t sent_ = 0;
  bool all_sent_ = false;
  bool begun_ = false;        // file.begin was accepted
  bool agent_ended_ = false;  // the agent's file.end came
  std::string sent_sha256_;
};

}  // namespace

int RunPut(const std::string& session_id, const std::string& local, const std::optional<std::string>& remote) {
  auto name = RemoteNameFor(local, remote);
  if (!name.ok()) return Fail("put", name.status());
  LocalFile file;
  Status opened = OpenAndHash(local, file);
  if (!opened.ok()) return Fail("put", opened);
  auto login = LoadSavedLogin();
  if (!login.ok()) return Fail("put", login.status());
  EventLoop loop;
  Upload upload(loop.get(), session_id, local, *name, file);
  Status started = upload.Start(*login);
  if (!started.ok()) return Fail("put", started);
  return upload.Run();
}

}  // namespace tether::tools::cli
