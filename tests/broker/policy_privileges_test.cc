// POLICY.md "Privileges": the table (every privilege granted by each built-in role and the
// support user), custom roles, no escalation, and who changes an Admin.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "policy_cases.h"

namespace tether::broker::policy::testing {
namespace {

using protocol::ErrorCode;
using protocol::Status;

using P = Privilege;

// The privileges a technician holds, restated from POLICY.md (the "yes" cells and the
// two "own only" cells), independently of privileges.cc.
bool TechnicianHolds(std::string_view name) {
  for (std::string_view held :
       {"remote_support", "unattended_access", "screen_sharing", "preferences_own", "reports_own"}) {
    if (name == held) return true;
  }
  return false;
}

bool SuperAdminOnly(std::string_view name) {
  return name == "billing" || name == "subscription" || name == "rebranding" ||
         name == "two_factor_auth";
}

// One cell: may `who` grant a role holding exactly `privilege`, and put it in a custom role?
struct Cell {
  std::string who;  // super_admin | admin | technician | support_user
  Privilege privilege;
};

void PrintTo(const Cell& cell, std::ostream* os) { *os << cell.who << "/" << WireName(cell.privilege); }

std::vector<Cell> AllCells() {
  std::vector<Cell> cells;
  for (const char* who : {"super_admin", "admin", "technician", "support_user"}) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(P::kCount); ++i) {
      cells.push_back({who, static_cast<P>(i)});
    }
  }
  return cells;
}

class GrantEachPrivilege : public ::testing::TestWithParam<Cell> {};

// "No escalation: nobody may grant a role, or build a custom role, holding a privilege they
// do not hold themselves." The Admin and the Super Admin hold `reports` and `preferences`,
// so they may also grant the limited forms; the support user never grants.
TEST_P(GrantEachPrivilege, OnlyWhatTheGranterHolds) {
  const Cell& cell = GetParam();
  std::string_view name = WireName(cell.privilege);
  Actor actor = cell.who == "support_user" ? SupportUser() : Builtin(cell.who);
  bool expected = cell.who == "super_admin"   ? true
                  : cell.who == "admin"       ? !SuperAdminOnly(name)
                  : cell.who == "technician"  ? TechnicianHolds(name)
                                              : false;
  Status s = AuthorizeGrant(actor, "r_new", MakeSet({cell.privilege}));
  if (expected) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  } else {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied);
    std::string why = cell.who == "support_user" ? "support user" : "'" + std::string(name) + "'";
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  }
}

// "Custom roles hold any subset of the privileges except billing, subscription,
// rebranding, two_factor_auth (Super Admin only)", whoever builds them.
TEST_P(GrantEachPrivilege, CustomRoleMayHoldAllButSuperAdminOnly) {
  std::string_view name = WireName(GetParam().privilege);
  Status s = ValidateCustomRole(MakeSet({GetParam().privilege}));
  if (!SuperAdminOnly(name)) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  } else {
    EXPECT_EQ(s.code(), ErrorCode::kBadRequest) << s.ToString();
    EXPECT_NE(s.message().find("'" + std::string(name) + "'"), std::string::npos) << s.message();
  }
}

INSTANTIATE_TEST_SUITE_P(Privileges, GrantEachPrivilege, ::testing::ValuesIn(AllCells()),
                         [](const ::testing::TestParamInfo<Cell>& info) {
                           return info.param.who + "_" + std::string(WireName(info.param.privilege));
                         });

// Everything but the Super-Admin-only four: the richest custom role there can be.
PrivilegeSet AllButSuperAdminOnly() {
  PrivilegeSet set = RoleSet(kAdminRole);
  set.set(static_cast<std::size_t>(P::kReports), false);
  set.set(static_cast<std::size_t>(P::kReportsOwn));
  return set;
}

const StatusRow kPrivilegeRows[] = {
    // "The three built-in roles cannot be edited or deleted."
    {"SuperAdminRoleCannotBeEdited", [] { return CheckRoleEditable("super_admin"); },
     ErrorCode::kPermissionDenied, "'super_admin'"},
    {"AdminRoleCannotBeEdited", [] { return CheckRoleEditable("admin"); },
     ErrorCode::kPermissionDenied, "'admin'"},
    {"TechnicianRoleCannotBeEdited", [] { return CheckRoleEditable("technician"); },
     ErrorCode::kPermissionDenied, "'technician'"},
    {"CustomRoleCanBeEdited", [] { return CheckRoleEditable("r_custom"); }, Allowed()},

    // "Custom roles hold any subset of the privileges except billing, subscription,
    // rebranding, two_factor_auth (Super Admin only), with a name and description."
    {"CustomRoleCannotHoldBilling", [] { return ValidateCustomRole(MakeSet({P::kBilling})); },
     ErrorCode::kBadRequest, "custom roles cannot hold 'billing': it belongs to the Super Admin alone"},
    {"CustomRoleCannotHoldSubscription",
     [] { return ValidateCustomRole(MakeSet({P::kRemoteSupport, P::kSubscription})); },
     ErrorCode::kBadRequest, "'subscription'"},
    {"CustomRoleCannotHoldRebranding", [] { return ValidateCustomRole(MakeSet({P::kRebranding})); },
     ErrorCode::kBadRequest, "'rebranding'"},
    {"CustomRoleCannotHoldTwoFactorAuth",
     [] { return ValidateCustomRole(MakeSet({P::kTwoFactorAuth})); }, ErrorCode::kBadRequest,
     "'two_factor_auth'"},
    {"CustomRoleWithRemoteSupportAndManageTechniciansIsValid",
     [] { return ValidateCustomRole(MakeSet({P::kRemoteSupport, P::kManageTechnicians})); },
     Allowed()},
    {"CustomRoleWithEverythingButSuperAdminOnlyIsValid",
     [] { return ValidateCustomRole(AllButSuperAdminOnly()); }, Allowed()},
    {"EmptyCustomRoleIsValid", [] { return ValidateCustomRole(PrivilegeSet{}); }, Allowed()},
    {"CustomRoleMayHoldReportsOwnAlone",
     [] { return ValidateCustomRole(MakeSet({P::kRemoteSupport, P::kReportsOwn})); }, Allowed()},
    // Decision: a full privilege and its limited form together are refused, not merged.
    {"CustomRoleCannotHoldReportsAndReportsOwn",
     [] { return ValidateCustomRole(MakeSet({P::kReports, P::kReportsOwn})); },
     ErrorCode::kBadRequest, "'reports_own'"},
    {"CustomRoleCannotHoldPreferencesAndPreferencesOwn",
     [] { return ValidateCustomRole(MakeSet({P::kPreferences, P::kPreferencesOwn})); },
     ErrorCode::kBadRequest, "'preferences_own'"},
    {"SuperAdminCannotPutBillingInACustomRole",
     [] {
       Status grant = AuthorizeGrant(SuperAdmin(), "r_new", MakeSet({P::kBilling}));
       return grant.ok() ? ValidateCustomRole(MakeSet({P::kBilling})) : grant;
     },
     ErrorCode::kBadRequest, "'billing'"},

    // "No escalation: nobody may grant a role, or build a custom role, holding a privilege
    // they do not hold themselves."
    {"AdminCannotGrantBilling", [] { return AuthorizeGrant(Admin(), "r_new", MakeSet({P::kBilling})); },
     ErrorCode::kPermissionDenied, "'billing'"},
    {"AdminCannotGrantTheSuperAdminRole",
     [] { return AuthorizeGrant(Admin(), kSuperAdminRole, RoleSet(kSuperAdminRole)); },
     ErrorCode::kPermissionDenied, "ownership is transferred, not granted"},
    {"SuperAdminCannotGrantTheSuperAdminRole",
     [] { return AuthorizeGrant(SuperAdmin(), kSuperAdminRole, RoleSet(kSuperAdminRole)); },
     ErrorCode::kPermissionDenied, "ownership is transferred"},
    {"AdminMayGrantTheAdminRole", [] { return AuthorizeGrant(Admin(), kAdminRole, RoleSet(kAdminRole)); },
     Allowed()},
    {"AdminMayGrantTheTechnicianRole",
     [] { return AuthorizeGrant(Admin(), kTechnicianRole, RoleSet(kTechnicianRole)); }, Allowed()},
    {"TechnicianCannotCreateRoles", [] { return Authorize(Technician(), Action::kRoleCreate); },
     ErrorCode::kPermissionDenied, "'assign_roles'"},
    {"TechnicianCannotGrantTheAdminRole",
     [] { return AuthorizeGrant(Technician(), kAdminRole, RoleSet(kAdminRole)); },
     ErrorCode::kPermissionDenied, "'manage_technicians'"},
    {"TechnicianCannotGrantReportsHoldingOnlyReportsOwn",
     [] { return AuthorizeGrant(Technician(), "r_new", MakeSet({P::kReports})); },
     ErrorCode::kPermissionDenied, "'reports'"},
    {"AssignRolesWithoutAuditViewCannotGrantAuditView",
     [] {
       return AuthorizeGrant(Custom({P::kAssignRoles, P::kRemoteSupport}), "r_new",
                             MakeSet({P::kRemoteSupport, P::kAuditView}));
     },
     ErrorCode::kPermissionDenied, "'audit_view'"},
    {"AssignRolesHolderMayGrantWhatItHolds",
     [] {
       return AuthorizeGrant(Custom({P::kAssignRoles, P::kRemoteSupport, P::kAuditView}), "r_new",
                             MakeSet({P::kRemoteSupport, P::kAuditView}));
     },
     Allowed()},
    {"AssignRolesHolderCannotGrantTheTechnicianRoleItDoesNotCover",
     [] {
       return AuthorizeGrant(Custom({P::kAssignRoles, P::kRemoteSupport}), kTechnicianRole,
                             RoleSet(kTechnicianRole));
     },
     ErrorCode::kPermissionDenied, "'unattended_access'"},
    {"ReportsHolderMayGrantReportsOwn",
     [] { return AuthorizeGrant(Custom({P::kAssignRoles, P::kReports}), "r_new", MakeSet({P::kReportsOwn})); },
     Allowed()},
    {"PreferencesHolderMayGrantPreferencesOwn",
     [] {
       return AuthorizeGrant(Custom({P::kAssignRoles, P::kPreferences}), "r_new",
                             MakeSet({P::kPreferencesOwn}));
     },
     Allowed()},
    {"ReportsOwnHolderCannotGrantReports",
     [] { return AuthorizeGrant(Custom({P::kAssignRoles, P::kReportsOwn}), "r_new", MakeSet({P::kReports})); },
     ErrorCode::kPermissionDenied, "'reports'"},
    {"SupportUserCannotGrantEvenTheTechnicianRole",
     [] { return AuthorizeGrant(SupportUser(), kTechnicianRole, RoleSet(kTechnicianRole)); },
     ErrorCode::kPermissionDenied, "support user"},
    {"SupportUserCannotCreateRoles", [] { return Authorize(SupportUser(), Action::kRoleCreate); },
     ErrorCode::kPermissionDenied, "support user"},

    // "Only the Super Admin may change an Admin or the Super Admin; there is exactly one
    // Super Admin (ownership can be transferred by them)."
    {"AdminCannotChangeAnotherAdmin", [] { return AuthorizeUserChange(Admin(), Target(kAdminRole)); },
     ErrorCode::kPermissionDenied, "only the Super Admin"},
    {"AdminCannotChangeTheSuperAdmin",
     [] { return AuthorizeUserChange(Admin(), Target(kSuperAdminRole)); },
     ErrorCode::kPermissionDenied, "only the Super Admin"},
    {"ManageTechniciansHolderCannotChangeAnAdmin",
     [] {
       return AuthorizeUserChange(Custom({P::kManageTechnicians, P::kAssignRoles}), Target(kAdminRole));
     },
     ErrorCode::kPermissionDenied, "only the Super Admin"},
    {"SuperAdminChangesAnAdmin", [] { return AuthorizeUserChange(SuperAdmin(), Target(kAdminRole)); },
     Allowed()},
    {"AdminChangesATechnician", [] { return AuthorizeUserChange(Admin(), Target(kTechnicianRole)); },
     Allowed()},
    {"AdminChangesACustomRoleUser", [] { return AuthorizeUserChange(Admin(), Target("r_custom")); },
     Allowed()},
    {"SupportUserCannotChangeOtherUsers",
     [] { return AuthorizeUserChange(SupportUser(), Target(kTechnicianRole)); },
     ErrorCode::kPermissionDenied, "support user"},
    {"HiddenSupportUserIsNotFound",
     [] { return AuthorizeUserChange(SuperAdmin(), Target(kAdminRole, kOrg, true)); },
     ErrorCode::kNotFound, "user 42 not found"},
    {"AdminCannotTransferOwnership", [] { return Authorize(Admin(), Action::kUserTransferOwnership); },
     ErrorCode::kPermissionDenied, "only the Super Admin"},
    {"SuperAdminTransfersOwnership",
     [] { return Authorize(SuperAdmin(), Action::kUserTransferOwnership); }, Allowed()},
    {"SuperAdminRoleDoesNotChange",
     [] { return CheckSuperAdminKept(Target(kSuperAdminRole), Action::kUserChangeRole); },
     ErrorCode::kConflict, "transfer ownership"},
    {"SuperAdminStatusDoesNotChange",
     [] { return CheckSuperAdminKept(Target(kSuperAdminRole), Action::kUserChangeStatus); },
     ErrorCode::kConflict, "transfer ownership"},
    {"SuperAdminCannotBeRemoved",
     [] { return CheckSuperAdminKept(Target(kSuperAdminRole), Action::kUserRemove); },
     ErrorCode::kConflict, "cannot be removed"},
    {"SuperAdminScopeMayChange",
     [] { return CheckSuperAdminKept(Target(kSuperAdminRole), Action::kUserChangeScope); }, Allowed()},
    {"AdminMayBeRemoved", [] { return CheckSuperAdminKept(Target(kAdminRole), Action::kUserRemove); },
     Allowed()},

    // "A removed or disabled user loses every live connection at once (close 4403)."
    // Policy's part is who may remove or disable; the close is the connection's (e2e).
    {"TechnicianCannotDisableUsers", [] { return Authorize(Technician(), Action::kUserChangeStatus); },
     ErrorCode::kPermissionDenied, "'manage_technicians'"},
    {"ManageTechniciansHolderRemovesUsers",
     [] { return Authorize(Custom({P::kManageTechnicians}), Action::kUserRemove); }, Allowed()},
    {"SupportUserCannotRemoveUsers", [] { return Authorize(SupportUser(), Action::kUserRemove); },
     ErrorCode::kPermissionDenied, "support user"},
};
INSTANTIATE_TEST_SUITE_P(Privileges, StatusRows, ::testing::ValuesIn(kPrivilegeRows), RowName<StatusRow>);

}  // namespace
}  // namespace tether::broker::policy::testing
