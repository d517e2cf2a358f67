// ParseScenario: reads a scenario file (docs/scenarios.md) into a checked Scenario. A
// malformed one is refused with "FILE:LINE: reason" as a bad_request Status: the YAML
// itself, an unknown key or step, a wrong type, or a reference to something the file
// never declares (a user, device, group, role, actor or session label).
#pragma once

#include <string>

#include "scenario.h"

namespace tether::sim {

protocol::Result<Scenario> ParseScenarioFile(const std::string& path);
// `file` only names the source in errors.
protocol::Result<Scenario> ParseScenarioText(const std::string& text, const std::string& file);

}  // namespace tether::sim
