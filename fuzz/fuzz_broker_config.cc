// Fuzz target: the broker's TOML config parser (broker/core/config.cc over toml++). A
// config file is the operator's, but a parser that crashes or reads out of bounds on a
// typo is a broker that does not start, or worse: every refusal must be bad_request naming
// the file and line, and whatever is accepted must stay in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tether::broker::BrokerConfig config;
  const auto status = tether::broker::LoadConfigText(text, "fuzz.toml", config);
  if (!status.ok()) {
    if (status.code() != tether::protocol::ErrorCode::kBadRequest) std::abort();
    if (status.message().rfind("fuzz.toml:", 0) != 0) std::abort();  // names the file
  }
  return 0;
}
