// TransferRunner: what `tether put` and `tether get` share — a BrokerLink joined to an
// existing session of the caller (the broker checks that it is theirs), one transfer id,
// and the ways a transfer fails: an error from the broker, the session ending, no
// progress for kIdleLimit, a signal, a lost connection. Upload (upload.cc) and Download
// (download.cc) fill in the direction-specific steps.
//
// Thread-safety: none; the loop's thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "tether/broker_link.h"
#include "tether/transfer_files.h"
#include "tether/transfer_wire.h"
#include "tether/uv_handle.h"

namespace tether::tools::cli {

// ": <why>" from a failed file.end's `message` (the agent's extension), else "".
std::string FailureDetail(const Value& file_end);

class TransferRunner {
 public:
  TransferRunner(uv_loop_t* loop, std::string command, std::string session_id);
  virtual ~TransferRunner();
  TransferRunner(const TransferRunner&) = delete;
  TransferRunner& operator=(const TransferRunner&) = delete;

  Status Start(const SavedLogin& login);
  int Run() { return link_->Run(); }

  // No chunk, no answer for this long: the agent is gone or stuck.
  static constexpr std::chrono::milliseconds kIdleLimit{60'000};

 protected:
  // The link is logged in: send file.begin.
  virtual void Begin() = 0;
  // `file.begin` / `file.end` events carrying our transfer id.
  virtual void OnTransferEvent(const std::string& event, const Value& message) = 0;
  // Channel-2 data of our transfer.
  virtual void OnChunk(std::span<const std::uint8_t> data) { (void)data; }
  // Clean-up before a failure is reported (remove the partial file, tell the agent).
  virtual void OnAbort() {}

  // Reports the failure on stderr and exits 1 (or `exit_status`).
  void Abort(const std::string& message, int exit_status = 1);
  // Reports success on stderr and exits 0.
  void Succeed(const std::string& message);
  // Progress was made: the idle clock starts again.
  void Touch();
  bool done() const { return done_; }

  BrokerLink& link() { return *link_; }
  uv_loop_t* loop() { return loop_; }
  const std::string& session_id() const { return session_id_; }
  const TransferId& transfer_id() const { return transfer_id_; }
  Progress& progress() { return progress_; }

 private:
  void OnMessage(const Value& message);
  void OnDataFrame(std::span<const std::uint8_t> frame);
  void Finish(int exit_status);

  uv_loop_t* loop_;
  std::string command_;
  std::string session_id_;
  TransferId transfer_id_;
  Progress progress_;
  std::unique_ptr<BrokerLink> link_;
  UvHandle<uv_timer_t> idle_timer_;
  UvHandle<uv_signal_t> signals_[3];
  bool done_ = false;
};

}  // namespace tether::tools::cli
