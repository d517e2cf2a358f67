// The preference table.
#include "policy/preferences.h"

#include <array>
#include <string>

namespace tether::broker::policy {
namespace {

using protocol::Status;
using protocol::Value;

enum class Type { kBool, kUint };

struct Preference {
  std::string_view name;
  Type type;
  Value (*default_value)();
  Action action;
};

const std::array<Preference, 6> kPreferences = {{
    {"notify_technician_changes", Type::kBool, [] { return Value(false); }, Action::kOrgChangePreferences},
    {"announce_supervisors", Type::kBool, [] { return Value(true); }, Action::kOrgChangePreferences},
    {"session_confirmation", Type::kBool, [] { return Value(false); }, Action::kOrgChangeSessionConfirmation},
    {"recording", Type::kBool, [] { return Value(false); }, Action::kOrgChangePreferences},
    {"require_2fa", Type::kBool, [] { return Value(false); }, Action::kOrgChangeTwoFactorPolicy},
    {"audit_retention_days", Type::kUint, [] { return Value(365u); }, Action::kOrgChangePreferences},
}};

}  // namespace

Status ValidatePreference(std::string_view name, const Value& value, Action* action) {
  for (const Preference& p : kPreferences) {
    if (p.name != name) continue;
    bool right_type = p.type == Type::kBool ? value.is_bool() : value.is_uint();
    if (!right_type) {
      return Status::BadRequest("preference '" + std::string(name) + "' must be " +
                                (p.type == Type::kBool ? "a bool" : "an unsigned integer"));
    }
    *action = p.action;
    return Status::Ok();
  }
  return Status::BadRequest("unknown preference '" + std::string(name) + "'");
}

Value EffectivePreferences(const Value& stored) {
  Value out = Value::MakeMap();
  for (const Preference& p : kPreferences) {
    const Value* set = stored.Find(p.name);
    out.Set(std::string(p.name), set ? *set : p.default_value());
  }
  return out;
}

bool IsKnownPlan(std::string_view plan) {
  return plan == "free" || plan == "standard" || plan == "professional" || plan == "enterprise";
}

}  // namespace tether::broker::policy
