// Policy: the one place that decides whether an actor may perform an action
// (POLICY.md). A pure function of its inputs — no I/O, no globals — so every rule is a
// row in a table test. Handlers ask; no handler makes its own access decision.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "policy/privileges.h"
#include "policy/scope.h"
#include "tether/protocol/status.h"

namespace tether::broker::policy {

// Who is asking.
struct Actor {
  std::int64_t user_id = 0;
  std::int64_t org_id = 0;
  std::string role_id;
  PrivilegeSet privileges;
  bool support_user = false;  // the hidden vendor support user (POLICY.md "Support access")
  Scope scope;                // all groups unless set
};

// What policy needs to know of the organisation.
struct OrgFacts {
  std::string plan;  // "free" | "standard" | "professional" | "enterprise"
  std::uint32_t seats = 0;
  std::uint32_t seats_used = 0;  // active users whose role holds remote_support
};

// What policy needs to know of a user being acted on.
struct TargetUser {
  std::int64_t user_id = 0;
  std::int64_t org_id = 0;
  std::string role_id;
  bool hidden = false;
};

// What is asked. Later issues add their actions here, each with its rule in policy.cc.
enum class Action {
  kOrgGet,
  kOrgChangeName,         // organisation details
  kOrgChangePlanOrSeats,  // subscription
  kOrgChangePreferences,
  kOrgChangeTwoFactorPolicy,  // the require_2fa preference
  kOrgChangeSessionConfirmation,  // the session_confirmation preference
  kRoleList,
  kRoleCreate,
  kRoleUpdate,
  kRoleDelete,
  kUserInvite,
  kUserList,
  kUserChangeRole,
  kUserChangeScope,
  kUserChangeStatus,
  kUserRemove,
  kUserTransferOwnership,  // Super Admin only (checked on the role, not a privilege)
  kUserPasswordReset,
  kLicenceGet,
  kGroupCreate,
  kGroupList,
  kGroupDelete,
  kGroupUpdate,
  kDeviceMove,
  kNotificationList,
  kOwnAccount,  // own password, own TOTP enrolment: any user
  kSessionCreate,     // attended session (takes the remote_support privilege)
  kSessionConnect,    // unattended session (scope is checked apart: SessionInScope)
  kSessionEndOthers,  // end a session one does not control (manage_technicians)
  kSessionList,
  kSessionSupervise,  // join in view mode (session_supervision)
  kDeviceList,
  kDeployKeyCreate,  // a support user may not create deployment keys
  kDeviceManage,     // rotate a device's secret, delete a device
  kDeviceWake,
  kAuditView,  // audit.query, audit.verify
  kSupportAccessManage,  // support_access.grant / update / revoke / get
  kAuditExport,  // audit.export, and a report asked for as an export
};

// ok, or permission_denied with a message naming what is missing.
protocol::Status Authorize(const Actor& actor, Action action);

// Custom role contents: never a Super-Admin-only privilege (billing, subscription,
// rebranding, two_factor_auth), never the limited forms together with the full ones.
// bad_request naming the privilege.
protocol::Status ValidateCustomRole(const PrivilegeSet& privileges);
// The three built-in roles cannot be edited or deleted (POLICY.md "Privileges"):
// permission_denied for super_admin, admin, technician; ok for any other id.
protocol::Status CheckRoleEditable(std::string_view role_id);
// No escalation: the actor may grant (assign, or put into a custom role) only what they
// hold themselves; the super_admin role is never granted (ownership is transferred).
// permission_denied naming the first privilege the actor lacks.
protocol::Status AuthorizeGrant(const Actor& actor, std::string_view role_id, const PrivilegeSet& role_privileges);
// Changing, removing or resetting another user: same organisation (else not_found, so
// nothing of another organisation is even confirmed to exist), not a hidden support
// user (not_found), and an Admin or the Super Admin only by the Super Admin. The Super
// Admin's own role and status never change here (transfer ownership instead).
protocol::Status AuthorizeUserChange(const Actor& actor, const TargetUser& target);
// Handing a session over (session.handover) to `to`: never to a hidden support user
// (POLICY.md "Support access": it cannot be chosen for session transfer).
protocol::Status AuthorizeHandoverTo(const TargetUser& to);
// The Super Admin stays (there is exactly one; ownership is transferred instead): for a
// target whose role is super_admin, kUserChangeRole and kUserChangeStatus are conflict,
// and so is kUserRemove; every other action, and every other target, is ok.
protocol::Status CheckSuperAdminKept(const TargetUser& target, Action action);
// Seats: ok while seats_used + extra <= seats, else licence_exceeded saying how many.
protocol::Status CheckSeats(const OrgFacts& org, std::uint32_t extra_seats);
// Plan `free` has no unattended groups: creating one, choosing one in a scope, moving a
// device are plan_restricted.
protocol::Status CheckPlanAllowsGroups(const OrgFacts& org);
// Assigning `scope` (invite or user.update): a scope other than all groups needs
// group_permissions and a plan with groups.
protocol::Status AuthorizeScopeAssignment(const Actor& actor, const OrgFacts& org, const Scope& scope);
// Whether a session is in the actor's scope (POLICY.md "Groups and scope"): an
// unattended session when its device's group is; an attended one when the actor's scope
// is all groups or shares a group with its controller's. Always when the actor controls it.
struct SessionFacts {
  std::int64_t org_id = 0;
  bool attended = true;
  std::int64_t controller_id = 0;
  Scope controller_scope;
  std::int64_t device_group = 0;
  std::string device_department;
};
bool SessionInScope(const Actor& actor, const SessionFacts& session);
// Viewing a session's recording (recording.get): `reports` with the session in scope, or
// `reports_own` for a session the actor controlled; anything else permission_denied. A
// session of another organisation is not_found (checked after the privilege, so nothing
// is confirmed to a caller who may view no recording at all).
protocol::Status AuthorizeRecordingView(const Actor& actor, const SessionFacts& session);

// Session reports (POLICY.md "Reports"): `reports` sees every session in the actor's
// scope; `reports_own` (a technician) only the sessions the actor controlled.
enum class ReportReach { kInScope, kOwnOnly };
// The reach, or permission_denied when the actor holds neither privilege.
protocol::Result<ReportReach> AuthorizeSessionReport(const Actor& actor);

// The privileges a user holds in effect: their role's, less those POLICY.md "Support
// access" withholds from the hidden support user altogether (support_access, billing,
// subscription, audit_export, integrations). The restriction list's other rows bar some
// uses of a privilege the support user keeps (it may list users but not change them);
// Authorize enforces those.
PrivilegeSet EffectivePrivileges(const PrivilegeSet& role_privileges, bool support_user);

// Whether users of a role take a remote-support seat (POLICY.md "Licences").
inline bool TakesSeat(const PrivilegeSet& role_privileges) { return Has(role_privileges, Privilege::kRemoteSupport); }

}  // namespace tether::broker::policy
