// Scope on the wire and the two questions policy asks of it (POLICY.md "Groups and scope").
#include "policy/scope.h"

#include <algorithm>
#include <limits>
#include <string_view>

namespace tether::broker::policy {
namespace {

using protocol::Result;
using protocol::Status;
using protocol::Value;

// Group ids are strings on the wire (PROTOCOL.md: "Ids are strings") holding a decimal
// integer in canonical form: digits only, no sign, no leading zero, fits int64. Canonical
// so that ScopeToWire(ScopeFromWire(x)) gives back x and "07" cannot pose as "7".
bool ParseGroupId(std::string_view text, std::int64_t* id) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    int digit = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *id = value;
  return true;
}

Status ParseGroups(const Value& list, Scope* scope) {
  if (!list.is_array()) return Status::BadRequest("scope 'groups' must be a list of group ids");
  for (const Value& item : list.as_array()) {
    std::int64_t id = 0;
    if (!item.is_string() || !ParseGroupId(item.as_string(), &id)) {
      return Status::BadRequest("scope 'groups' holds " + item.ToJson() +
                                ", which is not a group id (a string of decimal digits)");
    }
    // Duplicates are harmless on the wire; stored once.
    if (std::find(scope->groups.begin(), scope->groups.end(), id) == scope->groups.end()) {
      scope->groups.push_back(id);
    }
  }
  return Status::Ok();
}

Status ParseDepartments(const Value& list, Scope* scope) {
  if (!list.is_array()) return Status::BadRequest("scope 'departments' must be a list of names");
  for (const Value& item : list.as_array()) {
    // "" is how ScopeCovers is told a group has no department: it must never match.
    if (!item.is_string() || item.as_string().empty()) {
      return Status::BadRequest("scope 'departments' holds " + item.ToJson() +
                                ", which is not a department name (a non-empty string)");
    }
    const std::string& name = item.as_string();
    if (std::find(scope->departments.begin(), scope->departments.end(), name) ==
        scope->departments.end()) {
      scope->departments.push_back(name);
    }
  }
  return Status::Ok();
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool ReachesSomeGroup(const Scope& scope) {
  return scope.all_groups || !scope.groups.empty() || !scope.departments.empty();
}

}  // namespace

Result<Scope> ScopeFromWire(const Value& value) {
  Scope scope;
  if (value.is_nil()) return scope;
  if (!value.is_map()) return Status::BadRequest("scope must be nil (all groups) or a map");
  // A map is a chosen list, even an empty one: a scope that reaches no group at all.
  // Unknown keys are ignored, as for every request field (PROTOCOL.md).
  scope.all_groups = false;
  if (const Value* groups = value.Find("groups"); groups != nullptr) {
    if (Status s = ParseGroups(*groups, &scope); !s.ok()) return s;
  }
  if (const Value* departments = value.Find("departments"); departments != nullptr) {
    if (Status s = ParseDepartments(*departments, &scope); !s.ok()) return s;
  }
  return scope;
}

Value ScopeToWire(const Scope& scope) {
  if (scope.all_groups) return Value();
  Value groups = Value::MakeArray();
  for (std::int64_t id : scope.groups) groups.Push(Value(std::to_string(id)));
  Value departments = Value::MakeArray();
  for (const std::string& name : scope.departments) departments.Push(Value(name));
  return Value::MapOf({{"groups", std::move(groups)}, {"departments", std::move(departments)}});
}

bool ScopeCovers(const Scope& scope, std::int64_t group_id, const std::string& department) {
  if (scope.all_groups) return true;
  if (std::find(scope.groups.begin(), scope.groups.end(), group_id) != scope.groups.end()) {
    return true;
  }
  return !department.empty() && Contains(scope.departments, department);
}

bool ScopesOverlap(const Scope& a, const Scope& b) {
  // All groups shares a group with any scope that reaches one; an empty chosen list
  // (a user given no groups at all) shares nothing, not even with all groups.
  if (a.all_groups) return ReachesSomeGroup(b);
  if (b.all_groups) return ReachesSomeGroup(a);
  for (std::int64_t id : a.groups) {
    if (std::find(b.groups.begin(), b.groups.end(), id) != b.groups.end()) return true;
  }
  for (const std::string& name : a.departments) {
    if (!name.empty() && Contains(b.departments, name)) return true;
  }
  return false;
}

}  // namespace tether::broker::policy
