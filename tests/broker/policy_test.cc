// Authorize against POLICY.md and PROTOCOL.md's org.update rules, as one table:
// every action for every kind of actor.
#include "policy/policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "policy/privileges.h"

namespace tether::broker::policy {
namespace {

using protocol::ErrorCode;
using protocol::Status;

enum class Who { kSuperAdmin, kAdmin, kTechnician, kSupportUser };

const char* Name(Who who) {
  switch (who) {
    case Who::kSuperAdmin: return "super_admin";
    case Who::kAdmin: return "admin";
    case Who::kTechnician: return "technician";
    case Who::kSupportUser: return "support user";
  }
  return "?";
}

const char* Name(Action action) {
  switch (action) {
    case Action::kOrgGet: return "org.get";
    case Action::kOrgChangeName: return "org.update name";
    case Action::kOrgChangePlanOrSeats: return "org.update plan/seats";
    case Action::kOrgChangePreferences: return "org.update preferences";
    case Action::kOrgChangeTwoFactorPolicy: return "org.update require_2fa";
    case Action::kOrgChangeSessionConfirmation: return "org.update session_confirmation";
    case Action::kRoleList: return "role.list";
    case Action::kRoleCreate: return "role.create";
    case Action::kRoleUpdate: return "role.update";
    case Action::kRoleDelete: return "role.delete";
    case Action::kUserInvite: return "user.invite";
    case Action::kUserList: return "user.list";
    case Action::kUserChangeRole: return "user.update role";
    case Action::kUserChangeScope: return "user.update scope";
    case Action::kUserChangeStatus: return "user.update status";
    case Action::kUserRemove: return "user.remove";
    case Action::kUserTransferOwnership: return "user.transfer_ownership";
    case Action::kUserPasswordReset: return "user.password_reset";
    case Action::kLicenceGet: return "licence.get";
    case Action::kGroupCreate: return "group.create";
    case Action::kGroupList: return "group.list";
    case Action::kGroupDelete: return "group.delete";
    case Action::kGroupUpdate: return "group.update";
    case Action::kDeviceMove: return "device.move";
    case Action::kNotificationList: return "notification.list";
    case Action::kOwnAccount: return "own account";
    case Action::kSessionCreate: return "session.create";
    case Action::kSessionConnect: return "session.connect";
    case Action::kSessionEndOthers: return "session.end (another's)";
    case Action::kSessionList: return "session.list";
    case Action::kSessionSupervise: return "session.supervise";
    case Action::kDeviceList: return "device.list";
    case Action::kDeployKeyCreate: return "deploy_key.create";
    case Action::kDeviceManage: return "device.rotate_secret / device.delete";
    case Action::kDeviceWake: return "device.wake";
    case Action::kAuditView: return "audit.query / audit.verify";
    case Action::kSupportAccessManage: return "support_access.*";
    case Action::kAuditExport: return "audit.export / a report as an export";
  }
  return "?";
}

Actor MakeActor(Who who) {
  Actor actor;
  actor.user_id = 7;
  actor.org_id = 3;
  // The support user holds Admin privileges (POLICY.md "Support access").
  actor.role_id = who == Who::kSuperAdmin ? "super_admin"
                  : who == Who::kTechnician ? "technician"
                                            : "admin";
  actor.privileges = BuiltinRolePrivileges(actor.role_id).value();
  actor.support_user = who == Who::kSupportUser;
  return actor;
}

// What a refusal must say: the privilege that is missing, or that support users are barred.
struct Expect {
  bool allowed;
  std::string_view missing_privilege = {};  // when refused for want of a privilege
  bool barred_support_user = false;         // when refused because the actor is a support user
  bool super_admin_only = false;            // when refused because only the Super Admin may
};

constexpr Expect kAllow{true};
constexpr Expect Missing(std::string_view privilege) { return {false, privilege, false}; }
constexpr Expect kBarred{false, {}, true};
constexpr Expect kNotSuperAdmin{false, {}, false, true};

struct Case {
  Action action;
  Expect super_admin;
  Expect admin;
  Expect technician;
  Expect support_user;
};

const Case kCases[] = {
    // org.get: any user of the organisation.
    {Action::kOrgGet, kAllow, kAllow, kAllow, kAllow},
    // name: organisation details need `preferences`; a support user may not change them.
    {Action::kOrgChangeName, kAllow, kAllow, Missing("preferences"), kBarred},
    // plan and seats: `subscription` (Super Admin only); support users are barred too.
    {Action::kOrgChangePlanOrSeats, kAllow, Missing("subscription"), Missing("subscription"),
     kBarred},
    // preferences: `preferences`; preferences_own is not enough.
    {Action::kOrgChangePreferences, kAllow, kAllow, Missing("preferences"), kAllow},
    // require_2fa: `two_factor_auth` (Super Admin only).
    {Action::kOrgChangeTwoFactorPolicy, kAllow, Missing("two_factor_auth"),
     Missing("two_factor_auth"), Missing("two_factor_auth")},
    // session_confirmation: its own privilege (Admin and Super Admin).
    {Action::kOrgChangeSessionConfirmation, kAllow, kAllow, Missing("session_confirmation"), kAllow},
    // Roles (protocol/PROTOCOL.md §6): list for any user; create, update, delete need
    // `assign_roles`. POLICY.md "Support access": the support user may not change roles
    // or privileges.
    {Action::kRoleList, kAllow, kAllow, kAllow, kAllow},
    {Action::kRoleCreate, kAllow, kAllow, Missing("assign_roles"), kBarred},
    {Action::kRoleUpdate, kAllow, kAllow, Missing("assign_roles"), kBarred},
    {Action::kRoleDelete, kAllow, kAllow, Missing("assign_roles"), kBarred},
    // Users: `manage_technicians` invites, lists, disables, removes, resets passwords;
    // `assign_roles` changes a role; `group_permissions` a scope. The support user may
    // list users but not invite them or change other users (role, scope, removal).
    {Action::kUserInvite, kAllow, kAllow, Missing("manage_technicians"), kBarred},
    {Action::kUserList, kAllow, kAllow, Missing("manage_technicians"), kAllow},
    {Action::kUserChangeRole, kAllow, kAllow, Missing("assign_roles"), kBarred},
    {Action::kUserChangeScope, kAllow, kAllow, Missing("group_permissions"), kBarred},
    {Action::kUserChangeStatus, kAllow, kAllow, Missing("manage_technicians"), kBarred},
    {Action::kUserRemove, kAllow, kAllow, Missing("manage_technicians"), kBarred},
    {Action::kUserPasswordReset, kAllow, kAllow, Missing("manage_technicians"), kBarred},
    // "there is exactly one Super Admin (ownership can be transferred by them)".
    {Action::kUserTransferOwnership, kAllow, kNotSuperAdmin, kNotSuperAdmin, kBarred},
    // Licences: any user reads them.
    {Action::kLicenceGet, kAllow, kAllow, kAllow, kAllow},
    // Groups: `group_permissions` creates and deletes; any user lists (filtered by scope).
    {Action::kGroupCreate, kAllow, kAllow, Missing("group_permissions"), kAllow},
    {Action::kGroupList, kAllow, kAllow, kAllow, kAllow},
    {Action::kGroupDelete, kAllow, kAllow, Missing("group_permissions"), kAllow},
    {Action::kGroupUpdate, kAllow, kAllow, Missing("group_permissions"), kAllow},
    // `deployment`: "create deployment keys, enrol and move devices".
    {Action::kDeviceMove, kAllow, kAllow, Missing("deployment"), kAllow},
    // The user's own notifications, password and TOTP.
    {Action::kNotificationList, kAllow, kAllow, kAllow, kAllow},
    {Action::kOwnAccount, kAllow, kAllow, kAllow, kAllow},
    // Sessions (POLICY.md "Privileges", "Sessions"): remote_support starts attended
    // sessions, unattended_access reaches devices; all three built-ins hold both.
    {Action::kSessionCreate, kAllow, kAllow, kAllow, kAllow},
    {Action::kSessionConnect, kAllow, kAllow, kAllow, kAllow},
    // Ending another's session: manage_technicians (reason admin_ended).
    {Action::kSessionEndOthers, kAllow, kAllow, Missing("manage_technicians"), kAllow},
    {Action::kSessionList, kAllow, kAllow, kAllow, kAllow},
    // Supervision: session_supervision (Admin and Super Admin; not a Technician).
    {Action::kSessionSupervise, kAllow, kAllow, Missing("session_supervision"), kAllow},
    {Action::kDeviceList, kAllow, kAllow, kAllow, kAllow},
    // deployment creates keys; the support user may not create deployment keys.
    {Action::kDeployKeyCreate, kAllow, kAllow, Missing("deployment"), kBarred},
    {Action::kDeviceManage, kAllow, kAllow, Missing("deployment"), kAllow},
    {Action::kDeviceWake, kAllow, kAllow, Missing("wake_on_lan"), kAllow},
    // audit_view reads the log (a support user may; exporting is what it may not).
    {Action::kAuditView, kAllow, kAllow, Missing("audit_view"), kAllow},
    // POLICY.md "Support access": `support_access` grants, changes and revokes; the
    // support user may not even view it.
    {Action::kSupportAccessManage, kAllow, kAllow, Missing("support_access"), kBarred},
    // audit_export: never a support user, whatever its privileges ("audit_export and any export").
    {Action::kAuditExport, kAllow, kAllow, Missing("audit_export"), kBarred},
};

void Check(Action action, Who who, const Expect& expect) {
  SCOPED_TRACE(std::string(Name(action)) + " by " + Name(who));
  Status s = Authorize(MakeActor(who), action);
  if (expect.allowed) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return;
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied) << s.ToString();
  if (!expect.missing_privilege.empty()) {
    EXPECT_NE(s.message().find("'" + std::string(expect.missing_privilege) + "'"),
              std::string::npos)
        << s.message();
  }
  if (expect.barred_support_user) {
    EXPECT_NE(s.message().find("support user"), std::string::npos) << s.message();
  }
  if (expect.super_admin_only) {
    EXPECT_NE(s.message().find("only the Super Admin"), std::string::npos) << s.message();
  }
}

TEST(Policy, EveryActionForEveryBuiltinRoleAndSupportUser) {
  for (const Case& c : kCases) {
    Check(c.action, Who::kSuperAdmin, c.super_admin);
    Check(c.action, Who::kAdmin, c.admin);
    Check(c.action, Who::kTechnician, c.technician);
    Check(c.action, Who::kSupportUser, c.support_user);
  }
}

TEST(Policy, SupportUserIsBarredFromOrganisationDetailsEvenWithEveryPrivilege) {
  Actor actor = MakeActor(Who::kSuperAdmin);
  actor.support_user = true;
  for (Action action : {Action::kOrgChangeName, Action::kOrgChangePlanOrSeats}) {
    Status s = Authorize(actor, action);
    EXPECT_FALSE(s.ok()) << Name(action);
    EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied) << Name(action);
  }
  EXPECT_TRUE(Authorize(actor, Action::kOrgChangePreferences).ok());
}

TEST(Policy, SupportUserHoldsAdminPrivilegesLessTheWithheldOnes) {
  const PrivilegeSet admin = *BuiltinRolePrivileges("admin");
  const PrivilegeSet support = EffectivePrivileges(admin, /*support_user=*/true);
  for (Privilege withheld : {Privilege::kSupportAccess, Privilege::kBilling, Privilege::kSubscription,
                             Privilege::kAuditExport, Privilege::kIntegrations}) {
    EXPECT_FALSE(Has(support, withheld)) << WireName(withheld);
  }
  // What the restriction list bars only some uses of stays held (user.list, device.move).
  for (Privilege kept : {Privilege::kManageTechnicians, Privilege::kDeployment, Privilege::kGroupPermissions,
                         Privilege::kRemoteSupport, Privilege::kAuditView}) {
    EXPECT_EQ(Has(support, kept), Has(admin, kept)) << WireName(kept);
  }
  EXPECT_EQ(EffectivePrivileges(admin, /*support_user=*/false), admin);
}

TEST(Policy, ControlIsNeverHandedToASupportUser) {
  TargetUser support{9, 1, "admin", /*hidden=*/true};
  TargetUser colleague{8, 1, "technician", /*hidden=*/false};
  Status refused = AuthorizeHandoverTo(support);
  EXPECT_EQ(refused.code(), ErrorCode::kPermissionDenied) << refused.ToString();
  EXPECT_TRUE(AuthorizeHandoverTo(colleague).ok());
}

TEST(Policy, DecisionFollowsPrivilegesNotRoleId) {
  // A custom role holding only `preferences` may change the name and preferences.
  Actor actor;
  actor.role_id = "r_custom";
  actor.privileges = MakeSet({Privilege::kPreferences});
  EXPECT_TRUE(Authorize(actor, Action::kOrgChangeName).ok());
  EXPECT_TRUE(Authorize(actor, Action::kOrgChangePreferences).ok());
  EXPECT_FALSE(Authorize(actor, Action::kOrgChangePlanOrSeats).ok());
  // And a role id of "super_admin" grants nothing by itself.
  Actor empty;
  empty.role_id = "super_admin";
  EXPECT_FALSE(Authorize(empty, Action::kOrgChangeTwoFactorPolicy).ok());
  EXPECT_TRUE(Authorize(empty, Action::kOrgGet).ok());
}

// Every enumerator has a rule and a row above: a new action added without either fails here.
TEST(Policy, EveryActionHasARuleAndATableRow) {
  constexpr int kLast = static_cast<int>(Action::kAuditExport);
  for (int i = 0; i <= kLast; ++i) {
    auto action = static_cast<Action>(i);
    Status s = Authorize(MakeActor(Who::kSuperAdmin), action);
    EXPECT_TRUE(s.ok()) << Name(action) << ": " << s.ToString();
    int rows = 0;
    for (const Case& c : kCases) rows += c.action == action ? 1 : 0;
    EXPECT_EQ(rows, 1) << Name(action);
  }
}

// Ownership is decided on the role: no privilege, not even all of them, stands in for it,
// and a support user never transfers ownership whatever its role id says.
TEST(Policy, TransferOwnershipFollowsTheRoleNotPrivileges) {
  Actor every = MakeActor(Who::kSuperAdmin);
  every.role_id = "r_custom";
  EXPECT_EQ(Authorize(every, Action::kUserTransferOwnership).code(), ErrorCode::kPermissionDenied);
  Actor support = MakeActor(Who::kSuperAdmin);
  support.support_user = true;
  EXPECT_EQ(Authorize(support, Action::kUserTransferOwnership).code(), ErrorCode::kPermissionDenied);
  Actor bare;
  bare.role_id = "super_admin";
  EXPECT_TRUE(Authorize(bare, Action::kUserTransferOwnership).ok());
}

// POLICY.md "Reports": `reports` reaches every session in scope, `reports_own` (the
// Technician's) only self-conducted ones; neither is permission_denied naming both.
TEST(Policy, SessionReportReachFollowsReportsOrReportsOwn) {
  EXPECT_EQ(AuthorizeSessionReport(MakeActor(Who::kSuperAdmin)).value(), ReportReach::kInScope);
  EXPECT_EQ(AuthorizeSessionReport(MakeActor(Who::kAdmin)).value(), ReportReach::kInScope);
  EXPECT_EQ(AuthorizeSessionReport(MakeActor(Who::kTechnician)).value(), ReportReach::kOwnOnly);
  EXPECT_EQ(AuthorizeSessionReport(MakeActor(Who::kSupportUser)).value(), ReportReach::kInScope);
  Actor none;
  none.role_id = "r_custom";
  none.privileges = MakeSet({Privilege::kRemoteSupport});
  auto refused = AuthorizeSessionReport(none);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("'reports_own'"), std::string::npos);
}

TEST(Policy, ActionWithoutRuleIsRefusedAsInternal) {
  Status s = Authorize(MakeActor(Who::kSuperAdmin), static_cast<Action>(9999));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace tether::broker::policy
