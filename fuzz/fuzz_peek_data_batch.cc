// Fuzz target: PeekDataBatch (protocol/src/data_batch.cc), the reader of batches of data
// frames (PROTOCOL.md §2.4). AddressSanitizer catches a read outside the batch; the checks
// below hold it to its contract (data_batch.h): refusals are bad_request, 1 to 1024
// frames, each inner frame's bytes lie inside the batch, back to back, and peek on their
// own as the frame reported; re-encoding the frames gives a batch that peeks the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "tether/protocol/data_batch.h"

using namespace tether::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const auto frames = PeekDataBatch(bytes);
  if (!frames.ok()) {
    if (frames.status().code() != ErrorCode::kBadRequest) std::abort();
    return 0;
  }
  if (frames->empty() || frames->size() > kMaxFramesPerBatch || !IsDataBatch(bytes)) std::abort();
  const std::uint8_t* expected_start = nullptr;
  std::vector<std::vector<std::uint8_t>> copies;
  for (const BatchedFrame& inner : *frames) {
    if (inner.bytes.data() < bytes.data() || inner.bytes.data() + inner.bytes.size() > bytes.data() + bytes.size()) {
      std::abort();
    }
    if (expected_start != nullptr && inner.bytes.data() != expected_start) std::abort();
    expected_start = inner.bytes.data() + inner.bytes.size();
    const auto alone = PeekDataFrame(inner.bytes);
    if (!alone.ok() || alone->session_id != inner.frame.session_id || alone->channel != inner.frame.channel ||
        alone->payload.data() != inner.frame.payload.data()) {
      std::abort();
    }
    copies.emplace_back(inner.bytes.begin(), inner.bytes.end());
  }
  if (expected_start != bytes.data() + bytes.size()) std::abort();
  const auto encoded = EncodeDataBatch(copies);
  const auto again = PeekDataBatch(encoded);
  if (!again.ok() || again->size() != frames->size()) std::abort();
  return 0;
}
