// Fuzz target: ParseScenarioText (tools/tether-sim/scenario_parser.cc), the tether-sim
// scenario parser over yaml-cpp. A scenario file may come from anyone who sends a bug
// report; the parser must refuse what it cannot read with "FILE:LINE: reason"
// (bad_request), never crash, hang or throw past its edge.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenario_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto scenario = tether::sim::ParseScenarioText(text, "fuzz.yaml");
  if (!scenario.ok() && scenario.status().code() != tether::protocol::ErrorCode::kBadRequest) {
    std::abort();
  }
  return 0;
}
