// Audit-then-answer-then-effects for admin requests.
#include "handlers/admin_request.h"

#include <algorithm>
#include <map>

#include "broker.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"
#include "sessions/session_service.h"

namespace tether::broker {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

const char* AuditOutcomeOf(const Status& status) {
  if (status.ok()) return kOutcomeOk;
  switch (status.code()) {
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kLicenceExceeded:
    case ErrorCode::kPlanRestricted:
    case ErrorCode::kOtpRequired:
      return kOutcomeDenied;
    default:
      return kOutcomeFailed;
  }
}

namespace {

// The audit target when the job named none (it refused before finding its target): the
// id the request was about.
std::string TargetFromRequest(const Value& body) {
  for (const char* key : {"user_id", "role_id", "group_id", "device_id", "name"}) {
    const Value* v = body.Find(key);
    if (v && v->is_string()) return v->as_string();
  }
  return {};
}

void PushNotifications(Broker& broker, const std::vector<storage::Notification>& notifications) {
  for (const storage::Notification& n : notifications) {
    broker.ForEachConnection([&](Connection& c) {
      if (c.authenticated() && c.identity().actor.user_id == n.user_id) {
        c.SendEvent("notification", Value::MapOf({{"notification", NotificationToWire(n)}}));
      }
    });
  }
}

void ApplyEffects(Broker& broker, AdminOutcome& outcome, std::uint64_t requester) {
  for (const std::string& device_id : outcome.close_devices) {
    if (Session* session = broker.sessions().registry().FindByDevice(device_id)) {
      broker.sessions().End(*session, EndReason::kRevoked);
    }
    if (Connection* device = broker.DeviceConnection(device_id)) device->Close(CloseReason::kRevoked);
  }
  for (std::int64_t user_id : outcome.end_other_sessions_of) {
    CloseOtherConnections(broker, user_id, requester, CloseReason::kUnauthenticated);
  }
  for (std::int64_t user_id : outcome.close_users) CloseUserConnections(broker, user_id, CloseReason::kRevoked);
  if (!outcome.refresh_users.empty()) RefreshUserIdentities(broker, std::move(outcome.refresh_users));
  PushNotifications(broker, outcome.notifications);
  for (std::int64_t user_id : outcome.totp_confirmed_users) {
    broker.ForEachConnection([&](Connection& c) {
      if (c.authenticated() && c.identity().actor.user_id == user_id) c.ClearTotpRequirement();
    });
  }
  if (outcome.then) outcome.then(broker);
}

// The request's audit event, completed with what the job decided.
storage::AuditEvent RecordOf(storage::AuditEvent event, const AdminOutcome& outcome, Value audit_request) {
  event.outcome = AuditOutcomeOf(outcome.status);
  event.target = outcome.target.empty() ? TargetFromRequest(audit_request) : outcome.target;
  event.details = outcome.details;
  event.details.Set("request", std::move(audit_request));
  if (!outcome.status.ok()) event.details.Set("reason", outcome.status.message());
  return event;
}

// Runs the job and appends its audit event in one transaction (POLICY.md "Audit"): the
// change and its record are durable together or not at all. A refused or failed job's
// own writes are undone, and its refusal is still recorded. When the event cannot be
// written nothing of the change stays and the request is answered `internal`.
AdminOutcome ApplyAndAudit(storage::Store& store, const AdminJob& job, const AdminContext& context,
                           storage::AuditEvent event, Value audit_request) {
  AdminOutcome outcome;
  Status recorded = store.Atomically([&] {
    Status applied = store.Atomically([&] {
      outcome = job(store, context);
      return outcome.status;  // not ok: the job's writes are rolled back
    });
    if (!applied.ok() && outcome.status.ok()) outcome = AdminOutcome::Refused(applied);
    std::vector<storage::AuditEvent> events{RecordOf(std::move(event), outcome, std::move(audit_request))};
    return store.AppendAudit(events);
  });
  if (!recorded.ok()) return AdminOutcome::Refused(Status::Internal("the audit log could not be written"));
  // Read in the same job, after the change: applied before the answer goes out, so the
  // changed users' next request is judged by what they are now (PROTOCOL.md §6.8).
  if (outcome.status.ok() && !outcome.refresh_users.empty()) {
    outcome.fresh_identities = LoadFreshIdentities(store, outcome.refresh_users);
    outcome.refresh_users.clear();
  }
  return outcome;
}

// Both kinds of admin request: the job on the storage thread, or on the reader.
void RunAdminJob(Connection& connection, std::uint64_t re, Value body, std::string action, AdminJob job,
                 Value audit_request, bool read_only);

}  // namespace

void RunAdminRequest(Request& request, std::string action, AdminJob job, Value audit_request) {
  RunAdminRequest(request.connection, request.id, request.message.body, std::move(action), std::move(job),
                  std::move(audit_request));
}

void RunAdminRequest(Connection& connection, std::uint64_t re, Value body, std::string action, AdminJob job,
                     Value audit_request) {
  RunAdminJob(connection, re, std::move(body), std::move(action), std::move(job), std::move(audit_request),
              /*read_only=*/false);
}

void RunReadOnlyAdminRequest(Request& request, std::string action, AdminJob job) {
  RunAdminJob(request.connection, request.id, request.message.body, std::move(action), std::move(job),
              request.message.body, /*read_only=*/true);
}

namespace {

void RunAdminJob(Connection& connection, std::uint64_t re, Value body, std::string action, AdminJob job,
                 Value audit_request, bool read_only) {
  AdminContext context{connection.identity().actor, connection.broker().clock().NowMs(), std::move(body)};
  storage::AuditEvent event = connection.NewAuditEvent(std::move(action), "");
  ConnectionRef ref = connection.ref();
  Broker* broker = &connection.broker();
  // Change and record are both durable when `finish` runs: the answer goes to the
  // requester if it is still there, and the live effects happen either way.
  auto finish = [broker, ref, re](AdminOutcome outcome) {
    if (outcome.status.ok()) ApplyFreshIdentities(*broker, outcome.fresh_identities);
    Connection* requester = ref.Get();  // looked up after: a refresh may have closed it
    if (requester != nullptr) {
      if (outcome.status.ok()) {
        requester->Reply(re, std::move(outcome.reply));
      } else {
        requester->ReplyError(re, outcome.status);
      }
    }
    if (outcome.status.ok()) ApplyEffects(*broker, outcome, requester ? requester->id() : 0);
  };
  if (!read_only) {
    broker->OnStorage<AdminOutcome>(
        [job = std::move(job), context = std::move(context), event = std::move(event),
         audit_request = std::move(audit_request)](storage::Store& store) mutable {
          return ApplyAndAudit(store, job, context, std::move(event), std::move(audit_request));
        },
        std::move(finish));
    return;
  }
  // A read changes nothing: its event is appended (group commit) once the reader has
  // answered, and the answer waits for it.
  broker->OnReader<AdminOutcome>(
      [job = std::move(job), context = std::move(context)](storage::Store& store) { return job(store, context); },
      [ref, re, event = std::move(event), audit_request = std::move(audit_request),
       finish = std::move(finish)](AdminOutcome outcome) mutable {
        if (ref.Get() == nullptr) return;
        storage::AuditEvent record = RecordOf(std::move(event), outcome, std::move(audit_request));
        auto shared = std::make_shared<AdminOutcome>(std::move(outcome));
        ConfirmAfterAudit(ref, re, std::move(record), [shared, finish](Connection&) { finish(std::move(*shared)); });
      });
}

}  // namespace

void RefuseAdminRequest(Request& request, std::string action, Status refusal) {
  RunAdminRequest(request, std::move(action), [refusal](storage::Store&, const AdminContext&) {
    return AdminOutcome::Refused(refusal);
  });
}

void NotifyTechnicianChange(storage::Store& store, const AdminContext& context, AdminOutcome& outcome,
                            const std::string& kind, const std::string& text) {
  if (context.actor.role_id != policy::kAdminRole) return;  // "made by an Admin"
  auto org = store.GetOrganization(context.actor.org_id);
  const Value* wanted = org.ok() ? org->preferences.Find("notify_technician_changes") : nullptr;
  if (wanted == nullptr || !wanted->is_bool() || !wanted->as_bool()) return;
  auto owner = FindSuperAdmin(store, context.actor.org_id);
  if (!owner.ok()) return;
  storage::Notification notification;
  notification.org_id = context.actor.org_id;
  notification.user_id = owner->id;
  notification.kind = kind;
  notification.created_at = context.now_ms;
  notification.body = Value::MapOf(
      {{"text", text}, {"actor", std::to_string(context.actor.user_id)}, {"target", outcome.target}});
  auto stored = store.CreateNotification(notification);
  if (stored.ok()) outcome.notifications.push_back(*stored);
}

void CloseOtherConnections(Broker& broker, std::int64_t user_id, std::uint64_t keep, CloseReason reason) {
  broker.ForEachConnection([&](Connection& c) {
    if (c.id() != keep && c.authenticated() && c.identity().actor.user_id == user_id) c.Close(reason);
  });
}

void CloseUserConnections(Broker& broker, std::int64_t user_id, CloseReason reason) {
  // Access gone: the sessions they control end now (revoked), not after the grace.
  if (reason == CloseReason::kRevoked) broker.sessions().EndSessionsControlledBy(user_id);
  broker.ForEachConnection([&](Connection& c) {
    if (c.authenticated() && c.identity().actor.user_id == user_id) c.Close(reason);
  });
}

FreshIdentities LoadFreshIdentities(storage::Store& store, const std::vector<std::int64_t>& user_ids) {
  FreshIdentities fresh;
  for (std::int64_t id : user_ids) {
    auto user = store.GetUser(id);
    auto actor = user.ok() ? ActorFor(store, *user) : protocol::Result<policy::Actor>(user.status());
    if (user.ok() && actor.ok()) {
      fresh.found.emplace(id, std::make_pair(*user, *actor));
    } else {
      fresh.gone.push_back(id);
    }
  }
  return fresh;
}

void ApplyFreshIdentities(Broker& broker, const FreshIdentities& fresh) {
  for (std::int64_t id : fresh.gone) CloseUserConnections(broker, id, CloseReason::kRevoked);
  broker.ForEachConnection([&](Connection& c) {
    if (!c.authenticated()) return;
    auto it = fresh.found.find(c.identity().actor.user_id);
    if (it == fresh.found.end()) return;
    if (it->second.first.status != "active") return CloseUserConnections(broker, it->first, CloseReason::kRevoked);
    c.UpdateIdentity(it->second.first, it->second.second);
  });
}

void RefreshUserIdentities(Broker& broker, std::vector<std::int64_t> user_ids) {
  broker.OnStorage<FreshIdentities>(
      [user_ids](storage::Store& store) { return LoadFreshIdentities(store, user_ids); },
      [&broker](FreshIdentities fresh) { ApplyFreshIdentities(broker, fresh); });
}

}  // namespace tether::broker
