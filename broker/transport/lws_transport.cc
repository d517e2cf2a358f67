// One WebSocket connection on libwebsockets.
#include "transport/lws_transport.h"

#include <algorithm>

#include "broker.h"
#include "connection.h"
#include "transport/batch_packer.h"

namespace tether::broker {
namespace {

static_assert(LWS_PRE <= MessageBuffer::kHeadroom, "lws_write needs LWS_PRE bytes before the payload");

// One writeable callback writes queued messages while the socket takes them, up to these
// caps, so that one busy receiver does not hold the loop from every other connection.
constexpr int kMaxMessagesPerWritable = 64;
constexpr std::size_t kMaxBytesPerWritable = 256 * 1024;

// A message is read into a buffer of the size its frame header declares (one allocation,
// no growth) up to this much; a peer declaring more gets memory as its bytes arrive.
constexpr std::size_t kMaxUpfrontReserve = 128 * 1024;

}  // namespace

LwsTransport::LwsTransport(lws* wsi, Broker& broker, std::string peer_address)
    : wsi_(wsi), broker_(broker), peer_address_(std::move(peer_address)) {
  connection_ = std::make_unique<Connection>(broker.NextConnectionId(), *this, broker);
  connection_->OnOpen();
}

LwsTransport::~LwsTransport() = default;

void LwsTransport::Send(SharedMessage message) {
  if (close_after_flush_ || write_failed_) return;
  // Nothing queued and lws holds nothing back from an earlier write: write it now.
  // Waiting for a writeable callback costs a loop trip and two epoll_ctl calls per
  // message, and under load the frame queues behind every other connection's events.
  // If the socket takes only part of it, lws keeps the rest and sends it when the socket
  // drains; until then lws_partial_buffered holds and later messages queue here.
  const bool deferred = batches_ && DeferWritesForBatches::active();
  if (output_.empty() && !deferred && lws_partial_buffered(wsi_) == 0) {
    std::size_t size = message->size();
    if (lws_write(wsi_, message->payload_after_headroom(), size, LWS_WRITE_BINARY) < static_cast<int>(size)) {
      // The socket is gone: the writeable callback closes the connection (a callback
      // may not be returned from here).
      write_failed_ = true;
      lws_callback_on_writable(wsi_);
    }
    return;
  }
  bool was_empty = output_.empty();
  queued_bytes_ += message->size();
  output_.push_back(std::move(message));
  // A non-empty queue already has a writeable callback asked for (OnWritable asks again
  // whenever it leaves messages behind).
  if (was_empty) lws_callback_on_writable(wsi_);
}

void LwsTransport::PauseReading() { lws_rx_flow_control(wsi_, 0); }

void LwsTransport::ResumeReading() { lws_rx_flow_control(wsi_, 1); }

// We are not reading this peer on purpose, so its pongs wait in the socket: tell lws
// the connection is valid so keep-alive does not hang up on it (PROTOCOL.md).
void LwsTransport::ConfirmAlive() { lws_validity_confirmed(wsi_); }

void LwsTransport::Close(CloseReason reason) {
  if (close_after_flush_) return;
  close_after_flush_ = reason;
  lws_callback_on_writable(wsi_);
}

void LwsTransport::SetTimer(std::chrono::milliseconds after) {
  if (close_after_flush_) return;  // the timer now belongs to the close
  lws_set_timer_usecs(wsi_, after.count() > 0 ? static_cast<lws_usec_t>(after.count()) * 1000
                                              : LWS_SET_TIMER_USEC_CANCEL);
}

int LwsTransport::OnTimer() {
  if (close_after_flush_ && output_.empty()) {
    std::string_view reason = CloseReasonName(*close_after_flush_);
    lws_close_reason(wsi_, static_cast<lws_close_status>(CloseCode(*close_after_flush_)),
                     reinterpret_cast<unsigned char*>(const_cast<char*>(reason.data())), reason.size());
    return -1;
  }
  connection_->OnTimer();
  return 0;
}

int LwsTransport::OnReceive(const void* in, std::size_t len) {
  bool first = lws_is_first_fragment(wsi_) != 0;
  if (first) {
    incoming_.Release();
    incoming_binary_ = lws_frame_is_binary(wsi_) != 0;
    discarding_ = false;
  }
  bool complete = lws_is_final_fragment(wsi_) && lws_remaining_packet_payload(wsi_) == 0;
  if (!discarding_) {
    // lws has no message-size cap of its own (STACK-NOTES.md): enforce ours here, on what
    // the frame header declares too, so that a peer declaring a huge frame and sending a
    // few bytes of it is refused at once rather than holding the connection open.
    std::size_t declared = incoming_.size() + len + lws_remaining_packet_payload(wsi_);
    if (declared > broker_.config().max_message_bytes) {
      discarding_ = true;
      incoming_.Release();
      connection_->OnMessageTooBig();
    } else {
      if (first) incoming_ = MessageBuffer(std::min(declared, kMaxUpfrontReserve));
      incoming_.Append({static_cast<const std::uint8_t*>(in), len});
    }
  }
  if (complete && !discarding_) {
    connection_->OnMessage(std::make_shared<const MessageBuffer>(std::move(incoming_)), incoming_binary_);
  }
  return 0;
}

bool LwsTransport::MayWriteAnother(int messages, std::size_t bytes) const {
  if (messages == 0) return true;  // lws called us because the socket takes a write
  if (messages >= kMaxMessagesPerWritable || bytes >= kMaxBytesPerWritable) return false;
  // Also false while lws still holds part of the last write (a partial send): writing
  // again then would fail and kill the connection (STACK-NOTES.md).
  return lws_send_pipe_choked(wsi_) == 0;
}

void LwsTransport::AfterWrite(std::size_t size) {
  queued_bytes_ -= size;
  if (notify_below_ != 0 && queued_bytes_ < notify_below_) {
    notify_below_ = 0;
    connection_->OnDrained();  // may queue more (a stream's next page): the loop goes on
  }
}

SharedMessage LwsTransport::TakeNext(std::size_t& queued) {
  if (batches_) {
    if (auto packed = PackFrontFrames(output_)) {
      ++broker_.metrics().batches_out;
      queued = packed->queued_bytes;
      return std::move(packed->message);
    }
  }
  SharedMessage message = std::move(output_.front());
  output_.pop_front();
  queued = message->size();
  return message;
}

int LwsTransport::OnWritable() {
  if (write_failed_) return -1;
  int messages = 0;
  std::size_t bytes = 0;
  while (!output_.empty() && MayWriteAnother(messages, bytes)) {
    std::size_t queued = 0;
    SharedMessage message = TakeNext(queued);
    std::size_t size = message->size();
    // lws_write puts the frame header in the headroom before the payload; the server
    // does not mask, so a buffer shared with other receivers keeps its payload intact.
    int written = lws_write(wsi_, message->payload_after_headroom(), size, LWS_WRITE_BINARY);
    if (written < static_cast<int>(size)) return -1;  // the socket is gone
    ++messages;
    bytes += size;
    AfterWrite(queued);
  }
  // After the last message, one more writeable callback (once lws has sent all it held)
  // before the close.
  if (!output_.empty() || (close_after_flush_ && messages > 0)) {
    lws_callback_on_writable(wsi_);
  } else if (close_after_flush_) {
    // lws 4.1 drops the socket without a close frame when WRITEABLE returns -1; from the
    // timer callback it sends the close frame with our code first.
    lws_set_timer_usecs(wsi_, 1);
  }
  return 0;
}

}  // namespace tether::broker
