// Growth and copies of a message buffer.
#include "transport/message_buffer.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tether::broker {

MessageBuffer::MessageBuffer(MessageBuffer&& other) noexcept
    : storage_(std::move(other.storage_)),
      capacity_(std::exchange(other.capacity_, 0)),
      size_(std::exchange(other.size_, 0)) {}

MessageBuffer& MessageBuffer::operator=(MessageBuffer&& other) noexcept {
  storage_ = std::move(other.storage_);
  capacity_ = std::exchange(other.capacity_, 0);
  size_ = std::exchange(other.size_, 0);
  return *this;
}

SharedMessage MessageBuffer::CopyOf(std::span<const std::uint8_t> bytes) {
  auto buffer = std::make_shared<MessageBuffer>(bytes.size());
  buffer->Append(bytes);
  return buffer;
}

void MessageBuffer::Append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  if (size_ + bytes.size() > capacity_) Reserve(std::max(size_ + bytes.size(), capacity_ * 2));
  std::memcpy(payload_after_headroom() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void MessageBuffer::Release() {
  storage_.reset();
  capacity_ = 0;
  size_ = 0;
}

std::span<const std::uint8_t> MessageBuffer::bytes() const {
  if (!storage_) return {};
  return {payload_after_headroom(), size_};
}

// make_unique_for_overwrite: uninitialised, so no zero-fill of bytes about to be copied in.
void MessageBuffer::Reserve(std::size_t payload_capacity) {
  auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(kHeadroom + payload_capacity);
  if (size_ > 0) std::memcpy(grown.get() + kHeadroom, payload_after_headroom(), size_);
  storage_ = std::move(grown);
  capacity_ = payload_capacity;
}

}  // namespace tether::broker
