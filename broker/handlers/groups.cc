// group.list, group.create, group.delete, device.move and licence.get (POLICY.md
// "Groups and scope", "Licences").
#include "handlers/admin_request.h"
#include "handlers/fields.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

AdminOutcome ListGroups(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kGroupList));
  auto groups = store.ListGroups(context.actor.org_id);
  if (!groups.ok()) return AdminOutcome::Refused(groups.status());
  // Those who manage groups see them all; everyone else sees what their scope reaches.
  bool sees_all = policy::Has(context.actor.privileges, policy::Privilege::kGroupPermissions);
  Value list = Value::MakeArray();
  for (const storage::Group& group : *groups) {
    if (!sees_all && !policy::ScopeCovers(context.actor.scope, group.id, group.department)) continue;
    auto devices = store.CountDevicesInGroup(group.org_id, group.id);
    list.Push(GroupToWire(group, devices.ok() ? *devices : 0));
  }
  AdminOutcome outcome;
  outcome.reply.Set("groups", std::move(list));
  return outcome;
}

// The optional "session_confirmation" of group.create / group.update: deciding whether
// sessions need the end user's consent takes the session_confirmation privilege.
Status ApplyConfirmation(const AdminContext& context, storage::Group& group) {
  auto confirmation = protocol::OptionalBool(context.body, "session_confirmation");
  if (!confirmation.ok()) return confirmation.status();
  if (!*confirmation) return Status::Ok();
  Status allowed = policy::Authorize(context.actor, policy::Action::kOrgChangeSessionConfirmation);
  if (!allowed.ok()) return allowed;
  group.session_confirmation = **confirmation;
  return Status::Ok();
}

AdminOutcome UpdateGroup(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kGroupUpdate));
  auto group_id = RequireNumericId(context.body, "group_id");
  TETHER_REFUSE_IF(group_id.status());
  auto group = store.GetGroup(context.actor.org_id, *group_id);
  if (!group.ok()) return AdminOutcome::Refused(group.status());
  if (context.body.Find("name")) {
    auto name = RequireText(context.body, "name", 100);
    TETHER_REFUSE_IF(name.status());
    group->name = *name;
  }
  if (const Value* department = context.body.Find("department")) {
    if (department->is_nil()) {
      group->department.clear();
    } else {
      auto text = RequireText(context.body, "department", 100);
      TETHER_REFUSE_IF(text.status());
      group->department = *text;
    }
  }
  TETHER_REFUSE_IF(ApplyConfirmation(context, *group));
  TETHER_REFUSE_IF(store.UpdateGroup(*group));
  auto devices = store.CountDevicesInGroup(group->org_id, group->id);
  AdminOutcome outcome;
  outcome.target = std::to_string(group->id);
  outcome.reply.Set("group", GroupToWire(*group, devices.ok() ? *devices : 0));
  return outcome;
}

AdminOutcome CreateGroup(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kGroupCreate));
  auto facts = LoadOrgFacts(store, context.actor.org_id);
  if (!facts.ok()) return AdminOutcome::Refused(facts.status());
  TETHER_REFUSE_IF(policy::CheckPlanAllowsGroups(*facts));
  auto name = RequireText(context.body, "name", 100);
  TETHER_REFUSE_IF(name.status());
  storage::Group group;
  group.org_id = context.actor.org_id;
  group.name = *name;
  if (context.body.Find("department") && !context.body.Find("department")->is_nil()) {
    auto department = RequireText(context.body, "department", 100);
    TETHER_REFUSE_IF(department.status());
    group.department = *department;
  }
  TETHER_REFUSE_IF(ApplyConfirmation(context, group));
  group.created_by = context.actor.user_id;
  group.created_at = context.now_ms;
  auto created = store.CreateGroup(group);
  if (!created.ok()) return AdminOutcome::Refused(created.status());
  AdminOutcome outcome;
  outcome.target = std::to_string(created->id);
  outcome.reply.Set("group_id", std::to_string(created->id));
  return outcome;
}

AdminOutcome DeleteGroup(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kGroupDelete));
  auto group_id = RequireNumericId(context.body, "group_id");
  TETHER_REFUSE_IF(group_id.status());
  TETHER_REFUSE_IF(store.DeleteGroup(context.actor.org_id, *group_id));
  AdminOutcome outcome;
  outcome.target = std::to_string(*group_id);
  return outcome;
}

AdminOutcome MoveDevice(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kDeviceMove));
  auto facts = LoadOrgFacts(store, context.actor.org_id);
  if (!facts.ok()) return AdminOutcome::Refused(facts.status());
  TETHER_REFUSE_IF(policy::CheckPlanAllowsGroups(*facts));
  auto device_id = protocol::RequireString(context.body, "device_id");
  auto group_id = RequireGroupId(context.body, "group_id");
  TETHER_REFUSE_IF(device_id.status());
  TETHER_REFUSE_IF(group_id.status());
  TETHER_REFUSE_IF(store.MoveDevice(context.actor.org_id, *device_id, *group_id));
  AdminOutcome outcome;
  outcome.target = *device_id;
  outcome.details.Set("group_id", std::to_string(*group_id));
  return outcome;
}

AdminOutcome GetLicence(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kLicenceGet));
  auto facts = LoadOrgFacts(store, context.actor.org_id);
  if (!facts.ok()) return AdminOutcome::Refused(facts.status());
  AdminOutcome outcome;
  outcome.reply = Value::MapOf({{"seats", facts->seats}, {"seats_used", facts->seats_used}});
  return outcome;
}

AdminOutcome ListNotifications(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kNotificationList));
  auto unread = protocol::OptionalBool(context.body, "unread_only");
  TETHER_REFUSE_IF(unread.status());
  auto found = store.ListNotifications(context.actor.user_id, unread->value_or(false), 500);
  if (!found.ok()) return AdminOutcome::Refused(found.status());
  Value list = Value::MakeArray();
  for (const storage::Notification& n : *found) list.Push(NotificationToWire(n));
  AdminOutcome outcome;
  outcome.reply.Set("notifications", std::move(list));
  return outcome;
}

}  // namespace

void HandleGroupList(Request& request) { RunAdminRequest(request, "group.list", &ListGroups); }
void HandleGroupCreate(Request& request) { RunAdminRequest(request, "group.create", &CreateGroup); }
void HandleGroupDelete(Request& request) { RunAdminRequest(request, "group.delete", &DeleteGroup); }
void HandleGroupUpdate(Request& request) { RunAdminRequest(request, "group.update", &UpdateGroup); }
void HandleDeviceMove(Request& request) { RunAdminRequest(request, "device.move", &MoveDevice); }
void HandleLicenceGet(Request& request) { RunAdminRequest(request, "licence.get", &GetLicence); }
void HandleNotificationList(Request& request) { RunAdminRequest(request, "notification.list", &ListNotifications); }

}  // namespace tether::broker
