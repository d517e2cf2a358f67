// Helpers for the table tests of POLICY.md: actors, targets and organisations in a line,
// and row types whose every instance becomes its own named GoogleTest case, e.g.
// "Privileges/StatusRows.Holds/AdminCannotGrantBilling". The TEST_Ps are in
// policy_cases.cc; each test file instantiates them over its own table.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"
#include "policy/privileges.h"
#include "policy/scope.h"

namespace tether::broker::policy::testing {

inline constexpr std::int64_t kOrg = 3;
inline constexpr std::int64_t kOtherOrg = 4;
inline constexpr std::int64_t kTargetId = 42;

// A user of organisation kOrg holding a built-in role.
inline Actor Builtin(std::string_view role_id) {
  Actor actor;
  actor.user_id = 7;
  actor.org_id = kOrg;
  actor.role_id = std::string(role_id);
  actor.privileges = BuiltinRolePrivileges(role_id).value();
  return actor;
}
inline Actor SuperAdmin() { return Builtin(kSuperAdminRole); }
inline Actor Admin() { return Builtin(kAdminRole); }
inline Actor Technician() { return Builtin(kTechnicianRole); }
// POLICY.md "Support access": Admin privileges, minus a list of things it is barred from.
inline Actor SupportUser() {
  Actor actor = Admin();
  actor.support_user = true;
  return actor;
}
// A user of a custom role holding exactly `privileges`.
inline Actor Custom(std::initializer_list<Privilege> privileges) {
  Actor actor;
  actor.user_id = 8;
  actor.org_id = kOrg;
  actor.role_id = "r_custom";
  actor.privileges = MakeSet(privileges);
  return actor;
}

inline TargetUser Target(std::string_view role_id, std::int64_t org_id = kOrg, bool hidden = false) {
  return TargetUser{kTargetId, org_id, std::string(role_id), hidden};
}

inline OrgFacts Org(std::string plan, std::uint32_t seats = 10, std::uint32_t seats_used = 0) {
  return OrgFacts{std::move(plan), seats, seats_used};
}

inline PrivilegeSet RoleSet(std::string_view role_id) { return BuiltinRolePrivileges(role_id).value(); }

inline Scope Chosen(std::vector<std::int64_t> groups, std::vector<std::string> departments = {}) {
  return Scope{false, std::move(groups), std::move(departments)};
}
inline Scope AllGroups() { return Scope{}; }

// A row whose check returns a Status: ok, or this code with a message holding `message_has`.
struct StatusRow {
  const char* name;
  std::function<protocol::Status()> run;
  std::optional<protocol::ErrorCode> code;  // nullopt: must be ok
  const char* message_has = "";
};
inline std::optional<protocol::ErrorCode> Allowed() { return std::nullopt; }

// A row whose check is a yes/no question (scope coverage, seat taking).
struct BoolRow {
  const char* name;
  std::function<bool()> run;
  bool expected;
};

inline void PrintTo(const StatusRow& row, std::ostream* os) { *os << row.name; }
inline void PrintTo(const BoolRow& row, std::ostream* os) { *os << row.name; }

class StatusRows : public ::testing::TestWithParam<StatusRow> {};
class BoolRows : public ::testing::TestWithParam<BoolRow> {};

inline void CheckStatusRow(const StatusRow& row) {
  protocol::Status s = row.run();
  if (!row.code) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return;
  }
  ASSERT_FALSE(s.ok()) << "allowed, expected " << protocol::WireName(*row.code);
  EXPECT_EQ(s.code(), *row.code) << s.ToString();
  EXPECT_NE(s.message().find(row.message_has), std::string::npos)
      << "'" << s.message() << "' lacks '" << row.message_has << "'";
}

template <typename Row>
std::string RowName(const ::testing::TestParamInfo<Row>& info) {
  return info.param.name;
}

}  // namespace tether::broker::policy::testing
