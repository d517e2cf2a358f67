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
};

constexpr Expect kAllow{true};
constexpr Expect Missing(std::string_view privilege) { return {false, privilege, false}; }
constexpr Expect kBarred{false, {}, true};

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

TEST(Policy, ActionWithoutRuleIsRefusedAsInternal) {
  Status s = Authorize(MakeActor(Who::kSuperAdmin), static_cast<Action>(9999));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace tether::broker::policy
