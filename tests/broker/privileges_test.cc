// The built-in roles against POLICY.md "Privileges", restated here cell by cell so that
// the table in privileges.cc is checked against an independent copy, not against itself.
#include "policy/privileges.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tether::broker::policy {
namespace {

// A technician cell of POLICY.md: yes, — or "own only".
enum class Tech { kYes, kNo, kOwnOnly };

struct PolicyRow {
  std::string_view name;
  bool super_admin;
  bool admin;
  Tech technician;
};

// POLICY.md "Privileges", top to bottom. "own only" means the technician holds
// `<name>_own` instead of `<name>`.
constexpr PolicyRow kPolicyTable[] = {
    {"billing", true, false, Tech::kNo},
    {"subscription", true, false, Tech::kNo},
    {"rebranding", true, false, Tech::kNo},
    {"two_factor_auth", true, false, Tech::kNo},
    {"remote_support", true, true, Tech::kYes},
    {"unattended_access", true, true, Tech::kYes},
    {"screen_sharing", true, true, Tech::kYes},
    {"manage_technicians", true, true, Tech::kNo},
    {"assign_roles", true, true, Tech::kNo},
    {"group_permissions", true, true, Tech::kNo},
    {"preferences", true, true, Tech::kOwnOnly},
    {"email_templates", true, true, Tech::kNo},
    {"integrations", true, true, Tech::kNo},
    {"customer_widget", true, true, Tech::kNo},
    {"contacts", true, true, Tech::kNo},
    {"deployment", true, true, Tech::kNo},
    {"session_confirmation", true, true, Tech::kNo},
    {"wake_on_lan", true, true, Tech::kNo},
    {"reports", true, true, Tech::kOwnOnly},
    {"session_supervision", true, true, Tech::kNo},
    {"audit_view", true, true, Tech::kNo},
    {"audit_export", true, true, Tech::kNo},
    {"support_access", true, true, Tech::kNo},
};

Privilege MustParse(std::string_view name) {
  std::optional<Privilege> p = PrivilegeFromWire(name);
  EXPECT_TRUE(p.has_value()) << "no privilege named '" << name << "'";
  return p.value_or(Privilege::kCount);
}

PrivilegeSet Role(std::string_view role_id) {
  std::optional<PrivilegeSet> set = BuiltinRolePrivileges(role_id);
  EXPECT_TRUE(set.has_value()) << role_id;
  return set.value_or(PrivilegeSet{});
}

std::string OwnForm(std::string_view name) { return std::string(name) + "_own"; }

std::vector<Privilege> AllPrivileges() {
  std::vector<Privilege> all;
  for (std::size_t i = 0; i < static_cast<std::size_t>(Privilege::kCount); ++i) {
    all.push_back(static_cast<Privilege>(i));
  }
  return all;
}

TEST(Privileges, EveryPolicyRowIsAKnownWireName) {
  for (const PolicyRow& row : kPolicyTable) {
    EXPECT_TRUE(PrivilegeFromWire(row.name).has_value()) << row.name;
    if (row.technician == Tech::kOwnOnly) {
      EXPECT_TRUE(PrivilegeFromWire(OwnForm(row.name)).has_value()) << OwnForm(row.name);
    }
  }
}

// The code knows no privilege beyond POLICY.md's rows and their "own" forms: a stray
// extra privilege would be granted to nobody by the table but could reach custom roles.
TEST(Privileges, CodeKnowsExactlyThePolicyPrivileges) {
  std::set<std::string> expected;
  for (const PolicyRow& row : kPolicyTable) {
    expected.insert(std::string(row.name));
    if (row.technician == Tech::kOwnOnly) expected.insert(OwnForm(row.name));
  }
  std::set<std::string> actual;
  for (Privilege p : AllPrivileges()) actual.insert(std::string(WireName(p)));
  EXPECT_EQ(actual, expected);
}

TEST(Privileges, SuperAdminHoldsEveryPrivilegeOfTheTable) {
  PrivilegeSet super_admin = Role("super_admin");
  for (const PolicyRow& row : kPolicyTable) {
    ASSERT_TRUE(row.super_admin);  // POLICY.md: the Super Admin column is all "yes"
    EXPECT_TRUE(Has(super_admin, MustParse(row.name))) << row.name;
  }
}

TEST(Privileges, AdminLacksBillingSubscriptionRebrandingTwoFactor) {
  PrivilegeSet admin = Role("admin");
  for (std::string_view name : {"billing", "subscription", "rebranding", "two_factor_auth"}) {
    EXPECT_FALSE(Has(admin, MustParse(name))) << name;
  }
  for (const PolicyRow& row : kPolicyTable) {
    EXPECT_EQ(Has(admin, MustParse(row.name)), row.admin) << row.name;
  }
}

TEST(Privileges, TechnicianHoldsOwnFormsOnly) {
  PrivilegeSet technician = Role("technician");
  EXPECT_TRUE(Has(technician, MustParse("preferences_own")));
  EXPECT_TRUE(Has(technician, MustParse("reports_own")));
  EXPECT_FALSE(Has(technician, MustParse("preferences")));
  EXPECT_FALSE(Has(technician, MustParse("reports")));
  for (const PolicyRow& row : kPolicyTable) {
    EXPECT_EQ(Has(technician, MustParse(row.name)), row.technician == Tech::kYes) << row.name;
  }
}

// Every cell of every column, including the "own" forms, which only the technician holds
// (the Super Admin and Admin hold the unrestricted privilege instead).
TEST(Privileges, EveryCellOfTheBuiltinRolesMatchesPolicy) {
  PrivilegeSet super_admin = Role("super_admin");
  PrivilegeSet admin = Role("admin");
  PrivilegeSet technician = Role("technician");
  PrivilegeSet expected_super_admin, expected_admin, expected_technician;
  for (const PolicyRow& row : kPolicyTable) {
    Privilege p = MustParse(row.name);
    expected_super_admin.set(static_cast<std::size_t>(p), row.super_admin);
    expected_admin.set(static_cast<std::size_t>(p), row.admin);
    expected_technician.set(static_cast<std::size_t>(p), row.technician == Tech::kYes);
    if (row.technician == Tech::kOwnOnly) {
      expected_technician.set(static_cast<std::size_t>(MustParse(OwnForm(row.name))));
    }
  }
  EXPECT_EQ(super_admin, expected_super_admin) << super_admin << "\n" << expected_super_admin;
  EXPECT_EQ(admin, expected_admin) << admin << "\n" << expected_admin;
  EXPECT_EQ(technician, expected_technician) << technician << "\n" << expected_technician;
}

TEST(Privileges, EveryWireNameRoundTrips) {
  std::set<std::string_view> seen;
  for (Privilege p : AllPrivileges()) {
    std::string_view name = WireName(p);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "duplicate wire name " << name;
    std::optional<Privilege> back = PrivilegeFromWire(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, p) << name;
  }
}

TEST(Privileges, UnknownWireNameIsNullopt) {
  for (std::string_view name :
       {"", "Billing", "billing ", " billing", "superpower", "preferences_all", "reports-own"}) {
    EXPECT_FALSE(PrivilegeFromWire(name).has_value()) << "'" << name << "'";
  }
}

TEST(Privileges, CustomRoleIdHasNoBuiltinPrivileges) {
  for (std::string_view role_id : {"r_3f2a", "custom", "", "Admin", "super-admin", "admin "}) {
    EXPECT_FALSE(BuiltinRolePrivileges(role_id).has_value()) << "'" << role_id << "'";
  }
}

TEST(Privileges, PrivilegeNamesListsTheSetInTableOrder) {
  PrivilegeSet set = MakeSet({Privilege::kReportsOwn, Privilege::kBilling, Privilege::kAuditView});
  EXPECT_EQ(PrivilegeNames(set),
            (std::vector<std::string>{"billing", "reports_own", "audit_view"}));
  EXPECT_TRUE(PrivilegeNames(PrivilegeSet{}).empty());
}

TEST(Privileges, PrivilegeNamesOfTechnicianAreItsWireNames) {
  EXPECT_EQ(PrivilegeNames(Role("technician")),
            (std::vector<std::string>{"remote_support", "unattended_access", "screen_sharing",
                                      "preferences_own", "reports_own"}));
}

TEST(Privileges, MakeSetHoldsExactlyItsMembers) {
  PrivilegeSet set = MakeSet({Privilege::kDeployment, Privilege::kWakeOnLan});
  EXPECT_EQ(set.count(), 2u);
  EXPECT_TRUE(Has(set, Privilege::kDeployment));
  EXPECT_TRUE(Has(set, Privilege::kWakeOnLan));
  EXPECT_FALSE(Has(set, Privilege::kBilling));
}

}  // namespace
}  // namespace tether::broker::policy
