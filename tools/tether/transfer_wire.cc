// File-transfer messages (transfer_wire.h).
#include "tether/transfer_wire.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace tether::tools::cli {

TransferId NewTransferId() {
  TransferId id{};
  // Failing to get randomness is not something a file copy can work around.
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) throw std::runtime_error("no randomness");
  return id;
}

Value FileBeginRequest(std::string_view session_id, const TransferId& id, std::string_view direction,
                       std::string_view name, std::uint64_t size, std::string_view sha256) {
  Value request = Value::MapOf({{"t", "file.begin"},
                                {"session_id", session_id},
                                {"transfer_id", ToHex(id)},
                                {"direction", direction},
                                {"name", name},
                                {"size", size}});
  if (!sha256.empty()) request.Set("sha256", sha256);
  return request;
}

Value FileEndRequest(std::string_view session_id, const TransferId& id, std::string_view sha256, bool ok) {
  return Value::MapOf({{"t", "file.end"},
                       {"session_id", session_id},
                       {"transfer_id", ToHex(id)},
                       {"sha256", sha256},
                       {"ok", ok}});
}

bool IsForTransfer(const Value& event, const TransferId& id) {
  const Value* field = event.Find("transfer_id");
  if (field == nullptr || !field->is_string()) return false;
  std::optional<TransferId> parsed = TransferIdFromHex(field->as_string());
  return parsed.has_value() && *parsed == id;
}

}  // namespace tether::tools::cli
