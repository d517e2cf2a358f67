// Small helpers for reading a scenario's YAML with errors that name the line: every
// helper throws ScenarioError, which ParseScenario turns into "file:line: reason".
// (Exceptions stay inside the parser; its callers get a Result.)
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>

#include "scenario.h"

namespace tether::sim::yaml {

struct ScenarioError : std::runtime_error {
  ScenarioError(int line, const std::string& reason) : std::runtime_error(reason), line(line) {}
  int line;
};

// 1-based line of a node (0 when yaml-cpp knows none).
int LineOf(const YAML::Node& node);
[[noreturn]] void Fail(const YAML::Node& node, const std::string& reason);

// `what` names the field in the error ("field 'seats'").
std::string String(const YAML::Node& node, const std::string& what);
std::int64_t Integer(const YAML::Node& node, const std::string& what);
bool Bool(const YAML::Node& node, const std::string& what);
std::vector<std::string> StringList(const YAML::Node& node, const std::string& what);
// An integer of milliseconds, or a number with a unit: "250ms", "5s", "10m", "2h", "7d".
Millis Duration(const YAML::Node& node, const std::string& what);
// Any YAML value as a protocol Value: quoted scalars stay strings; plain ones become
// nil (~, null), bools, integers or floats when they read as such.
Value ToValue(const YAML::Node& node);

// Refuses a map key outside `allowed`, naming it.
void CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where);
void RequireMap(const YAML::Node& node, const std::string& what);

}  // namespace tether::sim::yaml
