// role.list, role.create, role.update, role.delete (POLICY.md "Privileges").
#include "handlers/admin_request.h"
#include "handlers/fields.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

Status RefuseBuiltin(const std::string& role_id) {
  if (policy::BuiltinRolePrivileges(role_id)) {
    return Status::PermissionDenied("the built-in role '" + role_id + "' cannot be edited or deleted");
  }
  return Status::Ok();
}

AdminOutcome ListRoles(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kRoleList));
  auto custom = store.ListRoles(context.actor.org_id);
  if (!custom.ok()) return AdminOutcome::Refused(custom.status());
  Value roles = BuiltinRolesToWire();
  for (const storage::Role& role : *custom) roles.Push(RoleToWire(role));
  AdminOutcome outcome;
  outcome.reply.Set("roles", std::move(roles));
  return outcome;
}

AdminOutcome CreateRole(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kRoleCreate));
  auto name = RequireText(context.body, "name", 100);
  auto description = RequireText(context.body, "description", 500, /*allow_empty=*/true);
  auto privileges = RequirePrivileges(context.body, "privileges");
  for (const Status* s : {&name.status(), &description.status(), &privileges.status()}) TETHER_REFUSE_IF(*s);
  TETHER_REFUSE_IF(policy::ValidateCustomRole(privileges->set));
  TETHER_REFUSE_IF(policy::AuthorizeGrant(context.actor, "", privileges->set));
  storage::Role role;
  role.org_id = context.actor.org_id;
  role.name = *name;
  role.description = *description;
  role.privileges = privileges->names;
  role.created_by = context.actor.user_id;
  role.created_at = context.now_ms;
  auto created = store.CreateRole(role);
  if (!created.ok()) return AdminOutcome::Refused(created.status());
  AdminOutcome outcome;
  outcome.target = created->id;
  outcome.reply.Set("role_id", created->id);
  return outcome;
}

// Seats a privilege change would add: the role's active users, if it starts to take seats.
Status CheckRoleSeats(storage::Store& store, const storage::Role& before, const policy::PrivilegeSet& after) {
  policy::PrivilegeSet old_set;
  for (const std::string& n : before.privileges) {
    if (auto p = policy::PrivilegeFromWire(n)) old_set.set(static_cast<std::size_t>(*p));
  }
  if (policy::TakesSeat(old_set) || !policy::TakesSeat(after)) return Status::Ok();
  auto holders = store.CountActiveUsersWithRoles(before.org_id, {before.id});
  auto facts = LoadOrgFacts(store, before.org_id);
  if (!holders.ok()) return holders.status();
  if (!facts.ok()) return facts.status();
  return policy::CheckSeats(*facts, *holders);
}

std::vector<std::int64_t> HoldersOf(storage::Store& store, std::int64_t org_id, const std::string& role_id) {
  std::vector<std::int64_t> ids;
  auto users = store.ListUsers(org_id, /*include_hidden=*/true);
  if (!users.ok()) return ids;
  for (const storage::User& u : *users) {
    if (u.role_id == role_id) ids.push_back(u.id);
  }
  return ids;
}

AdminOutcome UpdateRole(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kRoleUpdate));
  auto role_id = protocol::RequireString(context.body, "role_id");
  TETHER_REFUSE_IF(role_id.status());
  TETHER_REFUSE_IF(RefuseBuiltin(*role_id));
  auto role = store.GetRole(context.actor.org_id, *role_id);
  if (!role.ok()) return AdminOutcome::Refused(role.status());
  storage::Role updated = *role;
  if (context.body.Find("name")) {
    auto name = RequireText(context.body, "name", 100);
    TETHER_REFUSE_IF(name.status());
    updated.name = *name;
  }
  if (context.body.Find("description")) {
    auto description = RequireText(context.body, "description", 500, true);
    TETHER_REFUSE_IF(description.status());
    updated.description = *description;
  }
  if (context.body.Find("privileges")) {
    auto privileges = RequirePrivileges(context.body, "privileges");
    TETHER_REFUSE_IF(privileges.status());
    TETHER_REFUSE_IF(policy::ValidateCustomRole(privileges->set));
    TETHER_REFUSE_IF(policy::AuthorizeGrant(context.actor, "", privileges->set));
    TETHER_REFUSE_IF(CheckRoleSeats(store, *role, privileges->set));
    updated.privileges = privileges->names;
  }
  TETHER_REFUSE_IF(store.UpdateRole(updated));
  AdminOutcome outcome;
  outcome.target = updated.id;
  outcome.reply.Set("role", RoleToWire(updated));
  outcome.refresh_users = HoldersOf(store, updated.org_id, updated.id);
  return outcome;
}

AdminOutcome DeleteRole(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kRoleDelete));
  auto role_id = protocol::RequireString(context.body, "role_id");
  TETHER_REFUSE_IF(role_id.status());
  TETHER_REFUSE_IF(RefuseBuiltin(*role_id));
  TETHER_REFUSE_IF(store.DeleteRole(context.actor.org_id, *role_id));
  AdminOutcome outcome;
  outcome.target = *role_id;
  return outcome;
}

}  // namespace

void HandleRoleList(Request& request) { RunAdminRequest(request, "role.list", &ListRoles); }
void HandleRoleCreate(Request& request) { RunAdminRequest(request, "role.create", &CreateRole); }
void HandleRoleUpdate(Request& request) { RunAdminRequest(request, "role.update", &UpdateRole); }
void HandleRoleDelete(Request& request) { RunAdminRequest(request, "role.delete", &DeleteRole); }

}  // namespace tether::broker
