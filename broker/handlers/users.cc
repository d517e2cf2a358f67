// user.list, user.update, user.remove, user.transfer_ownership, user.password_reset
// (POLICY.md "Privileges": no escalation, one Super Admin, only the Super Admin changes
// an Admin; "Licences").
#include "auth/secrets.h"
#include "handlers/admin_request.h"
#include "handlers/fields.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::int64_t kResetLifeMs = 7LL * 24 * 3600 * 1000;

policy::TargetUser TargetOf(const storage::User& user) {
  return policy::TargetUser{user.id, user.org_id, user.role_id, user.hidden};
}

// The user named by `user_id`, if policy lets the actor change them at all. Users of
// other organisations and hidden support users are not_found, never "forbidden".
protocol::Result<storage::User> ChangeableUser(storage::Store& store, const AdminContext& context) {
  auto id = RequireNumericId(context.body, "user_id");
  if (!id.ok()) return id.status();
  auto user = store.GetUser(*id);
  if (!user.ok() || user->org_id != context.actor.org_id || user->hidden) {
    return Status::NotFound("user " + std::to_string(*id) + " not found");
  }
  Status allowed = policy::AuthorizeUserChange(context.actor, TargetOf(*user));
  if (!allowed.ok()) return allowed;
  return user;
}

Status CheckScopeGroupsExist(storage::Store& store, std::int64_t org_id, const policy::Scope& scope) {
  for (std::int64_t group_id : scope.groups) {
    if (!store.GetGroup(org_id, group_id).ok()) return Status::NotFound("group " + std::to_string(group_id) + " not found");
  }
  return Status::Ok();
}

AdminOutcome ListUsers(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kUserList));
  auto users = store.ListUsers(context.actor.org_id, /*include_hidden=*/false);
  if (!users.ok()) return AdminOutcome::Refused(users.status());
  Value list = Value::MakeArray();
  for (const storage::User& user : *users) list.Push(ListedUserToWire(user));
  AdminOutcome outcome;
  outcome.reply.Set("users", std::move(list));
  return outcome;
}

// The role part of user.update: no escalation, and a seat if the new role takes one.
Status ChangeRole(storage::Store& store, const AdminContext& context, storage::User& user, const std::string& role) {
  Status allowed = policy::Authorize(context.actor, policy::Action::kUserChangeRole);
  if (!allowed.ok()) return allowed;
  auto privileges = RolePrivileges(store, user.org_id, role);
  if (!privileges.ok()) return Status::NotFound("role '" + role + "' not found");
  allowed = policy::AuthorizeGrant(context.actor, role, *privileges);
  if (!allowed.ok()) return allowed;
  auto old_privileges = RolePrivileges(store, user.org_id, user.role_id);
  bool needs_seat = user.status == "active" && policy::TakesSeat(*privileges) &&
                    !(old_privileges.ok() && policy::TakesSeat(*old_privileges));
  if (needs_seat) {
    auto facts = LoadOrgFacts(store, user.org_id);
    if (!facts.ok()) return facts.status();
    allowed = policy::CheckSeats(*facts, 1);
    if (!allowed.ok()) return allowed;
  }
  user.role_id = role;
  return Status::Ok();
}

Status ChangeScope(storage::Store& store, const AdminContext& context, storage::User& user, const Value& wire) {
  Status allowed = policy::Authorize(context.actor, policy::Action::kUserChangeScope);
  if (!allowed.ok()) return allowed;
  auto scope = policy::ScopeFromWire(wire);
  if (!scope.ok()) return scope.status();
  auto facts = LoadOrgFacts(store, user.org_id);
  if (!facts.ok()) return facts.status();
  allowed = policy::AuthorizeScopeAssignment(context.actor, *facts, *scope);
  if (!allowed.ok()) return allowed;
  allowed = CheckScopeGroupsExist(store, user.org_id, *scope);
  if (!allowed.ok()) return allowed;
  user.scope = policy::ScopeToWire(*scope);
  return Status::Ok();
}

Status ChangeStatus(storage::Store& store, const AdminContext& context, storage::User& user, const std::string& status) {
  Status allowed = policy::Authorize(context.actor, policy::Action::kUserChangeStatus);
  if (!allowed.ok()) return allowed;
  if (status != "active" && status != "disabled") return Status::BadRequest("field 'status' must be \"active\" or \"disabled\"");
  if (status == "active" && user.status != "active") {
    auto privileges = RolePrivileges(store, user.org_id, user.role_id);
    auto facts = LoadOrgFacts(store, user.org_id);
    if (!facts.ok()) return facts.status();
    if (privileges.ok() && policy::TakesSeat(*privileges)) {
      allowed = policy::CheckSeats(*facts, 1);
      if (!allowed.ok()) return allowed;
    }
  }
  user.status = status;
  return Status::Ok();
}

AdminOutcome UpdateUser(storage::Store& store, const AdminContext& context) {
  auto user = ChangeableUser(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  const Value* role = context.body.Find("role");
  const Value* scope = context.body.Find("scope");
  const Value* status = context.body.Find("status");
  if (!role && !scope && !status) return AdminOutcome::Refused(Status::BadRequest("user.update changes nothing"));
  if (user->role_id == policy::kSuperAdminRole && (role || status)) {
    return AdminOutcome::Refused(
        Status::Conflict("the Super Admin's role and status change only by transferring ownership"));
  }
  storage::User updated = *user;
  if (role && !role->is_string()) return AdminOutcome::Refused(Status::BadRequest("field 'role' must be a string"));
  if (status && !status->is_string()) return AdminOutcome::Refused(Status::BadRequest("field 'status' must be a string"));
  if (role) TETHER_REFUSE_IF(ChangeRole(store, context, updated, role->as_string()));
  if (scope) TETHER_REFUSE_IF(ChangeScope(store, context, updated, *scope));
  if (status) TETHER_REFUSE_IF(ChangeStatus(store, context, updated, status->as_string()));
  TETHER_REFUSE_IF(store.UpdateUser(updated));
  AdminOutcome outcome;
  outcome.target = std::to_string(updated.id);
  if (updated.status != "active") {
    outcome.close_users.push_back(updated.id);
  } else {
    outcome.refresh_users.push_back(updated.id);
  }
  std::vector<std::string> changed;
  if (role) changed.push_back("role to " + updated.role_id);
  if (scope) changed.push_back("groups");
  if (status) changed.push_back("status to " + updated.status);
  std::string what;
  for (const std::string& part : changed) what += (what.empty() ? "" : ", ") + part;
  NotifyTechnicianChange(store, context, outcome, "technician_changed",
                         "An Admin changed the " + what + " of " + updated.email);
  return outcome;
}

AdminOutcome RemoveUser(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kUserRemove));
  auto user = ChangeableUser(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  if (user->role_id == policy::kSuperAdminRole) {
    return AdminOutcome::Refused(Status::Conflict("the Super Admin cannot be removed; transfer ownership first"));
  }
  TETHER_REFUSE_IF(store.DeleteUser(user->id));
  AdminOutcome outcome;
  outcome.target = std::to_string(user->id);
  outcome.details.Set("email", user->email);
  outcome.close_users.push_back(user->id);
  NotifyTechnicianChange(store, context, outcome, "technician_removed", "An Admin removed " + user->email);
  return outcome;
}

AdminOutcome TransferOwnership(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kUserTransferOwnership));
  auto user = ChangeableUser(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  if (user->id == context.actor.user_id) return AdminOutcome::Refused(Status::Conflict("you already own the organisation"));
  if (user->status != "active") return AdminOutcome::Refused(Status::Conflict("ownership goes to an active user only"));
  auto privileges = RolePrivileges(store, user->org_id, user->role_id);
  if (privileges.ok() && !policy::TakesSeat(*privileges)) {  // a Super Admin takes a seat
    auto facts = LoadOrgFacts(store, user->org_id);
    if (!facts.ok()) return AdminOutcome::Refused(facts.status());
    TETHER_REFUSE_IF(policy::CheckSeats(*facts, 1));
  }
  TETHER_REFUSE_IF(store.TransferOwnership(context.actor.user_id, user->id));
  AdminOutcome outcome;
  outcome.target = std::to_string(user->id);
  outcome.refresh_users = {context.actor.user_id, user->id};
  return outcome;
}

AdminOutcome ResetPassword(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kUserPasswordReset));
  auto user = ChangeableUser(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  auto token = auth::RandomHex();
  if (!token.ok()) return AdminOutcome::Refused(token.status());
  storage::Invitation reset;
  reset.token_hash = auth::Sha256Hex(*token);
  reset.org_id = user->org_id;
  reset.kind = "reset";
  reset.email = user->email;
  reset.user_id = user->id;
  reset.created_by = context.actor.user_id;
  reset.created_at = context.now_ms;
  reset.expires_at = context.now_ms + kResetLifeMs;
  TETHER_REFUSE_IF(store.CreateInvitations({reset}));
  AdminOutcome outcome;
  outcome.target = std::to_string(user->id);
  outcome.reply = Value::MapOf({{"token", *token}, {"expires_at", static_cast<std::uint64_t>(reset.expires_at)}});
  NotifyTechnicianChange(store, context, outcome, "technician_password_reset",
                         "An Admin reset the password of " + user->email);
  return outcome;
}

}  // namespace

void HandleUserList(Request& request) { RunAdminRequest(request, "user.list", &ListUsers); }
void HandleUserUpdate(Request& request) { RunAdminRequest(request, "user.update", &UpdateUser); }
void HandleUserRemove(Request& request) { RunAdminRequest(request, "user.remove", &RemoveUser); }
void HandleUserTransferOwnership(Request& request) {
  RunAdminRequest(request, "user.transfer_ownership", &TransferOwnership);
}
void HandleUserPasswordReset(Request& request) { RunAdminRequest(request, "user.password_reset", &ResetPassword); }

}  // namespace tether::broker
