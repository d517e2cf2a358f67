// LwsTransport: the Transport of one libwebsockets connection. It owns the broker-side
// Connection, reassembles fragmented messages up to the size limit into a MessageBuffer
// (read once, forwarded without another copy), and keeps an output queue that each
// writeable callback drains while the socket takes more (STACK-NOTES.md: a second
// lws_write while a send is pending kills the connection, so every write after the first
// asks lws_send_pipe_choked first).
//
// Thread-safety: loop thread only.
#pragma once

#include <libwebsockets.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "transport/transport.h"

namespace tether::broker {

class Broker;
class Connection;

class LwsTransport final : public Transport {
 public:
  LwsTransport(lws* wsi, Broker& broker, std::string peer_address);
  ~LwsTransport() override;

  // Transport.
  void Send(SharedMessage message) override;
  void Close(CloseReason reason) override;
  void SetTimer(std::chrono::milliseconds after) override;
  const std::string& peer_address() const override { return peer_address_; }
  std::size_t queued_bytes() const override { return queued_bytes_; }
  void PauseReading() override;
  void ResumeReading() override;
  void NotifyWhenBelow(std::size_t bytes) override { notify_below_ = bytes; }
  void ConfirmAlive() override;
  void EnableBatches() override { batches_ = true; }

  // From the lws callback; each returns what the callback must return.
  int OnReceive(const void* in, std::size_t len);
  int OnWritable();
  int OnTimer();

 private:
  // Whether this writeable callback, having written `messages` messages of `bytes` bytes,
  // may write the next queued one.
  bool MayWriteAnother(int messages, std::size_t bytes) const;
  // The front message left the queue: account for it and tell whoever waits for a drain.
  void AfterWrite(std::size_t size);
  // The next message to write, taken off the queue: a batch of the small frames at its
  // front when the client negotiated batches, else the front message. `queued` is what
  // it took out of queued_bytes_.
  SharedMessage TakeNext(std::size_t& queued);

  lws* wsi_;
  Broker& broker_;
  std::string peer_address_;
  std::unique_ptr<Connection> connection_;
  // Each queued message carries LWS_PRE bytes of headroom before its payload.
  std::deque<SharedMessage> output_;
  std::optional<CloseReason> close_after_flush_;
  std::size_t queued_bytes_ = 0;  // payload bytes in output_
  std::size_t notify_below_ = 0;  // 0: nobody waits for a drain
  MessageBuffer incoming_;  // the message being reassembled
  bool incoming_binary_ = true;
  bool discarding_ = false;  // the rest of an oversized message
  bool batches_ = false;     // the client negotiated batches
  bool write_failed_ = false;  // a write from Send found the socket gone
};

}  // namespace tether::broker
