// `tether get SESSION_ID REMOTE [LOCAL]`: a file from the agent of a session of ours.
//
// protocol/PROTOCOL.md §5 "Files", download: file.begin {direction:"download", name:
// REMOTE, size:0} -> the agent answers with its own file.begin (the real size; with
// `sha256` when it sends one) -> channel-2 chunks -> we, the receiving side, check,
// rename and send file.end {sha256, ok}.
//
// The data goes to a temporary file next to LOCAL (transfer_files.h TempFile), renamed
// over LOCAL only when every byte arrived and the SHA-256 matches the agent's (when it
// gave one). Every failure — the agent refusing (its file.end ok false), too many bytes,
// a hash mismatch, the session ending, a signal, a lost connection — removes it and, once
// the transfer was started, tells the agent with file.end ok false.
#include <cstdio>

#include "tether/command.h"
#include "tether/commands.h"
#include "tether/sanitise.h"
#include "tether/transfer_runner.h"

namespace tether::tools::cli {
namespace {

class Download final : public TransferRunner {
 public:
  Download(uv_loop_t* loop, std::string session_id, std::string remote, std::string local)
      : TransferRunner(loop, "get", std::move(session_id)), remote_(std::move(remote)), local_(std::move(local)) {}

 private:
  void Begin() override {
    // Before asking the agent: a destination we cannot write fails without a transfer.
    auto temp = TempFile::CreateFor(local_);
    if (!temp.ok()) return Abort(temp.status().message());
    temp_ = std::move(*temp);
    started_ = true;
    link().Request(FileBeginRequest(session_id(), transfer_id(), kDownload, remote_, 0),
                   [this](Result<Value> reply) {
                     if (!done() && !reply.ok()) Abort(reply.status().ToString());
                   });
  }

  void OnTransferEvent(const std::string& event, const Value& message) override {
    if (event == "file.end") {
      // The sender has no file.end of its own to send: this is the agent refusing (the
      // broker forgot the transfer with it, so ours would only be refused).
      ended_ = true;
      return Abort("the agent could not send " + Sanitise(remote_) + FailureDetail(message));
    }
    const Value* name = message.Find("name");  // the agent's resolved path, when it sends one
    if (name != nullptr && name->is_string() && !name->as_string().empty()) shown_remote_ = name->as_string();
    const Value* size = message.Find("size");
    if (size == nullptr || !size->is_uint()) return Abort("the agent's file.begin has no size");
    size_ = size->as_uint();
    const Value* sha = message.Find("sha256");
    if (sha != nullptr && sha->is_string() && !sha->as_string().empty()) expected_sha256_ = sha->as_string();
    CheckProgress();
  }

  void OnChunk(std::span<const std::uint8_t> data) override {
    if (size_ && received_ + data.size() > *size_) return Abort("the agent sent more than the announced size");
    Status written = temp_->Write(data);
    if (!written.ok()) return Abort(written.message());
    hash_.Update(data);
    received_ += data.size();
    CheckProgress();
  }

  void CheckProgress() {
    if (size_ && received_ > *size_) return Abort("the agent sent more than the announced size");
    progress().Update(received_, size_);
    if (size_ && received_ == *size_) Complete();
  }

  void Complete() {
    sha256_ = hash_.FinishHex();
    if (expected_sha256_ && *expected_sha256_ != sha256_) {
      return Abort("SHA-256 mismatch: the agent sent " + Sanitise(*expected_sha256_) + ", received " + sha256_);
    }
    Status committed = temp_->Commit();
    if (!committed.ok()) return Abort(committed.message());
    ended_ = true;
    link().Request(FileEndRequest(session_id(), transfer_id(), sha256_, true), [this](Result<Value> reply) {
      if (!reply.ok()) std::fprintf(stderr, "tether get: file.end: %s\n", reply.status().ToString().c_str());
      Succeed("downloaded " + Sanitise(shown_remote_) + " -> " + local_ + " (" + SizeText(received_) + ", sha256 " +
              sha256_ + ")");
    });
  }

  void OnAbort() override {
    temp_.reset();  // removes the partial file
    if (started_ && !ended_) {
      ended_ = true;
      // Queued before the close frame; the agent may stop sending.
      link().Request(FileEndRequest(session_id(), transfer_id(), sha256_, false), [](Result<Value>) {});
    }
  }

  std::string remote_;
  std::string shown_remote_ = remote_;
  std::string local_;
  std::unique_ptr<TempFile> temp_;
  Sha256 hash_;
  std::optional<std::uint64_t> size_;  // from the agent's file.begin
  std::optional<std::string> expected_sha256_;
  std::uint64_t received_ = 0;
  std::string sha256_;
  bool started_ = false;
  bool ended_ = false;
};

}  // namespace

int RunGet(const std::string& session_id, const std::string& remote, const std::optional<std::string>& local) {
  auto path = LocalPathFor(remote, local);
  if (!path.ok()) return Fail("get", path.status());
  auto login = LoadSavedLogin();
  if (!login.ok()) return Fail("get", login.status());
  EventLoop loop;
  Download download(loop.get(), session_id, remote, *path);
  Status started = download.Start(*login);
  if (!started.ok()) return Fail("get", started);
  return download.Run();
}

}  // namespace tether::tools::cli
