// The steps of an actor: one YAML list item each (docs/scenarios.md "Steps").
#pragma once

#include <yaml-cpp/yaml.h>

#include "scenario.h"

namespace tether::sim {

// Throws yaml::ScenarioError naming the line.
Step ParseStep(const YAML::Node& item, ActorKind actor);

}  // namespace tether::sim
