// One WebSocket connection on libwebsockets.
#include "transport/lws_transport.h"

#include <cstring>

#include "broker.h"
#include "connection.h"

namespace tether::broker {

LwsTransport::LwsTransport(lws* wsi, Broker& broker, std::string peer_address)
    : wsi_(wsi), broker_(broker), peer_address_(std::move(peer_address)) {
  connection_ = std::make_unique<Connection>(broker.NextConnectionId(), *this, broker);
  connection_->OnOpen();
}

LwsTransport::~LwsTransport() = default;

void LwsTransport::Send(std::vector<std::uint8_t> message) {
  if (close_after_flush_) return;
  std::vector<std::uint8_t> framed(LWS_PRE + message.size());
  std::memcpy(framed.data() + LWS_PRE, message.data(), message.size());
  queued_bytes_ += message.size();
  output_.push_back(std::move(framed));
  lws_callback_on_writable(wsi_);
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
  if (lws_is_first_fragment(wsi_)) {
    incoming_.clear();
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
      incoming_.clear();
      incoming_.shrink_to_fit();
      connection_->OnMessageTooBig();
    } else {
      const auto* bytes = static_cast<const std::uint8_t*>(in);
      incoming_.insert(incoming_.end(), bytes, bytes + len);
    }
  }
  if (complete && !discarding_) {
    std::vector<std::uint8_t> message;
    message.swap(incoming_);
    connection_->OnMessage(message, incoming_binary_);
  }
  return 0;
}

int LwsTransport::OnWritable() {
  if (!output_.empty()) {
    std::vector<std::uint8_t>& front = output_.front();
    std::size_t size = front.size() - LWS_PRE;
    int written = lws_write(wsi_, front.data() + LWS_PRE, size, LWS_WRITE_BINARY);
    if (written < static_cast<int>(size)) return -1;  // the socket is gone
    output_.pop_front();
    queued_bytes_ -= size;
    if (notify_below_ != 0 && queued_bytes_ < notify_below_) {
      notify_below_ = 0;
      connection_->OnDrained();
    }
    if (!output_.empty() || close_after_flush_) lws_callback_on_writable(wsi_);
    return 0;
  }
  if (close_after_flush_) {
    // lws 4.1 drops the socket without a close frame when WRITEABLE returns -1; from the
    // timer callback it sends the close frame with our code first.
    lws_set_timer_usecs(wsi_, 1);
  }
  return 0;
}

}  // namespace tether::broker
