// POLICY.md "Groups and scope" and "Invitations", row by row.
#include <gtest/gtest.h>

#include "policy_cases.h"

namespace tether::broker::policy::testing {
namespace {

using protocol::ErrorCode;
using protocol::Value;

using P = Privilege;

// Groups 1 and 2 are in department Sales, group 3 in Support, group 4 in none.
const BoolRow kScopeRows[] = {
    // "Groups contain unattended devices; a department is a name that several groups share."
    {"DepartmentCoversItsFirstGroup", [] { return ScopeCovers(Chosen({}, {"Sales"}), 1, "Sales"); }, true},
    {"DepartmentCoversItsSecondGroup", [] { return ScopeCovers(Chosen({}, {"Sales"}), 2, "Sales"); }, true},
    {"DepartmentDoesNotCoverAnotherDepartment",
     [] { return ScopeCovers(Chosen({}, {"Sales"}), 3, "Support"); }, false},
    {"DepartmentDoesNotCoverAGroupWithoutDepartment",
     [] { return ScopeCovers(Chosen({}, {"Sales"}), 4, ""); }, false},

    // "A user's scope is all groups (the default for every new technician) or a chosen list
    // of groups and departments (a department stands for all its groups)"
    {"NewUserScopeIsAllGroups", [] { return Scope{}.all_groups; }, true},
    {"NilScopeOnTheWireIsAllGroups",
     [] { auto s = ScopeFromWire(Value()); return s.ok() && s->all_groups; }, true},

    // "session.connect to a device outside scope: permission_denied, audited. device.list,
    // session.list and supervision show only what is in scope."
    {"ChosenGroupIsCovered", [] { return ScopeCovers(Chosen({3}), 3, "Support"); }, true},
    {"GroupOutsideTheListIsNotCovered", [] { return ScopeCovers(Chosen({3}), 1, "Sales"); }, false},
    {"GroupOrDepartmentEitherCovers", [] { return ScopeCovers(Chosen({3}, {"Sales"}), 2, "Sales"); }, true},
    {"AllGroupsCoversAnyGroup", [] { return ScopeCovers(AllGroups(), 4, ""); }, true},
    {"AllGroupsCoversAGroupOfADepartment", [] { return ScopeCovers(AllGroups(), 1, "Sales"); }, true},
    {"EmptyScopeCoversNothing", [] { return ScopeCovers(Chosen({}), 1, "Sales"); }, false},
    {"EmptyScopeCoversNoGroupWithoutDepartment", [] { return ScopeCovers(Chosen({}), 4, ""); }, false},

    // "Attended sessions are in the scope of every user of the organisation whose scope is
    // all groups, and of users whose scope shares at least one group with the controller's."
    {"AllGroupsOverlapsAllGroups", [] { return ScopesOverlap(AllGroups(), AllGroups()); }, true},
    {"AllGroupsOverlapsAChosenList", [] { return ScopesOverlap(AllGroups(), Chosen({3})); }, true},
    {"ChosenListOverlapsAllGroups", [] { return ScopesOverlap(Chosen({3}), AllGroups()); }, true},
    {"SharedGroupOverlaps", [] { return ScopesOverlap(Chosen({1, 3}), Chosen({3, 4})); }, true},
    {"DisjointGroupsDoNotOverlap", [] { return ScopesOverlap(Chosen({1, 2}), Chosen({3, 4})); }, false},
    {"SharedDepartmentOverlaps",
     [] { return ScopesOverlap(Chosen({1}, {"Sales"}), Chosen({3}, {"Sales"})); }, true},
    {"DifferentDepartmentsDoNotOverlap",
     [] { return ScopesOverlap(Chosen({}, {"Sales"}), Chosen({}, {"Support"})); }, false},
    // Decision: an empty chosen list shares no group, not even with all groups.
    {"EmptyScopeDoesNotOverlapAllGroups", [] { return ScopesOverlap(Chosen({}), AllGroups()); }, false},
    {"AllGroupsDoesNotOverlapEmptyScope", [] { return ScopesOverlap(AllGroups(), Chosen({})); }, false},
    {"EmptyScopesDoNotOverlap", [] { return ScopesOverlap(Chosen({}), Chosen({})); }, false},
};
INSTANTIATE_TEST_SUITE_P(GroupsAndScope, BoolRows, ::testing::ValuesIn(kScopeRows), RowName<BoolRow>);

const StatusRow kScopeAssignmentRows[] = {
    // "[A user's scope is] set by someone with group_permissions."
    {"ChoosingGroupsNeedsGroupPermissions",
     [] { return AuthorizeScopeAssignment(Custom({P::kManageTechnicians}), Org("standard"), Chosen({1})); },
     ErrorCode::kPermissionDenied, "'group_permissions'"},
    {"ChoosingDepartmentsNeedsGroupPermissions",
     [] {
       return AuthorizeScopeAssignment(Custom({P::kManageTechnicians}), Org("standard"),
                                       Chosen({}, {"Sales"}));
     },
     ErrorCode::kPermissionDenied, "'group_permissions'"},
    {"AllGroupsNeedsNoGroupPermissions",
     [] { return AuthorizeScopeAssignment(Custom({P::kManageTechnicians}), Org("standard"), AllGroups()); },
     Allowed()},
    {"GroupPermissionsHolderChoosesGroups",
     [] { return AuthorizeScopeAssignment(Custom({P::kGroupPermissions}), Org("professional"), Chosen({1})); },
     Allowed()},
    {"GroupPermissionIsCheckedBeforeThePlan",
     [] { return AuthorizeScopeAssignment(Technician(), Org("free"), Chosen({1})); },
     ErrorCode::kPermissionDenied, "'group_permissions'"},
    {"ChangingAScopeNeedsGroupPermissions",
     [] { return Authorize(Custom({P::kManageTechnicians, P::kAssignRoles}), Action::kUserChangeScope); },
     ErrorCode::kPermissionDenied, "'group_permissions'"},
    {"SupportUserCannotChangeAScope", [] { return Authorize(SupportUser(), Action::kUserChangeScope); },
     ErrorCode::kPermissionDenied, "support user"},
    {"CreatingAGroupNeedsGroupPermissions", [] { return Authorize(Technician(), Action::kGroupCreate); },
     ErrorCode::kPermissionDenied, "'group_permissions'"},
    {"MovingADeviceNeedsDeployment",
     [] { return Authorize(Custom({P::kGroupPermissions}), Action::kDeviceMove); },
     ErrorCode::kPermissionDenied, "'deployment'"},
};
INSTANTIATE_TEST_SUITE_P(GroupsAndScope, StatusRows, ::testing::ValuesIn(kScopeAssignmentRows),
                         RowName<StatusRow>);

// A custom role that may invite technicians: manage_technicians plus everything the
// technician role holds, the limited forms through the full `reports` and `preferences`.
Actor Inviter() {
  return Custom({P::kManageTechnicians, P::kRemoteSupport, P::kUnattendedAccess, P::kScreenSharing,
                 P::kReports, P::kPreferences});
}

const StatusRow kInvitationRows[] = {
    // "One by one or in bulk (a list of emails), each with a role and a scope."
    {"InvitingNeedsManageTechnicians", [] { return Authorize(Technician(), Action::kUserInvite); },
     ErrorCode::kPermissionDenied, "'manage_technicians'"},
    {"InvitingNeedsNoAssignRoles", [] { return Authorize(Inviter(), Action::kUserInvite); }, Allowed()},
    {"InviterMayInviteATechnician",
     [] { return AuthorizeGrant(Inviter(), kTechnicianRole, RoleSet(kTechnicianRole)); }, Allowed()},
    {"InviterCannotInviteAnAdmin",
     [] { return AuthorizeGrant(Inviter(), kAdminRole, RoleSet(kAdminRole)); },
     ErrorCode::kPermissionDenied, "'assign_roles'"},
    {"InviterWithoutUnattendedAccessCannotInviteATechnician",
     [] {
       return AuthorizeGrant(Custom({P::kManageTechnicians, P::kRemoteSupport}), kTechnicianRole,
                             RoleSet(kTechnicianRole));
     },
     ErrorCode::kPermissionDenied, "'unattended_access'"},
    {"NobodyIsInvitedAsSuperAdmin",
     [] { return AuthorizeGrant(SuperAdmin(), kSuperAdminRole, RoleSet(kSuperAdminRole)); },
     ErrorCode::kPermissionDenied, "ownership is transferred"},
    {"InviteWithAChosenScopeNeedsGroupPermissions",
     [] { return AuthorizeScopeAssignment(Inviter(), Org("standard"), Chosen({1})); },
     ErrorCode::kPermissionDenied, "'group_permissions'"},
    {"InviteWithAChosenScopeOnFreeIsPlanRestricted",
     [] { return AuthorizeScopeAssignment(Admin(), Org("free"), Chosen({1})); },
     ErrorCode::kPlanRestricted, "free"},
    {"SupportUserCannotInvite", [] { return Authorize(SupportUser(), Action::kUserInvite); },
     ErrorCode::kPermissionDenied, "support user"},
    {"SupportUserCannotGrantTheRoleOfAnInvite",
     [] { return AuthorizeGrant(SupportUser(), kTechnicianRole, RoleSet(kTechnicianRole)); },
     ErrorCode::kPermissionDenied, "support user"},
    {"BulkInviteNeedingMoreSeatsThanFreeIsRefused",
     [] { return CheckSeats(Org("standard", 10, 8), 3); }, ErrorCode::kLicenceExceeded,
     "8 of 10 seats are in use; this needs 3 more"},
    {"BulkInviteFillingTheSeatsExactlyIsAllowed", [] { return CheckSeats(Org("standard", 10, 7), 3); },
     Allowed()},

    // "An invitation expires 7 days after it was sent (expired), is single use, and is
    // checked against licences when accepted as well as when sent." Policy's part is the
    // seat check at acceptance; expiry and single use are the store's and the handler's.
    {"AcceptingWhenTheSeatsFilledMeanwhileIsRefused",
     [] { return CheckSeats(Org("standard", 3, 3), 1); }, ErrorCode::kLicenceExceeded,
     "3 of 3 seats are in use; this needs 1 more"},
    {"AcceptingWithASeatLeftIsAllowed", [] { return CheckSeats(Org("standard", 3, 2), 1); }, Allowed()},
    // "An email that already has a user in the organisation: conflict." is a store lookup
    // in the handler: no policy row.
};
INSTANTIATE_TEST_SUITE_P(Invitations, StatusRows, ::testing::ValuesIn(kInvitationRows), RowName<StatusRow>);

}  // namespace
}  // namespace tether::broker::policy::testing
