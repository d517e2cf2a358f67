// MessageBuffer: the bytes of one WebSocket message with room reserved in front for the
// frame header libwebsockets writes there (LWS_PRE), so that a message is written from
// where it was read, without another copy. A received message is read into one of these
// once and then shared, read-only, by every connection it is forwarded to: a fan-out to
// n receivers queues one buffer n times, not n copies. Never zero-filled: only appended
// bytes are ever read.
//
// Thread-safety: none, loop thread only. The headroom of a shared buffer is scratch that
// each lws_write overwrites whole before it sends, one write at a time on the loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace tether::broker {

class MessageBuffer {
 public:
  // LWS_PRE of lws 4.1 (checked where libwebsockets.h is included): a server's frame
  // header is at most 10 bytes, written right before the payload.
  static constexpr std::size_t kHeadroom = 16;

  MessageBuffer() = default;
  // Room for `expected_size` payload bytes; Append grows past it when needed.
  explicit MessageBuffer(std::size_t expected_size) { Reserve(expected_size); }
  MessageBuffer(MessageBuffer&& other) noexcept;
  MessageBuffer& operator=(MessageBuffer&& other) noexcept;
  MessageBuffer(const MessageBuffer&) = delete;
  MessageBuffer& operator=(const MessageBuffer&) = delete;

  // A shareable buffer holding a copy of `bytes` (messages the broker composes itself).
  static std::shared_ptr<const MessageBuffer> CopyOf(std::span<const std::uint8_t> bytes);

  void Append(std::span<const std::uint8_t> bytes);
  // Empty, and the memory given back (the rest of an oversized message is discarded).
  void Release();

  std::size_t size() const { return size_; }
  std::span<const std::uint8_t> bytes() const;
  // For the transport's lws_write only: the payload, with kHeadroom writable bytes before
  // it. Valid while the buffer lives and is not appended to.
  std::uint8_t* payload_after_headroom() const { return storage_.get() + kHeadroom; }

 private:
  void Reserve(std::size_t payload_capacity);

  std::unique_ptr<std::uint8_t[]> storage_;  // kHeadroom + capacity_ bytes, or none
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

// A message as queued and forwarded: shared by every receiver, never changed once built.
using SharedMessage = std::shared_ptr<const MessageBuffer>;

}  // namespace tether::broker
