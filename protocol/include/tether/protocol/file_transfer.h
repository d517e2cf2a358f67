// File transfers on the wire (protocol/PROTOCOL.md §5.4), shared by both ends: the agent
// and the tools. A transfer id is 16 random bytes, written as 32 lowercase hex digits in
// `file.begin` / `file.end` and as those 16 raw bytes at the start of every channel-2
// payload. Both ends compare the file's SHA-256.
//
// Thread-safety: plain functions; a Sha256 is a value used by one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tether::protocol {

inline constexpr std::size_t kTransferIdBytes = 16;
using TransferId = std::array<std::uint8_t, kTransferIdBytes>;

// On the wire: never rename.
inline constexpr std::string_view kUpload = "upload";
inline constexpr std::string_view kDownload = "download";

// Lowercase hex digits of `bytes`.
std::string ToHex(std::span<const std::uint8_t> bytes);
// nullopt unless exactly 32 hex digits (either case).
std::optional<TransferId> TransferIdFromHex(std::string_view hex);

// A channel-2 payload: the id, then the data.
std::vector<std::uint8_t> ChunkPayload(const TransferId& id, std::span<const std::uint8_t> data);

// A channel-2 payload taken apart; the data view points into the payload.
struct ChunkView {
  TransferId id{};
  std::span<const std::uint8_t> data;
};
// nullopt when the payload is shorter than an id.
std::optional<ChunkView> ParseChunk(std::span<const std::uint8_t> payload);

// Incremental SHA-256 (OpenSSL EVP: SHA extensions of the CPU when it has them). One
// object may hash many messages in turn (the audit chain hashes one per event): each
// Finish starts the next digest, so only the first costs an allocation.
class Sha256 {
 public:
  static constexpr std::size_t kBytes = 32;
  using Digest = std::array<std::uint8_t, kBytes>;

  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const std::uint8_t> data);
  // The digest of everything updated since construction or the last Finish; the object
  // then starts over.
  Digest Finish();
  // Finish, as 64 lowercase hex digits.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace tether::protocol
