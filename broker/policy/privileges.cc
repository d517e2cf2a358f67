// The privilege table of POLICY.md, row by row.
#include "policy/privileges.h"

#include <array>

namespace tether::broker::policy {
namespace {

struct Row {
  Privilege privilege;
  std::string_view name;
  bool super_admin;
  bool admin;
  bool technician;
};

// POLICY.md "Privileges": the three built-in columns. The limited forms are separate
// privileges: a technician holds preferences_own and reports_own.
constexpr std::array<Row, static_cast<std::size_t>(Privilege::kCount)> kTable{{
    {Privilege::kBilling, "billing", true, false, false},
    {Privilege::kSubscription, "subscription", true, false, false},
    {Privilege::kRebranding, "rebranding", true, false, false},
    {Privilege::kTwoFactorAuth, "two_factor_auth", true, false, false},
    {Privilege::kRemoteSupport, "remote_support", true, true, true},
    {Privilege::kUnattendedAccess, "unattended_access", true, true, true},
    {Privilege::kScreenSharing, "screen_sharing", true, true, true},
    {Privilege::kManageTechnicians, "manage_technicians", true, true, false},
    {Privilege::kAssignRoles, "assign_roles", true, true, false},
    {Privilege::kGroupPermissions, "group_permissions", true, true, false},
    {Privilege::kPreferences, "preferences", true, true, false},
    {Privilege::kPreferencesOwn, "preferences_own", false, false, true},
    {Privilege::kEmailTemplates, "email_templates", true, true, false},
    {Privilege::kIntegrations, "integrations", true, true, false},
    {Privilege::kCustomerWidget, "customer_widget", true, true, false},
    {Privilege::kContacts, "contacts", true, true, false},
    {Privilege::kDeployment, "deployment", true, true, false},
    {Privilege::kSessionConfirmation, "session_confirmation", true, true, false},
    {Privilege::kWakeOnLan, "wake_on_lan", true, true, false},
    {Privilege::kReports, "reports", true, true, false},
    {Privilege::kReportsOwn, "reports_own", false, false, true},
    {Privilege::kSessionSupervision, "session_supervision", true, true, false},
    {Privilege::kAuditView, "audit_view", true, true, false},
    {Privilege::kAuditExport, "audit_export", true, true, false},
    {Privilege::kSupportAccess, "support_access", true, true, false},
}};

PrivilegeSet Column(bool Row::*column) {
  PrivilegeSet set;
  for (const Row& row : kTable) set.set(static_cast<std::size_t>(row.privilege), row.*column);
  return set;
}

}  // namespace

std::string_view WireName(Privilege privilege) {
  return kTable[static_cast<std::size_t>(privilege)].name;
}

std::optional<Privilege> PrivilegeFromWire(std::string_view name) {
  for (const Row& row : kTable) {
    if (row.name == name) return row.privilege;
  }
  return std::nullopt;
}

PrivilegeSet MakeSet(std::initializer_list<Privilege> privileges) {
  PrivilegeSet set;
  for (Privilege p : privileges) set.set(static_cast<std::size_t>(p));
  return set;
}

std::optional<PrivilegeSet> BuiltinRolePrivileges(std::string_view role_id) {
  static const PrivilegeSet kSuperAdmin = Column(&Row::super_admin);
  static const PrivilegeSet kAdmin = Column(&Row::admin);
  static const PrivilegeSet kTechnician = Column(&Row::technician);
  if (role_id == kSuperAdminRole) return kSuperAdmin;
  if (role_id == kAdminRole) return kAdmin;
  if (role_id == kTechnicianRole) return kTechnician;
  return std::nullopt;
}

std::vector<std::string> PrivilegeNames(const PrivilegeSet& set) {
  std::vector<std::string> names;
  for (const Row& row : kTable) {
    if (Has(set, row.privilege)) names.emplace_back(row.name);
  }
  return names;
}

}  // namespace tether::broker::policy
