// Store reads that feed policy.
#include "handlers/lookups.h"

#include "auth/totp.h"

namespace tether::broker {

using protocol::Result;
using protocol::Status;

Result<policy::PrivilegeSet> RolePrivileges(storage::Store& store, std::int64_t org_id, const std::string& role_id) {
  if (auto builtin = policy::BuiltinRolePrivileges(role_id)) return *builtin;
  auto role = store.GetRole(org_id, role_id);
  if (!role.ok()) return role.status();
  policy::PrivilegeSet set;
  for (const std::string& name : role->privileges) {
    if (auto p = policy::PrivilegeFromWire(name)) set.set(static_cast<std::size_t>(*p));
  }
  return set;
}

Result<std::vector<std::string>> SeatRoleIds(storage::Store& store, std::int64_t org_id) {
  std::vector<std::string> ids;
  for (std::string_view builtin : {policy::kSuperAdminRole, policy::kAdminRole, policy::kTechnicianRole}) {
    if (policy::TakesSeat(*policy::BuiltinRolePrivileges(builtin))) ids.emplace_back(builtin);
  }
  auto roles = store.ListRoles(org_id);
  if (!roles.ok()) return roles.status();
  for (const storage::Role& role : *roles) {
    for (const std::string& name : role.privileges) {
      if (name == policy::WireName(policy::Privilege::kRemoteSupport)) ids.push_back(role.id);
    }
  }
  return ids;
}

Result<policy::OrgFacts> LoadOrgFacts(storage::Store& store, std::int64_t org_id) {
  auto org = store.GetOrganization(org_id);
  if (!org.ok()) return org.status();
  auto seat_roles = SeatRoleIds(store, org_id);
  if (!seat_roles.ok()) return seat_roles.status();
  auto used = store.CountActiveUsersWithRoles(org_id, *seat_roles);
  if (!used.ok()) return used.status();
  return policy::OrgFacts{org->plan, org->seats, *used};
}

Result<storage::User> FindSuperAdmin(storage::Store& store, std::int64_t org_id) {
  auto users = store.ListUsers(org_id, /*include_hidden=*/false);
  if (!users.ok()) return users.status();
  for (const storage::User& user : *users) {
    if (user.role_id == policy::kSuperAdminRole) return user;
  }
  return Status::NotFound("the organisation has no Super Admin");
}

policy::Scope ScopeOf(const storage::User& user) {
  auto scope = policy::ScopeFromWire(user.scope);
  if (scope.ok()) return *scope;
  policy::Scope none;
  none.all_groups = false;
  return none;
}

Status AcceptTotpCode(storage::User& user, std::string_view code, std::int64_t now_ms) {
  if (user.totp_secret.empty()) return Status::Conflict("no authenticator is enrolled; call auth.totp.enroll first");
  auto step = auth::MatchTotpStep(user.totp_secret, code, now_ms);
  if (!step) return Status(protocol::ErrorCode::kOtpRequired, "a valid 6-digit code from your authenticator is required");
  if (*step <= user.totp_last_step) {
    return Status(protocol::ErrorCode::kOtpRequired, "that code was used already; wait for the next one");
  }
  user.totp_last_step = *step;
  return Status::Ok();
}

Result<policy::Actor> ActorFor(storage::Store& store, const storage::User& user) {
  auto privileges = RolePrivileges(store, user.org_id, user.role_id);
  if (!privileges.ok()) return privileges.status();
  policy::Actor actor;
  actor.user_id = user.id;
  actor.org_id = user.org_id;
  actor.role_id = user.role_id;
  actor.privileges = policy::EffectivePrivileges(*privileges, user.hidden);
  actor.support_user = user.hidden;
  actor.scope = ScopeOf(user);
  return actor;
}

bool OrganisationRecords(storage::Store& store, std::int64_t org_id) {
  auto org = store.GetOrganization(org_id);
  const protocol::Value* recording = org.ok() ? org->preferences.Find("recording") : nullptr;
  return recording != nullptr && recording->is_bool() && recording->as_bool();
}

}  // namespace tether::broker
