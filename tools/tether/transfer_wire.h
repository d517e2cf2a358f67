// Transfer wire: the messages of a file transfer the tools send (protocol/PROTOCOL.md
// §5.4). The pieces both ends share — ids, chunks, SHA-256 — are in
// tether/protocol/file_transfer.h. No I/O here, so the builders are tested byte by byte.
//
// Thread-safety: plain functions.
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

#include "tether/protocol/file_transfer.h"
#include "tether/protocol/value.h"

namespace tether::tools::cli {

using protocol::Value;

using protocol::ChunkPayload;
using protocol::ChunkView;
using protocol::kDownload;
using protocol::kTransferIdBytes;
using protocol::kUpload;
using protocol::ParseChunk;
using protocol::Sha256;
using protocol::ToHex;
using protocol::TransferId;
using protocol::TransferIdFromHex;

// File data per chunk; the payload adds the 16-byte id. Well under the broker's 1 MiB
// message limit, and big enough that per-message costs do not dominate.
inline constexpr std::size_t kChunkDataBytes = 64 * 1024;

// 16 bytes from the system's CSPRNG (transfer ids must not collide between controllers).
TransferId NewTransferId();

// The `file.begin` request. `sha256` (ours: the sender's hash, so that the receiver can
// check before it renames; protocol/PROTOCOL.md §5) is added when not empty.
Value FileBeginRequest(std::string_view session_id, const TransferId& id, std::string_view direction,
                       std::string_view name, std::uint64_t size, std::string_view sha256 = "");
// The `file.end` request the receiving side sends.
Value FileEndRequest(std::string_view session_id, const TransferId& id, std::string_view sha256, bool ok);

// Whether an event is about this transfer (its `transfer_id`, any hex case).
bool IsForTransfer(const Value& event, const TransferId& id);

}  // namespace tether::tools::cli
