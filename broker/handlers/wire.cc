// Stored records to wire maps.
#include "handlers/wire.h"

#include "policy/preferences.h"
#include "policy/privileges.h"

namespace tether::broker {

using protocol::Value;

Value UserToWire(const storage::User& user) {
  return Value::MapOf({{"id", std::to_string(user.id)},
                       {"email", user.email},
                       {"name", user.name},
                       {"role", user.role_id},
                       {"hidden", user.hidden}});
}

Value ListedUserToWire(const storage::User& user) {
  Value out = UserToWire(user);
  out.Set("status", user.status);
  out.Set("scope", user.scope);
  return out;
}

namespace {

Value NameList(const std::vector<std::string>& names) {
  Value list = Value::MakeArray();
  for (const std::string& name : names) list.Push(name);
  return list;
}

std::string Text(const Value& map, const char* key) {
  const Value* v = map.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

}  // namespace

Value RoleToWire(const storage::Role& role) {
  return Value::MapOf({{"id", role.id}, {"name", role.name}, {"description", role.description},
                       {"privileges", NameList(role.privileges)}, {"builtin", false}});
}

Value BuiltinRolesToWire() {
  struct Builtin {
    std::string_view id, name, description;
  };
  static constexpr Builtin kBuiltins[] = {
      {policy::kSuperAdminRole, "Super Admin", "Owns the organisation: every privilege"},
      {policy::kAdminRole, "Admin", "Manages technicians, groups and settings"},
      {policy::kTechnicianRole, "Technician", "Runs remote-support sessions"},
  };
  Value list = Value::MakeArray();
  for (const Builtin& b : kBuiltins) {
    list.Push(Value::MapOf({{"id", b.id}, {"name", b.name}, {"description", b.description},
                            {"privileges", NameList(policy::PrivilegeNames(*policy::BuiltinRolePrivileges(b.id)))},
                            {"builtin", true}}));
  }
  return list;
}

Value GroupToWire(const storage::Group& group, std::uint32_t devices) {
  return Value::MapOf({{"id", std::to_string(group.id)},
                       {"name", group.name},
                       {"department", group.department.empty() ? Value() : Value(group.department)},
                       {"session_confirmation", group.session_confirmation},
                       {"devices", devices}});
}

Value NotificationToWire(const storage::Notification& n) {
  return Value::MapOf({{"id", std::to_string(n.id)},
                       {"kind", n.kind},
                       {"text", Text(n.body, "text")},
                       {"actor", Text(n.body, "actor")},
                       {"target", Text(n.body, "target")},
                       {"time", static_cast<std::uint64_t>(n.created_at)},
                       {"read", n.read}});
}

Value DeviceToWire(const storage::Device& device, bool online, std::int64_t now_ms) {
  return Value::MapOf({{"device_id", device.id},
                       {"name", device.name},
                       {"os", device.os},
                       {"group_id", std::to_string(device.group_id)},
                       {"online", online},
                       {"last_seen", static_cast<std::uint64_t>(online ? now_ms : device.last_seen)}});
}

Value OrgToWire(const storage::Organization& org, std::uint32_t seats_used) {
  return Value::MapOf({{"slug", org.slug},
                       {"name", org.name},
                       {"plan", org.plan},
                       {"seats", org.seats},
                       {"seats_used", seats_used},
                       {"preferences", policy::EffectivePreferences(org.preferences)}});
}

}  // namespace tether::broker
