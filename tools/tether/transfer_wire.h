// Transfer wire: the messages and channel-2 chunks of a file transfer
// (protocol/PROTOCOL.md §5 "Files"; PROTOCOL.md §5.4), and the SHA-256 both ends compare.
// No I/O here, so the builders and the chunk parser are tested byte by byte.
//
// A transfer id is 16 random bytes: written as 32 lowercase hex digits in `file.begin`
// / `file.end`, and as those 16 raw bytes at the start of every channel-2 payload.
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

#include "tether/protocol/value.h"

namespace tether::tools::cli {

using protocol::Value;

inline constexpr std::size_t kTransferIdBytes = 16;
// File data per chunk; the payload adds the 16-byte id. Well under the broker's 1 MiB
// message limit, and big enough that per-message costs do not dominate.
inline constexpr std::size_t kChunkDataBytes = 64 * 1024;

using TransferId = std::array<std::uint8_t, kTransferIdBytes>;

// 16 bytes from the system's CSPRNG (transfer ids must not collide between controllers).
TransferId NewTransferId();
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

// On the wire: never rename.
inline constexpr std::string_view kUpload = "upload";
inline constexpr std::string_view kDownload = "download";

// The `file.begin` request. `sha256` (ours: the sender's hash, so that the receiver can
// check before it renames; protocol/PROTOCOL.md §5) is added when not empty.
Value FileBeginRequest(std::string_view session_id, const TransferId& id, std::string_view direction,
                       std::string_view name, std::uint64_t size, std::string_view sha256 = "");
// The `file.end` request the receiving side sends.
Value FileEndRequest(std::string_view session_id, const TransferId& id, std::string_view sha256, bool ok);

// Whether an event is about this transfer (its `transfer_id`, any hex case).
bool IsForTransfer(const Value& event, const TransferId& id);

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const std::uint8_t> data);
  // The digest as 64 lowercase hex digits; the object is then spent.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace tether::tools::cli
