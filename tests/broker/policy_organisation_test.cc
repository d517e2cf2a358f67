// POLICY.md "Organisation", row by row: each row's rule as named cases.
#include <gtest/gtest.h>

#include "policy/preferences.h"
#include "policy_cases.h"

namespace tether::broker::policy::testing {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

const StatusRow kOrganisationRows[] = {
    // "Every user, device, group, session and audit event belongs to exactly one
    // organisation. Nothing of one organisation is visible to, or reachable from, another."
    // A user of another organisation is not_found, never permission_denied: not even
    // its existence is confirmed, whoever asks.
    {"SuperAdminCannotReachUserOfAnotherOrg",
     [] { return AuthorizeUserChange(SuperAdmin(), Target(kTechnicianRole, kOtherOrg)); },
     ErrorCode::kNotFound, "user 42 not found"},
    {"AdminOfAnotherOrgIsNotFoundRatherThanDenied",
     [] { return AuthorizeUserChange(Admin(), Target(kAdminRole, kOtherOrg)); },
     ErrorCode::kNotFound, "user 42 not found"},
    {"SuperAdminOfAnotherOrgIsNotFound",
     [] { return AuthorizeUserChange(SuperAdmin(), Target(kSuperAdminRole, kOtherOrg)); },
     ErrorCode::kNotFound, "user 42 not found"},
    {"SupportUserOfAnotherOrgIsNotFound",
     [] { return AuthorizeUserChange(SuperAdmin(), Target(kAdminRole, kOtherOrg, true)); },
     ErrorCode::kNotFound, "user 42 not found"},
    {"UserOfTheSameOrgIsReachable",
     [] { return AuthorizeUserChange(Admin(), Target(kTechnicianRole)); }, Allowed()},

    // "Plan: free, standard, professional, enterprise. On free, unattended computer groups
    // cannot be created or chosen (all devices sit in the default group): plan_restricted."
    {"FreePlanHasNoGroups", [] { return CheckPlanAllowsGroups(Org("free")); },
     ErrorCode::kPlanRestricted, "plan 'free' has no unattended groups"},
    {"StandardPlanHasGroups", [] { return CheckPlanAllowsGroups(Org("standard")); }, Allowed()},
    {"ProfessionalPlanHasGroups", [] { return CheckPlanAllowsGroups(Org("professional")); },
     Allowed()},
    {"EnterprisePlanHasGroups", [] { return CheckPlanAllowsGroups(Org("enterprise")); }, Allowed()},
    {"FreePlanRefusesChoosingAGroup",
     [] { return AuthorizeScopeAssignment(Admin(), Org("free"), Chosen({1})); },
     ErrorCode::kPlanRestricted, "free"},
    {"FreePlanRefusesChoosingADepartment",
     [] { return AuthorizeScopeAssignment(SuperAdmin(), Org("free"), Chosen({}, {"Sales"})); },
     ErrorCode::kPlanRestricted, "free"},
    {"FreePlanRefusesAnEmptyChosenList",
     [] { return AuthorizeScopeAssignment(Admin(), Org("free"), Chosen({})); },
     ErrorCode::kPlanRestricted, "free"},
    {"FreePlanAllowsAllGroupsScope",
     [] { return AuthorizeScopeAssignment(Admin(), Org("free"), AllGroups()); }, Allowed()},
    {"StandardPlanAllowsChoosingGroups",
     [] { return AuthorizeScopeAssignment(Admin(), Org("standard"), Chosen({1, 2}, {"Sales"})); },
     Allowed()},

    // "Licences: a number of remote-support technician seats. [...] An invite, role change
    // or role edit that would need more seats than bought is refused with licence_exceeded."
    {"SeatsExactlyFullRefuseTheNext", [] { return CheckSeats(Org("standard", 5, 5), 1); },
     ErrorCode::kLicenceExceeded, "5 of 5 seats are in use; this needs 1 more"},
    {"SeatsOneBelowFullAllowOneMore", [] { return CheckSeats(Org("standard", 5, 4), 1); },
     Allowed()},
    {"SeatsOneBelowFullRefuseTwoMore", [] { return CheckSeats(Org("standard", 5, 4), 2); },
     ErrorCode::kLicenceExceeded, "4 of 5 seats are in use; this needs 2 more"},
    {"NoSeatsBoughtRefuseTheFirst", [] { return CheckSeats(Org("free", 0, 0), 1); },
     ErrorCode::kLicenceExceeded, "0 of 0 seats"},
    {"NeedingNoSeatIsNeverRefused", [] { return CheckSeats(Org("standard", 5, 5), 0); },
     Allowed()},
    {"NeedingNoSeatIsAllowedEvenOverTheLicence",
     [] { return CheckSeats(Org("standard", 5, 6), 0); }, Allowed()},
    {"SeatCountDoesNotOverflow",
     [] { return CheckSeats(Org("enterprise", 10, 10), 0xffffffffu); },
     ErrorCode::kLicenceExceeded, "10 of 10 seats"},

    // "Preference notify_technician_changes: when on, every change to technicians made by
    // an Admin [...] sends the Super Admin a notification." Policy's part: the preference
    // exists, is a bool, and `preferences` changes it (EffectivePreferences, below, has it
    // off by default). Sending the notification is the handlers' (admin_request.cc).
    {"NotifyTechnicianChangesIsABoolPreference",
     [] {
       Action action = Action::kOrgGet;
       Status s = ValidatePreference("notify_technician_changes", Value(true), &action);
       if (s.ok() && action != Action::kOrgChangePreferences) return Status::Internal("action");
       return s;
     },
     Allowed()},
    {"NotifyTechnicianChangesRefusesANumber",
     [] {
       Action action = Action::kOrgGet;
       return ValidatePreference("notify_technician_changes", Value(1), &action);
     },
     ErrorCode::kBadRequest, "notify_technician_changes"},
};
INSTANTIATE_TEST_SUITE_P(Organisation, StatusRows, ::testing::ValuesIn(kOrganisationRows),
                         RowName<StatusRow>);

const BoolRow kSeatRows[] = {
    // "Every active user whose role holds remote_support takes a seat." (Whether the user is
    // active, and that a hidden support user takes none, is counted by the store.)
    {"SuperAdminTakesASeat", [] { return TakesSeat(RoleSet(kSuperAdminRole)); }, true},
    {"AdminTakesASeat", [] { return TakesSeat(RoleSet(kAdminRole)); }, true},
    {"TechnicianTakesASeat", [] { return TakesSeat(RoleSet(kTechnicianRole)); }, true},
    {"CustomRoleWithRemoteSupportTakesASeat",
     [] { return TakesSeat(MakeSet({Privilege::kRemoteSupport})); }, true},
    {"CustomRoleWithoutRemoteSupportTakesNoSeat",
     [] {
       return TakesSeat(MakeSet({Privilege::kUnattendedAccess, Privilege::kScreenSharing,
                                 Privilege::kManageTechnicians, Privilege::kReports}));
     },
     false},
    {"EmptyCustomRoleTakesNoSeat", [] { return TakesSeat(PrivilegeSet{}); }, false},
    {"NotifyTechnicianChangesIsOffByDefault",
     [] {
       Value effective = EffectivePreferences(Value());
       const Value* v = effective.Find("notify_technician_changes");
       return v != nullptr && *v == Value(false);
     },
     true},
};
INSTANTIATE_TEST_SUITE_P(Organisation, BoolRows, ::testing::ValuesIn(kSeatRows), RowName<BoolRow>);

}  // namespace
}  // namespace tether::broker::policy::testing
