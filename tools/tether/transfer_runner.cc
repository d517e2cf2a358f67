// The shared half of `tether put` and `tether get` (transfer_runner.h).
#include "tether/transfer_runner.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "tether/protocol/data_frame.h"
#include "tether/sanitise.h"

namespace tether::tools::cli {
namespace {

constexpr int kHandledSignals[] = {SIGINT, SIGTERM, SIGHUP};

const std::string* StringField(const Value& map, const char* key) {
  const Value* field = map.Find(key);
  return field != nullptr && field->is_string() ? &field->as_string() : nullptr;
}

}  // namespace

std::string FailureDetail(const Value& file_end) {
  const std::string* why = StringField(file_end, "message");
  return why != nullptr && !why->empty() ? ": " + Sanitise(*why) : "";
}

TransferRunner::TransferRunner(uv_loop_t* loop, std::string command, std::string session_id)
    : loop_(loop),
      command_(std::move(command)),
      session_id_(std::move(session_id)),
      transfer_id_(NewTransferId()),
      progress_(command_, isatty(STDERR_FILENO) != 0) {}

TransferRunner::~TransferRunner() = default;

Status TransferRunner::Start(const SavedLogin& login) {
  BrokerLink::Handlers handlers;
  handlers.on_ready = [this](const Value&) {
    Touch();
    Begin();
  };
  handlers.on_message = [this](const Value& message) { OnMessage(message); };
  handlers.on_data_frame = [this](std::span<const std::uint8_t> frame) { OnDataFrame(frame); };
  handlers.on_lost = [this](const Status& why) { Abort(why.ToString()); };
  auto link = BrokerLink::Create(loop_, login, std::move(handlers));
  if (!link.ok()) return link.status();
  link_ = std::move(*link);
  idle_timer_.Init([this](uv_timer_t* h) { return uv_timer_init(loop_, h); }, this);
  for (std::size_t i = 0; i < std::size(kHandledSignals); ++i) {
    signals_[i].Init([this](uv_signal_t* h) { return uv_signal_init(loop_, h); }, this);
    uv_signal_start(
        signals_[i].get(),
        [](uv_signal_t* h, int signum) { static_cast<TransferRunner*>(h->data)->Abort("interrupted", 128 + signum); },
        kHandledSignals[i]);
  }
  Touch();
  return Status::Ok();
}

void TransferRunner::Touch() {
  if (done_) return;
  uv_timer_start(
      idle_timer_.get(),
      [](uv_timer_t* h) {
        static_cast<TransferRunner*>(h->data)->Abort("no progress for " +
                                                     std::to_string(kIdleLimit.count() / 1000) + " s; giving up");
      },
      static_cast<std::uint64_t>(kIdleLimit.count()), 0);
}

void TransferRunner::OnMessage(const Value& message) {
  if (done_) return;
  const std::string* type = StringField(message, "t");
  if (type != nullptr && *type == "error") {
    // Errors that answer no request are about our frames: e.g. not_found when the
    // session is not (or no longer) ours.
    const std::string* code = StringField(message, "code");
    const std::string* text = StringField(message, "message");
    return Abort("the broker refused: " + (code ? Sanitise(*code) : std::string("error")) + ": " +
                 (text ? Sanitise(*text) : std::string()));
  }
  const std::string* event = StringField(message, "event");
  const std::string* session = StringField(message, "session_id");
  if (event == nullptr || session == nullptr || *session != session_id_) return;
  if (*event == "session.ended") {
    const std::string* reason = StringField(message, "reason");
    return Abort("the session ended (" + (reason ? Sanitise(*reason) : std::string("unknown")) + ")");
  }
  if ((*event == "file.begin" || *event == "file.end") && IsForTransfer(message, transfer_id_)) {
    Touch();
    OnTransferEvent(*event, message);
  }
}

void TransferRunner::OnDataFrame(std::span<const std::uint8_t> frame) {
  if (done_) return;
  auto view = protocol::PeekDataFrame(frame);
  if (!view.ok() || view->session_id != session_id_ ||
      view->channel != static_cast<std::uint64_t>(protocol::Channel::kFileChunk)) {
    return;
  }
  std::optional<ChunkView> chunk = ParseChunk(view->payload);
  if (!chunk || chunk->id != transfer_id_) return;
  Touch();
  OnChunk(chunk->data);
}

void TransferRunner::Abort(const std::string& message, int exit_status) {
  if (done_) return;
  OnAbort();
  progress_.Clear();
  std::fprintf(stderr, "tether %s: %s\n", command_.c_str(), message.c_str());
  Finish(exit_status);
}

void TransferRunner::Succeed(const std::string& message) {
  if (done_) return;
  progress_.Clear();
  std::fprintf(stderr, "%s\n", message.c_str());
  Finish(0);
}

void TransferRunner::Finish(int exit_status) {
  done_ = true;
  idle_timer_.Close();
  for (auto& handle : signals_) handle.Close();
  link_->Finish(exit_status);
}

}  // namespace tether::tools::cli
