// The rules of POLICY.md. Authorize is a table: each action names the privilege it needs
// and whether a support user is barred from it whatever its privileges. The checks that
// look at more than the actor (what is granted, whom it is done to, seats, plan, scope)
// follow it, one function each.
#include "policy/policy.h"

#include <optional>
#include <string>
#include <string_view>

namespace tether::broker::policy {
namespace {

struct Rule {
  Action action;
  std::optional<Privilege> needs;  // nullopt: any user of the organisation
  bool barred_for_support_user;    // POLICY.md "Support access" restriction list
  std::string_view what;           // for the refusal message
  bool super_admin_only = false;   // decided on the role, not on a privilege
};

constexpr Rule kRules[] = {
    {Action::kOrgGet, std::nullopt, false, "read the organisation"},
    {Action::kOrgChangeName, Privilege::kPreferences, true, "change organisation details"},
    {Action::kOrgChangePlanOrSeats, Privilege::kSubscription, true, "change the plan or seats"},
    {Action::kOrgChangePreferences, Privilege::kPreferences, false, "change preferences"},
    {Action::kOrgChangeTwoFactorPolicy, Privilege::kTwoFactorAuth, false,
     "change the two-factor policy"},
    {Action::kOrgChangeSessionConfirmation, Privilege::kSessionConfirmation, false,
     "decide whether sessions need the end user's consent"},
    // Roles (protocol/PROTOCOL.md §6). The support user may not change roles or
    // privileges (POLICY.md "Support access").
    {Action::kRoleList, std::nullopt, false, "list roles"},
    {Action::kRoleCreate, Privilege::kAssignRoles, true, "create roles"},
    {Action::kRoleUpdate, Privilege::kAssignRoles, true, "change roles"},
    {Action::kRoleDelete, Privilege::kAssignRoles, true, "delete roles"},
    // Users. The support user may list them but neither invite nor change other users.
    {Action::kUserInvite, Privilege::kManageTechnicians, true, "invite users"},
    {Action::kUserList, Privilege::kManageTechnicians, false, "list users"},
    {Action::kUserChangeRole, Privilege::kAssignRoles, true, "change a user's role"},
    {Action::kUserChangeScope, Privilege::kGroupPermissions, true, "change a user's scope"},
    {Action::kUserChangeStatus, Privilege::kManageTechnicians, true, "change a user's status"},
    {Action::kUserRemove, Privilege::kManageTechnicians, true, "remove users"},
    {Action::kUserTransferOwnership, std::nullopt, true, "transfer ownership",
     /*super_admin_only=*/true},
    {Action::kUserPasswordReset, Privilege::kManageTechnicians, true, "reset a user's password"},
    {Action::kLicenceGet, std::nullopt, false, "read the licences"},
    // Groups and devices. Moving a device is not creating a deployment key: the support
    // user may do it.
    {Action::kGroupCreate, Privilege::kGroupPermissions, false, "create groups"},
    {Action::kGroupList, std::nullopt, false, "list groups"},
    {Action::kGroupDelete, Privilege::kGroupPermissions, false, "delete groups"},
    {Action::kGroupUpdate, Privilege::kGroupPermissions, false, "change groups"},
    {Action::kDeviceMove, Privilege::kDeployment, false, "move devices"},
    // The user's own things.
    {Action::kNotificationList, std::nullopt, false, "list notifications"},
    {Action::kOwnAccount, std::nullopt, false, "change their own account"},

    // Sessions and devices (POLICY.md "Sessions", "Privileges").
    {Action::kSessionCreate, Privilege::kRemoteSupport, false, "start attended sessions"},
    {Action::kSessionConnect, Privilege::kUnattendedAccess, false, "connect to unattended devices"},
    {Action::kSessionEndOthers, Privilege::kManageTechnicians, false, "end other technicians' sessions"},
    {Action::kSessionList, std::nullopt, false, "list sessions"},
    {Action::kSessionSupervise, Privilege::kSessionSupervision, false, "supervise sessions"},
    {Action::kDeviceList, std::nullopt, false, "list devices"},
    {Action::kDeployKeyCreate, Privilege::kDeployment, true, "create deployment keys"},
    {Action::kDeviceManage, Privilege::kDeployment, false, "manage devices"},
    {Action::kDeviceWake, Privilege::kWakeOnLan, false, "wake devices"},
    {Action::kAuditView, Privilege::kAuditView, false, "read the audit log"},
    {Action::kSupportAccessManage, Privilege::kSupportAccess, true, "view or change support access"},
    // POLICY.md "Support access": "audit_export and any export" is barred to the support user.
    {Action::kAuditExport, Privilege::kAuditExport, true, "export the audit log or reports"},
};

// POLICY.md "Privileges": custom roles hold any subset except these.
constexpr Privilege kSuperAdminOnly[] = {Privilege::kBilling, Privilege::kSubscription,
                                         Privilege::kRebranding, Privilege::kTwoFactorAuth};

// POLICY.md "Support access": Admin privileges except these, which the support user does
// not hold at all.
constexpr Privilege kWithheldFromSupportUser[] = {Privilege::kSupportAccess, Privilege::kBilling,
                                                  Privilege::kSubscription, Privilege::kAuditExport,
                                                  Privilege::kIntegrations};

// The limited forms and the full privilege each one narrows.
struct LimitedForm {
  Privilege limited;
  Privilege full;
};
constexpr LimitedForm kLimitedForms[] = {{Privilege::kReportsOwn, Privilege::kReports},
                                         {Privilege::kPreferencesOwn, Privilege::kPreferences}};

std::string Quoted(Privilege p) { return "'" + std::string(WireName(p)) + "'"; }

// Whether the actor may hand `p` on: they hold it, or hold the full privilege of which
// it is the limited form (whoever sees every report may let someone see their own).
bool MayHandOn(const PrivilegeSet& held, Privilege p) {
  if (Has(held, p)) return true;
  for (const LimitedForm& form : kLimitedForms) {
    if (form.limited == p && Has(held, form.full)) return true;
  }
  return false;
}

bool IsAdminOrSuperAdmin(std::string_view role_id) {
  return role_id == kSuperAdminRole || role_id == kAdminRole;
}

const Rule* FindRule(Action action) {
  for (const Rule& rule : kRules) {
    if (rule.action == action) return &rule;
  }
  return nullptr;
}

}  // namespace

PrivilegeSet EffectivePrivileges(const PrivilegeSet& role_privileges, bool support_user) {
  PrivilegeSet effective = role_privileges;
  if (support_user) {
    for (Privilege p : kWithheldFromSupportUser) effective.reset(static_cast<std::size_t>(p));
  }
  return effective;
}

protocol::Status Authorize(const Actor& actor, Action action) {
  const Rule* rule = FindRule(action);
  if (rule == nullptr) return protocol::Status::Internal("no policy rule for this action");
  if (actor.support_user && rule->barred_for_support_user) {
    return protocol::Status::PermissionDenied("a support user may not " + std::string(rule->what));
  }
  if (rule->super_admin_only && actor.role_id != kSuperAdminRole) {
    return protocol::Status::PermissionDenied("only the Super Admin may " + std::string(rule->what));
  }
  if (rule->needs && !Has(actor.privileges, *rule->needs)) {
    return protocol::Status::PermissionDenied("you need the privilege '" +
                                              std::string(WireName(*rule->needs)) + "' to " +
                                              std::string(rule->what));
  }
  return protocol::Status::Ok();
}

protocol::Result<ReportReach> AuthorizeSessionReport(const Actor& actor) {
  if (Has(actor.privileges, Privilege::kReports)) return ReportReach::kInScope;
  if (Has(actor.privileges, Privilege::kReportsOwn)) return ReportReach::kOwnOnly;
  return protocol::Status::PermissionDenied("you need the privilege 'reports' or 'reports_own' to read session reports");
}

protocol::Status ValidateCustomRole(const PrivilegeSet& privileges) {
  for (Privilege p : kSuperAdminOnly) {
    if (Has(privileges, p)) {
      return protocol::Status::BadRequest("custom roles cannot hold " + Quoted(p) +
                                          ": it belongs to the Super Admin alone");
    }
  }
  // Both forms at once would leave it unclear which one the role means; the limited form
  // exists only for roles that lack the full one (the Technician column of POLICY.md).
  for (const LimitedForm& form : kLimitedForms) {
    if (Has(privileges, form.limited) && Has(privileges, form.full)) {
      return protocol::Status::BadRequest("a role cannot hold both " + Quoted(form.full) + " and " +
                                          Quoted(form.limited) + ": choose one");
    }
  }
  return protocol::Status::Ok();
}

protocol::Status CheckRoleEditable(std::string_view role_id) {
  if (BuiltinRolePrivileges(role_id).has_value()) {
    return protocol::Status::PermissionDenied("the built-in role '" + std::string(role_id) +
                                              "' cannot be changed or deleted");
  }
  return protocol::Status::Ok();
}

protocol::Status AuthorizeGrant(const Actor& actor, std::string_view role_id,
                                const PrivilegeSet& role_privileges) {
  if (actor.support_user) {
    return protocol::Status::PermissionDenied("a support user may not grant roles or privileges");
  }
  if (role_id == kSuperAdminRole) {
    return protocol::Status::PermissionDenied(
        "the role 'super_admin' cannot be granted: ownership is transferred, not granted");
  }
  for (std::size_t i = 0; i < role_privileges.size(); ++i) {
    auto p = static_cast<Privilege>(i);
    if (Has(role_privileges, p) && !MayHandOn(actor.privileges, p)) {
      return protocol::Status::PermissionDenied("you cannot grant " + Quoted(p) +
                                                ": you do not hold it yourself");
    }
  }
  return protocol::Status::Ok();
}

protocol::Status AuthorizeUserChange(const Actor& actor, const TargetUser& target) {
  // Existence first, and the same answer for both: nothing of another organisation, and
  // no hidden support user, is even confirmed to exist.
  if (target.org_id != actor.org_id || target.hidden) {
    return protocol::Status::NotFound("user " + std::to_string(target.user_id) + " not found");
  }
  if (actor.support_user) {
    return protocol::Status::PermissionDenied("a support user may not change other users");
  }
  if (IsAdminOrSuperAdmin(target.role_id) && actor.role_id != kSuperAdminRole) {
    return protocol::Status::PermissionDenied(
        "only the Super Admin may change an Admin or the Super Admin");
  }
  return protocol::Status::Ok();
}

protocol::Status AuthorizeHandoverTo(const TargetUser& to) {
  if (to.hidden) return protocol::Status::PermissionDenied("a support user cannot be given control of a session");
  return protocol::Status::Ok();
}

protocol::Status CheckSuperAdminKept(const TargetUser& target, Action action) {
  if (target.role_id != kSuperAdminRole) return protocol::Status::Ok();
  switch (action) {
    case Action::kUserChangeRole:
    case Action::kUserChangeStatus:
      return protocol::Status::Conflict(
          "the Super Admin's role and status do not change: transfer ownership instead");
    case Action::kUserRemove:
      return protocol::Status::Conflict(
          "the Super Admin cannot be removed: transfer ownership first");
    default:
      return protocol::Status::Ok();
  }
}

protocol::Status CheckSeats(const OrgFacts& org, std::uint32_t extra_seats) {
  // Needing no new seat is never refused, even in an organisation already over its seats:
  // it must stay able to reduce.
  if (extra_seats == 0) return protocol::Status::Ok();
  std::uint64_t needed = std::uint64_t{org.seats_used} + extra_seats;
  if (needed <= org.seats) return protocol::Status::Ok();
  return protocol::Status(protocol::ErrorCode::kLicenceExceeded,
                          std::to_string(org.seats_used) + " of " + std::to_string(org.seats) +
                              " seats are in use; this needs " + std::to_string(extra_seats) +
                              " more");
}

protocol::Status CheckPlanAllowsGroups(const OrgFacts& org) {
  if (org.plan == "free") {
    return protocol::Status(protocol::ErrorCode::kPlanRestricted,
                            "plan 'free' has no unattended groups");
  }
  return protocol::Status::Ok();
}

protocol::Status AuthorizeScopeAssignment(const Actor& actor, const OrgFacts& org,
                                          const Scope& scope) {
  if (scope.all_groups) return protocol::Status::Ok();
  if (!Has(actor.privileges, Privilege::kGroupPermissions)) {
    return protocol::Status::PermissionDenied(
        "you need the privilege 'group_permissions' to choose groups for a user");
  }
  return CheckPlanAllowsGroups(org);
}

bool SessionInScope(const Actor& actor, const SessionFacts& session) {
  if (actor.org_id != session.org_id) return false;
  if (actor.user_id == session.controller_id) return true;
  if (!session.attended) return ScopeCovers(actor.scope, session.device_group, session.device_department);
  if (actor.scope.all_groups) return true;
  return ScopesOverlap(actor.scope, session.controller_scope);
}

protocol::Status AuthorizeRecordingView(const Actor& actor, const SessionFacts& session) {
  bool all = Has(actor.privileges, Privilege::kReports);
  if (!all && !Has(actor.privileges, Privilege::kReportsOwn)) {
    return protocol::Status::PermissionDenied(
        "you need the privilege 'reports' (or 'reports_own' for your own sessions) to view recordings");
  }
  if (actor.org_id != session.org_id) return protocol::Status::NotFound("no such session");
  if (all) {
    if (SessionInScope(actor, session)) return protocol::Status::Ok();
    return protocol::Status::PermissionDenied("the session is outside your scope");
  }
  if (actor.user_id == session.controller_id) return protocol::Status::Ok();
  return protocol::Status::PermissionDenied(
      "with 'reports_own' you may view only the recordings of sessions you controlled");
}

}  // namespace tether::broker::policy
