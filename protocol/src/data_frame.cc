// Data frames (PROTOCOL.md "Data frames"): the zero-copy header peek the broker routes
// every frame with, and the encoder clients use. The peek is hand-written over the bytes
// rather than going through a msgpack object: it runs once per frame on the hot path,
// must copy nothing, and must stay safe on any input (it is a fuzz target).
#include "tether/protocol/data_frame.h"

#include <msgpack.hpp>

#include <string>

#include "wire_bytes.h"

namespace tether::protocol {
namespace {

using wire::Family;

// Session ids are broker-generated; the cap keeps a hostile id out of routing tables.
constexpr std::size_t kMaxSessionIdBytes = 128;

// A cursor over the frame's bytes. Each Read* checks that the next header is of the
// expected family and that its payload lies inside the buffer.
class FrameReader {
 public:
  explicit FrameReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  Result<wire::Header> Read(Family family, const char* what) {
    const auto header = wire::ReadHeader(bytes_, pos_);
    if (!header) return Status::BadRequest("truncated data frame");
    if (header->family != family) {
      return Status::BadRequest(std::string("data frame ") + what);
    }
    if (header->payload > bytes_.size() - pos_ - header->size) {
      return Status::BadRequest("truncated data frame");
    }
    payload_start_ = pos_ + header->size;
    pos_ = payload_start_ + static_cast<std::size_t>(header->payload);
    return *header;
  }

  // The payload of the header read last, as a view into the buffer.
  std::span<const std::uint8_t> LastPayload() const {
    return bytes_.subspan(payload_start_, pos_ - payload_start_);
  }
  bool AtEnd() const { return pos_ == bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::size_t payload_start_ = 0;
};

}  // namespace

Result<DataFrameView> PeekDataFrame(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return Status::BadRequest("empty data frame");
  FrameReader reader(bytes);
  DataFrameView frame;

  const auto array = reader.Read(Family::kArray, "must be an array");
  if (!array.ok()) return array.status();
  if (array->value != 3) {
    return Status::BadRequest("data frame must have 3 elements, not " +
                              std::to_string(array->value));
  }

  const auto session = reader.Read(Family::kStr, "session id must be a string");
  if (!session.ok()) return session.status();
  const auto id_bytes = reader.LastPayload();
  if (id_bytes.empty()) return Status::BadRequest("data frame session id is empty");
  if (id_bytes.size() > kMaxSessionIdBytes) {
    return Status::BadRequest("data frame session id of " + std::to_string(id_bytes.size()) +
                              " bytes over the limit of " + std::to_string(kMaxSessionIdBytes));
  }
  frame.session_id = std::string_view(reinterpret_cast<const char*>(id_bytes.data()),
                                      id_bytes.size());

  const auto channel = reader.Read(Family::kUint, "channel must be an unsigned integer");
  if (!channel.ok()) return channel.status();
  frame.channel = channel->value;

  const auto payload = reader.Read(Family::kBin, "payload must be binary");
  if (!payload.ok()) return payload.status();
  frame.payload = reader.LastPayload();

  if (!reader.AtEnd()) return Status::BadRequest("trailing bytes after the data frame");
  return frame;
}

std::vector<std::uint8_t> EncodeDataFrame(std::string_view session_id, std::uint64_t channel,
                                          std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out;
  out.reserve(session_id.size() + payload.size() + 16);  // headers take at most 15
  wire::ByteSink sink{&out};
  msgpack::packer<wire::ByteSink> packer(sink);
  packer.pack_array(3);
  // Sizes past 4 GiB cannot occur: messages are capped far below (1 MiB by default).
  packer.pack_str(static_cast<std::uint32_t>(session_id.size()));
  packer.pack_str_body(session_id.data(), static_cast<std::uint32_t>(session_id.size()));
  packer.pack_uint64(channel);
  packer.pack_bin(static_cast<std::uint32_t>(payload.size()));
  packer.pack_bin_body(reinterpret_cast<const char*>(payload.data()),
                       static_cast<std::uint32_t>(payload.size()));
  return out;
}

}  // namespace tether::protocol
