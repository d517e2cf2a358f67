// Batches of data frames (PROTOCOL.md §2.4): negotiated by hello, then each frame of a
// batch is routed exactly as the same frame sent alone would be.
#include "broker.h"
#include "connection.h"
#include "sessions/session_service.h"
#include "tether/protocol/data_batch.h"

namespace tether::broker {

void Connection::SettleBatches(std::uint64_t re, bool ok, protocol::Value& fields) {
  if (re != *batch_hello_) return;
  batch_hello_.reset();
  if (!ok) return;
  fields.Set("batch", true);
  EnableBatches();
}

void Connection::EnableBatches() {
  if (batches_) return;
  batches_ = true;
  transport_.EnableBatches();
}

// The whole batch is checked before any frame of it is routed, so a malformed batch is
// refused whole (one bad_request, nothing delivered). Routing answers (not_found,
// view_only with its audit event) are per frame, as for frames sent one by one; the
// backpressure a frame causes pauses reading after this message, like any other.
void Connection::DispatchDataBatch(const SharedMessage& message) {
  if (!batches_) {
    ReplyError(std::nullopt, protocol::Status::BadRequest(
                                 "a batch of data frames needs \"batch\":true in hello and in its answer"));
    return;
  }
  auto frames = protocol::PeekDataBatch(message->bytes());
  if (!frames.ok()) {
    ReplyError(std::nullopt, frames.status());
    return;
  }
  const DeferWritesForBatches together;
  for (const protocol::BatchedFrame& inner : *frames) {
    if (state_ == State::kClosing) return;
    // Forwarded frames are single-frame messages of their own: a receiver that did not
    // negotiate batches gets exactly what a sender of single frames would have sent.
    broker_.sessions().OnDataFrame(*this, inner.frame, MessageBuffer::CopyOf(inner.bytes));
  }
}

}  // namespace tether::broker
