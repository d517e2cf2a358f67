// Privileges and the built-in roles of POLICY.md "Privileges". Pure data, no I/O.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::broker::policy {

// On the wire (by WireName): never rename. The enum order is ours.
enum class Privilege {
  kBilling,
  kSubscription,
  kRebranding,
  kTwoFactorAuth,
  kRemoteSupport,
  kUnattendedAccess,
  kScreenSharing,
  kManageTechnicians,
  kAssignRoles,
  kGroupPermissions,
  kPreferences,
  kPreferencesOwn,  // a technician's own settings only
  kEmailTemplates,
  kIntegrations,
  kCustomerWidget,
  kContacts,
  kDeployment,
  kSessionConfirmation,
  kWakeOnLan,
  kReports,
  kReportsOwn,  // self-conducted sessions only
  kSessionSupervision,
  kAuditView,
  kAuditExport,
  kSupportAccess,
  kCount,
};

using PrivilegeSet = std::bitset<static_cast<std::size_t>(Privilege::kCount)>;

inline constexpr std::string_view kSuperAdminRole = "super_admin";
inline constexpr std::string_view kAdminRole = "admin";
inline constexpr std::string_view kTechnicianRole = "technician";

std::string_view WireName(Privilege privilege);
std::optional<Privilege> PrivilegeFromWire(std::string_view name);

inline bool Has(const PrivilegeSet& set, Privilege p) { return set.test(static_cast<std::size_t>(p)); }
PrivilegeSet MakeSet(std::initializer_list<Privilege> privileges);

// The privileges of a built-in role; nullopt for any other id (a custom role).
std::optional<PrivilegeSet> BuiltinRolePrivileges(std::string_view role_id);
// The wire names of a set, in the order of the table.
std::vector<std::string> PrivilegeNames(const PrivilegeSet& set);

}  // namespace tether::broker::policy
