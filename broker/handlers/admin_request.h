// The shape every admin request shares: one storage job loads what policy needs, asks
// policy, and applies the change; the request's audit event (allowed, refused or failed)
// is appended in the same transaction, so the change and its record are durable together
// or not at all. Back on the loop the request is answered, then its live effects happen
// (even when the requester has gone): connections of removed or disabled users close
// with 4403, changed users' live connections see their new role or scope at once, and
// notifications are pushed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "handlers/handlers.h"
#include "policy/policy.h"
#include "tether/storage/store.h"

namespace tether::broker {

struct AdminContext {
  policy::Actor actor;
  std::int64_t now_ms = 0;
  protocol::Value body;  // the whole request map
};

// Users as they are now, for their live connections: found ones get their new role and
// scope, gone or disabled ones are closed 4403.
struct FreshIdentities {
  std::map<std::int64_t, std::pair<storage::User, policy::Actor>> found;
  std::vector<std::int64_t> gone;
};

struct AdminOutcome {
  protocol::Status status;                              // ok, or why not
  protocol::Value reply = protocol::Value::MakeMap();   // result fields when ok
  std::string target;                                   // audit target
  protocol::Value details = protocol::Value::MakeMap();  // extra audit details
  std::vector<std::int64_t> close_users;               // close 4403
  std::vector<std::int64_t> refresh_users;             // reload identity on live connections
  FreshIdentities fresh_identities;  // filled from refresh_users by RunAdminRequest, in the job
  std::vector<storage::Notification> notifications;    // stored; pushed after the answer
  std::vector<std::int64_t> totp_confirmed_users;      // lift the enrolment-only restriction
  // Devices deleted or whose secret changed: their connection closes 4403, their
  // session ends (revoked).
  std::vector<std::string> close_devices;
  // Credentials changed: the user's other connections close 4401 (this one stays).
  std::vector<std::int64_t> end_other_sessions_of;
  // Any further live effect of the change, run last (e.g. arming a support grant's expiry).
  std::function<void(Broker&)> then;

  static AdminOutcome Refused(protocol::Status status) {
    AdminOutcome outcome;
    outcome.status = std::move(status);
    return outcome;
  }
};

// Inside a job: returns the refusal as the outcome when `status_expr` is not ok.
#define TETHER_REFUSE_IF(status_expr)                                         \
  do {                                                                        \
    ::tether::protocol::Status refuse_status_ = (status_expr);                \
    if (!refuse_status_.ok()) return AdminOutcome::Refused(refuse_status_);   \
  } while (0)

using AdminJob = std::function<AdminOutcome(storage::Store&, const AdminContext&)>;

// Refuses an admin request before it reaches the store (a field, a privilege), audited
// like every refusal of an admin request.
void RefuseAdminRequest(Request& request, std::string action, protocol::Status refusal);

// Runs `job` on the storage thread and completes the request as above. `audit_request`
// is what of the request the audit keeps (callers drop passwords and codes).
void RunAdminRequest(Request& request, std::string action, AdminJob job, protocol::Value audit_request);
// The same for a request whose earlier steps were asynchronous (`body` is its map).
void RunAdminRequest(Connection& connection, std::uint64_t re, protocol::Value body, std::string action,
                     AdminJob job, protocol::Value audit_request);
// The same for a job that only reads and may take long (audit.verify, audit.query): it
// runs on the read-only connection's thread, so audit commits go on meanwhile. A write
// through its Store fails.
void RunReadOnlyAdminRequest(Request& request, std::string action, AdminJob job);
inline void RunAdminRequest(Request& request, std::string action, AdminJob job) {
  protocol::Value body = request.message.body;
  RunAdminRequest(request, std::move(action), std::move(job), std::move(body));
}

// For jobs: when the organisation wants it and an Admin (not the Super Admin) changed a
// technician, stores a notification for the Super Admin and adds it to the outcome.
void NotifyTechnicianChange(storage::Store& store, const AdminContext& context, AdminOutcome& outcome,
                            const std::string& kind, const std::string& text);

// The audit outcome of a refusal (POLICY.md): "denied" when policy refused
// (permission_denied, licence_exceeded, plan_restricted, otp_required), "failed" for
// anything else; "ok" for ok.
const char* AuditOutcomeOf(const protocol::Status& status);

// Live effects, also used outside admin requests.
void CloseUserConnections(Broker& broker, std::int64_t user_id, CloseReason reason);
void RefreshUserIdentities(Broker& broker, std::vector<std::int64_t> user_ids);
FreshIdentities LoadFreshIdentities(storage::Store& store, const std::vector<std::int64_t>& user_ids);
void ApplyFreshIdentities(Broker& broker, const FreshIdentities& fresh);
// Closes every connection of the user except `keep` (a connection id; 0 keeps none).
void CloseOtherConnections(Broker& broker, std::int64_t user_id, std::uint64_t keep, CloseReason reason);

}  // namespace tether::broker
