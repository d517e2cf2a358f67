// Unattended devices: deploy_key.create, device.list, session.connect,
// device.rotate_secret, device.delete, device.wake (PROTOCOL.md "Sessions",
// protocol/PROTOCOL.md §5).
#include <map>

#include "auth/secrets.h"
#include "broker.h"
#include "handlers/admin_request.h"
#include "handlers/device_view.h"
#include "handlers/fields.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"
#include "sessions/session_service.h"

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

AdminOutcome CreateDeployKey(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kDeployKeyCreate));
  auto group_id = RequireGroupId(context.body, "group_id");
  TETHER_REFUSE_IF(group_id.status());
  if (*group_id != 0) {
    auto facts = LoadOrgFacts(store, context.actor.org_id);
    if (!facts.ok()) return AdminOutcome::Refused(facts.status());
    TETHER_REFUSE_IF(policy::CheckPlanAllowsGroups(*facts));
    if (!store.GetGroup(context.actor.org_id, *group_id).ok()) {
      return AdminOutcome::Refused(Status::NotFound("group " + std::to_string(*group_id) + " not found"));
    }
  }
  auto secret = auth::RandomHex(32);
  if (!secret.ok()) return AdminOutcome::Refused(secret.status());
  std::string key = "dk_" + *secret;
  storage::DeployKey record;
  record.key_hash = auth::Sha256Hex(key);
  record.org_id = context.actor.org_id;
  record.group_id = *group_id;
  record.created_by = context.actor.user_id;
  record.created_at = context.now_ms;
  TETHER_REFUSE_IF(store.CreateDeployKey(record));
  AdminOutcome outcome;
  outcome.target = std::to_string(*group_id);
  outcome.reply.Set("deployment_key", key);
  return outcome;
}

}  // namespace

DeviceView LoadDevice(storage::Store& store, std::int64_t org_id, const std::string& device_id) {
  DeviceView view;
  auto device = store.GetDevice(org_id, device_id);
  if (!device.ok()) {
    view.status = Status::NotFound("device '" + device_id + "' not found");
    return view;
  }
  view.device = *device;
  bool group_wants = false;
  if (device->group_id != 0) {
    auto group = store.GetGroup(org_id, device->group_id);
    if (group.ok()) {
      view.department = group->department;
      group_wants = group->session_confirmation;
    }
  }
  // POLICY.md: the organisation or the device's group may require the user's consent.
  auto org = store.GetOrganization(org_id);
  const Value* wanted = org.ok() ? org->preferences.Find("session_confirmation") : nullptr;
  view.confirmation_required = group_wants || (wanted && wanted->is_bool() && wanted->as_bool());
  view.recorded = OrganisationRecords(store, org_id);
  return view;
}

void HandleDeployKeyCreate(Request& request) {
  RunAdminRequest(request, "deploy_key.create", &CreateDeployKey);
}

void HandleDeviceList(Request& request) {
  Connection& c = request.connection;
  const Value* group = request.message.body.Find("group_id");
  std::int64_t group_id = -1;
  if (group != nullptr) {
    auto parsed = RequireGroupId(request.message.body, "group_id");
    if (!parsed.ok()) return c.ReplyError(request.id, parsed.status());
    group_id = *parsed;
  }
  struct Listing {
    Status status;
    std::vector<storage::Device> devices;
    std::map<std::int64_t, std::string> departments;
  };
  std::int64_t org_id = c.identity().actor.org_id;
  c.broker().OnStorage<Listing>(
      [org_id, group_id](storage::Store& store) {
        Listing listing;
        auto devices = store.ListDevices(org_id, group_id);
        auto groups = store.ListGroups(org_id);
        if (!devices.ok()) listing.status = devices.status();
        if (devices.ok()) listing.devices = *devices;
        if (groups.ok()) {
          for (const storage::Group& g : *groups) listing.departments[g.id] = g.department;
        }
        return listing;
      },
      [ref = c.ref(), re = request.id](Listing listing) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!listing.status.ok()) return c->ReplyError(re, listing.status);
        // Only devices in scope (POLICY.md "Groups and scope"); online state is the broker's.
        Value list = Value::MakeArray();
        std::int64_t now = c->broker().clock().NowMs();
        for (const storage::Device& d : listing.devices) {
          if (!policy::ScopeCovers(c->identity().actor.scope, d.group_id, listing.departments[d.group_id])) continue;
          list.Push(DeviceToWire(d, c->broker().DeviceConnection(d.id) != nullptr, now));
        }
        c->Reply(re, Value::MapOf({{"devices", std::move(list)}}));
      });
}

void RefuseAudited(Connection& c, std::uint64_t re, const std::string& action, const std::string& target,
                   const Status& refusal) {
  storage::AuditEvent event = c.NewAuditEvent(action, AuditOutcomeOf(refusal));
  event.target = target;
  event.details = Value::MapOf({{"reason", refusal.message()}});
  ConfirmAfterAudit(c.ref(), re, std::move(event), [re, refusal](Connection& done) { done.ReplyError(re, refusal); });
}

void WithDeviceInScope(Connection& c, std::uint64_t re, std::string action, std::string device_id,
                       std::function<void(Connection&, const DeviceView&)> then) {
  std::int64_t org_id = c.identity().actor.org_id;
  c.broker().OnStorage<DeviceView>(
      [org_id, device_id](storage::Store& store) { return LoadDevice(store, org_id, device_id); },
      [ref = c.ref(), re, action = std::move(action), device_id, then = std::move(then)](DeviceView view) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!view.status.ok()) return RefuseAudited(*c, re, action, device_id, view.status);
        if (!policy::ScopeCovers(c->identity().actor.scope, view.device.group_id, view.department)) {
          return RefuseAudited(*c, re, action, device_id,
                               Status::PermissionDenied("the device's group is outside your scope"));
        }
        then(*c, view);
      });
}

void HandleSessionConnect(Request& request) {
  Connection& c = request.connection;
  auto device_id = protocol::RequireString(request.message.body, "device_id");
  if (!device_id.ok()) return c.ReplyError(request.id, device_id.status());
  Status allowed = policy::Authorize(c.identity().actor, policy::Action::kSessionConnect);
  if (!allowed.ok()) return RefuseAudited(c, request.id, "session.connect", *device_id, allowed);
  WithDeviceInScope(
      c, request.id, "session.connect", *device_id, [re = request.id, id = *device_id](Connection& conn, const DeviceView& view) {
        Connection* c = &conn;
        ConnectionRef ref = c->ref();
        Connection* agent = c->broker().DeviceConnection(id);
        if (agent == nullptr) return RefuseAudited(*c, re, "session.connect", id, Status(ErrorCode::kDeviceOffline, "the device is offline"));
        auto session = c->broker().sessions().ConnectUnattended(*c, *agent, view.device, view.department,
                                                                view.confirmation_required, view.recorded);
        if (!session.ok()) return RefuseAudited(*c, re, "session.connect", id, session.status());
        storage::AuditEvent event = c->NewAuditEvent("session.created", kOutcomeOk);
        event.session_id = (*session)->id;
        event.target = id;
        event.details = Value::MapOf({{"mode", "unattended"},
                                      {"consent_required", view.confirmation_required},
                                      {"recorded", view.recorded}});
        std::string session_id = (*session)->id;
        ConfirmAfterAudit(ref, re, std::move(event), [re, session_id](Connection& done) {
          done.Reply(re, Value::MapOf({{"session_id", session_id}}));
          SessionService& sessions = done.broker().sessions();
          if (Session* live = sessions.registry().Find(session_id)) sessions.AskConsent(*live);
        });
      });
}

namespace {

AdminOutcome RotateSecret(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kDeviceManage));
  auto device_id = protocol::RequireString(context.body, "device_id");
  TETHER_REFUSE_IF(device_id.status());
  auto secret = auth::RandomHex(32);
  if (!secret.ok()) return AdminOutcome::Refused(secret.status());
  TETHER_REFUSE_IF(store.SetDeviceSecret(context.actor.org_id, *device_id, auth::Sha256Hex(*secret)));
  AdminOutcome outcome;
  outcome.target = *device_id;
  outcome.reply.Set("secret", *secret);
  outcome.close_devices.push_back(*device_id);  // it must come back with the new secret
  return outcome;
}

AdminOutcome DeleteDevice(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kDeviceManage));
  auto device_id = protocol::RequireString(context.body, "device_id");
  TETHER_REFUSE_IF(device_id.status());
  TETHER_REFUSE_IF(store.DeleteDevice(context.actor.org_id, *device_id));
  AdminOutcome outcome;
  outcome.target = *device_id;
  outcome.close_devices.push_back(*device_id);
  return outcome;
}

}  // namespace

// A device may rotate its own secret (the answer reaches only it); an administrator
// with `deployment` may rotate any device's, which disconnects it.
void HandleDeviceRotateSecret(Request& request) {
  Connection& c = request.connection;
  if (c.identity().kind != Identity::Kind::kDevice) {
    return RunAdminRequest(request, "device.rotate_secret", &RotateSecret);
  }
  const storage::Device& self = c.identity().device;
  auto secret = auth::RandomHex(32);
  if (!secret.ok()) return c.ReplyError(request.id, secret.status());
  std::string hash = auth::Sha256Hex(*secret);
  c.broker().OnStorage<Status>(
      [self, hash](storage::Store& store) { return store.SetDeviceSecret(self.org_id, self.id, hash); },
      [ref = c.ref(), re = request.id, secret = *secret](Status stored) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!stored.ok()) return c->ReplyError(re, stored);
        ConfirmAfterAudit(ref, re, c->NewAuditEvent("device.rotate_secret", kOutcomeOk),
                          [re, secret](Connection& done) { done.Reply(re, Value::MapOf({{"secret", secret}})); });
      });
}

void HandleDeviceDelete(Request& request) { RunAdminRequest(request, "device.delete", &DeleteDevice); }

// Wake-on-LAN through an online agent of the same group (PROTOCOL.md "device.wake").
void HandleDeviceWake(Request& request) {
  Connection& c = request.connection;
  auto device_id = protocol::RequireString(request.message.body, "device_id");
  if (!device_id.ok()) return c.ReplyError(request.id, device_id.status());
  Status allowed = policy::Authorize(c.identity().actor, policy::Action::kDeviceWake);
  if (!allowed.ok()) return RefuseAudited(c, request.id, "device.wake", *device_id, allowed);
  WithDeviceInScope(
      c, request.id, "device.wake", *device_id, [re = request.id, id = *device_id](Connection& conn, const DeviceView& view) {
        Connection* c = &conn;
        ConnectionRef ref = c->ref();
        Status refusal;
        if (c->broker().DeviceConnection(id) != nullptr) refusal = Status::Conflict("the device is online");
        if (refusal.ok() && view.device.mac.empty()) refusal = Status::Conflict("no MAC address is known for the device");
        Connection* waker = nullptr;
        c->broker().ForEachConnection([&](Connection& other) {
          if (waker == nullptr && other.authenticated() && other.identity().kind == Identity::Kind::kDevice &&
              other.identity().device.org_id == view.device.org_id &&
              other.identity().device.group_id == view.device.group_id) {
            waker = &other;
          }
        });
        if (refusal.ok() && waker == nullptr) {
          refusal = Status(ErrorCode::kDeviceOffline, "no online agent in the device's group can wake it");
        }
        if (!refusal.ok()) return RefuseAudited(*c, re, "device.wake", id, refusal);
        const BrokerConfig& config = c->broker().config();
        Value wake = Value::MapOf({{"mac", view.device.mac}, {"address", config.wake_address},
                                   {"port", static_cast<std::uint64_t>(config.wake_port)}});
        storage::AuditEvent event = c->NewAuditEvent("device.wake", kOutcomeOk);
        event.target = id;
        event.details = Value::MapOf({{"via", waker->identity().device.id}});
        ConfirmAfterAudit(ref, re, std::move(event), [re, wake, waker_id = waker->id()](Connection& done) {
          if (Connection* w = done.broker().FindConnection(waker_id)) w->SendEvent("device.wake_request", wake);
          done.Reply(re);
        });
      });
}

}  // namespace tether::broker
