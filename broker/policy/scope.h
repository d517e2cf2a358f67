// Scope: which unattended groups a user may reach (POLICY.md "Groups and scope"): all
// groups, or a chosen list of groups and departments (a department stands for all its
// groups). Pure; its wire form is nil or {"groups":[ids],"departments":[names]}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::broker::policy {

struct Scope {
  bool all_groups = true;
  std::vector<std::int64_t> groups;      // when !all_groups
  std::vector<std::string> departments;  // when !all_groups
};

// nil → all groups; a map with optional "groups" (list of id strings) and "departments"
// (list of strings). Anything else is bad_request naming what is wrong.
protocol::Result<Scope> ScopeFromWire(const protocol::Value& value);
protocol::Value ScopeToWire(const Scope& scope);

// Whether the scope reaches a group (by id, or through its department; "" = none).
bool ScopeCovers(const Scope& scope, std::int64_t group_id, const std::string& department);
// Whether two users' scopes share a group (attended sessions, POLICY.md): true when
// either is all groups and the other reaches some group, or when they name a common
// group id or department. An empty chosen list overlaps nothing.
bool ScopesOverlap(const Scope& a, const Scope& b);

}  // namespace tether::broker::policy
