// The preference table.
#include "policy/preferences.h"

#include <array>
#include <cstdint>
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
  std::uint64_t min = 0;           // kUint only
  std::uint64_t max = UINT64_MAX;  // kUint only
};

// Retention below a day would prune events before anyone could look at them; above a
// century is a typo (the broker cannot compute a cutoff that far back sensibly anyway).
constexpr std::uint64_t kMinRetentionDays = 1;
constexpr std::uint64_t kMaxRetentionDays = 36500;

const std::array<Preference, 6> kPreferences = {{
    {"notify_technician_changes", Type::kBool, [] { return Value(false); }, Action::kOrgChangePreferences},
    {"announce_supervisors", Type::kBool, [] { return Value(true); }, Action::kOrgChangePreferences},
    {"session_confirmation", Type::kBool, [] { return Value(false); }, Action::kOrgChangeSessionConfirmation},
    {"recording", Type::kBool, [] { return Value(false); }, Action::kOrgChangePreferences},
    {"require_2fa", Type::kBool, [] { return Value(false); }, Action::kOrgChangeTwoFactorPolicy},
    {"audit_retention_days", Type::kUint, [] { return Value(365u); }, Action::kOrgChangePreferences,
     kMinRetentionDays, kMaxRetentionDays},
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
    if (p.type == Type::kUint && (value.as_uint() < p.min || value.as_uint() > p.max)) {
      return Status::BadRequest("preference '" + std::string(name) + "' must be " + std::to_string(p.min) +
                                " to " + std::to_string(p.max));
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
