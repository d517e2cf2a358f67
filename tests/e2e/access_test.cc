// End to end: the access model (POLICY.md "Privileges", "Invitations", "Licences").
#include <gtest/gtest.h>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;


TEST(Access, AdminInvitesATechnicianWhoAcceptsLogsInAndIsRefusedAnAdminRequest) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto admin = InviteAndAccept(broker, *owner, "admin@acme.test", "admin");
  ASSERT_TRUE(admin);
  Value hello;
  auto tech = InviteAndAccept(broker, *admin, "tech@acme.test", "technician", Value(), &hello);
  ASSERT_TRUE(tech);
  EXPECT_EQ(hello.Find("user")->Find("role")->as_string(), "technician");
  EXPECT_EQ(hello.Find("token")->as_string().size(), 64u);
  // The technician logs in again with the password they chose.
  auto again = Connect(broker);
  ASSERT_TRUE(again->Hello(PasswordAuth(kOrg, "tech@acme.test", kMemberPassword), kWait).ok());
  // ... and is refused what only admins may do.
  Refused(*again, Req({{"t", "user.list"}}), ErrorCode::kPermissionDenied);
  Refused(*again, Req({{"t", "group.create"}, {"name", "Servers"}}), ErrorCode::kPermissionDenied);
  Refused(*again, Req({{"t", "role.create"}, {"name", "X"}, {"description", ""}, {"privileges", Value::MakeArray()}}),
          ErrorCode::kPermissionDenied);
}

TEST(Access, InvitationIsSingleUse) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string token = InviteToken(*owner, "once@acme.test", "technician");
  Value auth = Value::MapOf({{"kind", "invite"}, {"token", token}, {"name", "Once"}, {"password", kMemberPassword}});
  auto first = Connect(broker);
  ASSERT_TRUE(first->Hello(auth, kWait).ok());
  auto second = Connect(broker);
  auto reply = second->Hello(auth, kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(second->WaitClosed(kWait)->code, 4401);
}

TEST(Access, InvitingAnEmailThatIsAlreadyAUserIsConflict) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Value invite = Value::MapOf({{"email", "OWNER@acme.test"}, {"role", "technician"}});  // any case
  Refused(*owner, Req({{"t", "user.invite"}, {"invites", Value(Value::Array{invite})}}), ErrorCode::kConflict);
}

TEST(Access, ExpiredInvitationIsRefusedWithExpired) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string token = InviteToken(*owner, "late@acme.test", "technician");
  Ok(*owner, Req({{"t", "test.clock.advance"}, {"ms", 7 * 24 * 3600 * 1000 + 1}}));
  auto late = Connect(broker);
  auto reply = late->Hello(
      Value::MapOf({{"kind", "invite"}, {"token", token}, {"name", "Late"}, {"password", kMemberPassword}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kExpired);
  EXPECT_EQ(late->WaitClosed(kWait)->code, 4401);
}

TEST(Access, LicenceFullOrganisationRefusesTheNextInviteAndAcceptance) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Ok(*owner, Req({{"t", "org.update"}, {"seats", 2}}));
  std::string pending = InviteToken(*owner, "second@acme.test", "technician");  // 1 used + 1 = 2: fits
  auto third = Value::MapOf({{"email", "third@acme.test"}, {"role", "technician"}});
  // Two invites in one request need two seats: all or nothing.
  Value both = Value(Value::Array{Value::MapOf({{"email", "a@acme.test"}, {"role", "technician"}}), third});
  Refused(*owner, Req({{"t", "user.invite"}, {"invites", both}}), ErrorCode::kLicenceExceeded);
  auto second = Connect(broker);
  ASSERT_TRUE(second->Hello(Value::MapOf({{"kind", "invite"}, {"token", pending}, {"name", "Second"},
                                          {"password", kMemberPassword}}),
                            kWait)
                  .ok());
  Refused(*owner, Req({{"t", "user.invite"}, {"invites", Value(Value::Array{third})}}), ErrorCode::kLicenceExceeded);
  Value licence = Ok(*owner, Req({{"t", "licence.get"}}));
  EXPECT_EQ(licence.Find("seats")->as_uint(), 2u);
  EXPECT_EQ(licence.Find("seats_used")->as_uint(), 2u);
}

TEST(Access, RemovedUsersOpenConnectionIsClosedWith4403) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "gone@acme.test", "technician");
  ASSERT_TRUE(tech);
  Ok(*owner, Req({{"t", "user.remove"}, {"user_id", UserIdOf(*owner, "gone@acme.test")}}));
  auto closed = tech->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4403);
}

TEST(Access, DisabledUsersOpenConnectionIsClosedWith4403AndTheyCannotLogIn) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "off@acme.test", "technician");
  Ok(*owner, Req({{"t", "user.update"}, {"user_id", UserIdOf(*owner, "off@acme.test")}, {"status", "disabled"}}));
  EXPECT_EQ(tech->WaitClosed(kWait)->code, 4403);
  auto retry = Connect(broker);
  auto reply = retry->Hello(PasswordAuth(kOrg, "off@acme.test", kMemberPassword), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnauthenticated);
}

TEST(Access, CustomRoleGrantsItsPrivilegesAndAnEditTakesEffectOnLiveConnections) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Value role = Ok(*owner, Req({{"t", "role.create"}, {"name", "Helpdesk lead"}, {"description", "Invites people"},
                               {"privileges", Value(Value::Array{"remote_support", "manage_technicians"})}}));
  std::string role_id = role.Find("role_id")->as_string();
  auto lead = InviteAndAccept(broker, *owner, "lead@acme.test", role_id);
  ASSERT_TRUE(lead);
  Ok(*lead, Req({{"t", "user.list"}}));
  // No escalation: the lead cannot invite an Admin (who holds privileges the lead lacks).
  Refused(*lead, Req({{"t", "user.invite"}, {"invites", Value(Value::Array{Value::MapOf({{"email", "x@acme.test"},
                                                                                          {"role", "admin"}})})}}),
          ErrorCode::kPermissionDenied);
  // The owner takes manage_technicians away: the lead's live connection is refused from
  // its very next request (the change reaches live connections before the answer does).
  Ok(*owner, Req({{"t", "role.update"}, {"role_id", role_id}, {"privileges", Value(Value::Array{"remote_support"})}}));
  Refused(*lead, Req({{"t", "user.list"}}), ErrorCode::kPermissionDenied);
  // A role still held cannot be deleted.
  Refused(*owner, Req({{"t", "role.delete"}, {"role_id", role_id}}), ErrorCode::kConflict);
}

TEST(Access, CustomRolesCannotHoldSuperAdminPrivilegesAndBuiltInsAreImmutable) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Refused(*owner, Req({{"t", "role.create"}, {"name", "Payer"}, {"description", ""},
                       {"privileges", Value(Value::Array{"billing"})}}),
          ErrorCode::kBadRequest);
  Refused(*owner, Req({{"t", "role.update"}, {"role_id", "admin"}, {"name", "Boss"}}), ErrorCode::kPermissionDenied);
  Refused(*owner, Req({{"t", "role.delete"}, {"role_id", "technician"}}), ErrorCode::kPermissionDenied);
  Value roles = Ok(*owner, Req({{"t", "role.list"}}));
  ASSERT_GE(roles.Find("roles")->as_array().size(), 3u);
  EXPECT_TRUE(roles.Find("roles")->as_array()[0].Find("builtin")->as_bool());
}

TEST(Access, OnlyTheSuperAdminChangesAnAdminAndOwnershipIsTransferredNotGranted) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto admin = InviteAndAccept(broker, *owner, "a1@acme.test", "admin");
  auto other = InviteAndAccept(broker, *owner, "a2@acme.test", "admin");
  std::string other_id = UserIdOf(*owner, "a2@acme.test");
  Refused(*admin, Req({{"t", "user.update"}, {"user_id", other_id}, {"role", "technician"}}),
          ErrorCode::kPermissionDenied);
  Refused(*owner, Req({{"t", "user.update"}, {"user_id", other_id}, {"role", "super_admin"}}),
          ErrorCode::kPermissionDenied);
  Refused(*admin, Req({{"t", "user.transfer_ownership"}, {"user_id", other_id}}), ErrorCode::kPermissionDenied);
  Ok(*owner, Req({{"t", "user.transfer_ownership"}, {"user_id", other_id}}));
  Value users = Ok(*other, Req({{"t", "user.list"}}));
  int owners = 0;
  for (const Value& u : users.Find("users")->as_array()) owners += u.Find("role")->as_string() == "super_admin";
  EXPECT_EQ(owners, 1);
  EXPECT_EQ(UserIdOf(*other, kOwnerEmail).empty(), false);
}

TEST(Access, GroupsScopeAndPlanFree) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string servers = Ok(*owner, Req({{"t", "group.create"}, {"name", "Servers"}, {"department", "IT"}}))
                            .Find("group_id")->as_string();
  Ok(*owner, Req({{"t", "group.create"}, {"name", "Laptops"}, {"department", "Sales"}}));
  Refused(*owner, Req({{"t", "group.create"}, {"name", "Servers"}}), ErrorCode::kConflict);
  Value scope = Value::MapOf({{"groups", Value(Value::Array{servers})}, {"departments", Value::MakeArray()}});
  auto tech = InviteAndAccept(broker, *owner, "scoped@acme.test", "technician", scope);
  Value seen = Ok(*tech, Req({{"t", "group.list"}}));
  ASSERT_EQ(seen.Find("groups")->as_array().size(), 1u);  // only what the scope reaches
  EXPECT_EQ(seen.Find("groups")->as_array()[0].Find("name")->as_string(), "Servers");
  EXPECT_EQ(Ok(*owner, Req({{"t", "group.list"}})).Find("groups")->as_array().size(), 2u);
  Ok(*owner, Req({{"t", "group.delete"}, {"group_id", servers}}));
  // On plan free there are no groups to create or choose.
  Ok(*owner, Req({{"t", "org.update"}, {"plan", "free"}}));
  Refused(*owner, Req({{"t", "group.create"}, {"name", "Kiosks"}}), ErrorCode::kPlanRestricted);
  Value some = Value::MapOf({{"groups", Value::MakeArray()}, {"departments", Value(Value::Array{"Sales"})}});
  Refused(*owner, Req({{"t", "user.invite"}, {"invites", Value(Value::Array{Value::MapOf(
                                                           {{"email", "f@acme.test"}, {"role", "technician"},
                                                            {"scope", some}})})}}),
          ErrorCode::kPlanRestricted);
}

TEST(Access, AdminChangesNotifyTheSuperAdminWhenTheOrganisationAsks) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Ok(*owner, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"notify_technician_changes", true}})}}));
  auto admin = InviteAndAccept(broker, *owner, "adm@acme.test", "admin");
  InviteToken(*admin, "newbie@acme.test", "technician");
  auto pushed = owner->NextMessage(kWait);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(pushed->Find("event")->as_string(), "notification");
  Value stored = Ok(*owner, Req({{"t", "notification.list"}}));
  ASSERT_EQ(stored.Find("notifications")->as_array().size(), 1u);
  EXPECT_EQ(stored.Find("notifications")->as_array()[0].Find("kind")->as_string(), "technician_invited");
  // The Super Admin's own changes notify nobody.
  InviteToken(*owner, "quiet@acme.test", "technician");
  EXPECT_EQ(Ok(*owner, Req({{"t", "notification.list"}})).Find("notifications")->as_array().size(), 1u);
}

TEST(Access, PasswordChangeAndAdminResetAreTheOnlyWaysToANewPassword) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "pw@acme.test", "technician");
  Refused(*tech, Req({{"t", "auth.password.change"}, {"old_password", "wrong-one-x"}, {"new_password", "brand-new-pass"}}),
          ErrorCode::kUnauthenticated);
  Ok(*tech, Req({{"t", "auth.password.change"}, {"old_password", kMemberPassword}, {"new_password", "brand-new-pass"}}));
  auto fresh = Connect(broker);
  ASSERT_TRUE(fresh->Hello(PasswordAuth(kOrg, "pw@acme.test", "brand-new-pass"), kWait).ok());
  Value reset = Ok(*owner, Req({{"t", "user.password_reset"}, {"user_id", UserIdOf(*owner, "pw@acme.test")}}));
  auto via_reset = Connect(broker);
  ASSERT_TRUE(via_reset->Hello(Value::MapOf({{"kind", "reset"}, {"token", reset.Find("token")->as_string()},
                                             {"password", "after-reset-pass"}}),
                               kWait)
                  .ok());
  auto with_new = Connect(broker);
  EXPECT_TRUE(with_new->Hello(PasswordAuth(kOrg, "pw@acme.test", "after-reset-pass"), kWait).ok());
}

}  // namespace
}  // namespace tether::e2e

namespace tether::e2e {
namespace {

TEST(AccessCredentials, PasswordChangeEndsTheUsersOtherConnectionsButNotThisOne) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "two@acme.test", "technician");
  auto second = Connect(broker);
  ASSERT_TRUE(second->Hello(PasswordAuth(kOrg, "two@acme.test", kMemberPassword), kWait).ok());
  Ok(*tech, protocol::Value::MapOf({{"t", "auth.password.change"}, {"old_password", kMemberPassword},
                                    {"new_password", "changed-password"}}));
  auto closed = second->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4401);
  EXPECT_TRUE(tech->IsOpen());
  Ok(*tech, protocol::Value::MapOf({{"t", "licence.get"}}));
}

TEST(AccessCredentials, ResetOfADisabledUserIsRefusedAndLeavesTheTokenUnspent) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "r@acme.test", "technician");
  std::string id = UserIdOf(*owner, "r@acme.test");
  protocol::Value reset = Ok(*owner, protocol::Value::MapOf({{"t", "user.password_reset"}, {"user_id", id}}));
  Ok(*owner, protocol::Value::MapOf({{"t", "user.update"}, {"user_id", id}, {"status", "disabled"}}));
  protocol::Value auth = protocol::Value::MapOf(
      {{"kind", "reset"}, {"token", reset.Find("token")->as_string()}, {"password", "after-reset-pass"}});
  auto refused = Connect(broker);
  ASSERT_FALSE(refused->Hello(auth, kWait).ok());
  Ok(*owner, protocol::Value::MapOf({{"t", "user.update"}, {"user_id", id}, {"status", "active"}}));
  auto later = Connect(broker);
  EXPECT_TRUE(later->Hello(auth, kWait).ok());  // the token was not spent by the refusal
}

}  // namespace
}  // namespace tether::e2e

namespace tether::e2e {
namespace {

TEST(AccessAudit, EveryAdminRequestAllowedOrRefusedIsAnAuditEventWithActorTargetAndOutcome) {
  BrokerProcess broker;
  std::string tech_id;
  {
    auto owner = LoggedInOwner(broker);
    auto tech = InviteAndAccept(broker, *owner, "aud@acme.test", "technician");
    tech_id = UserIdOf(*owner, "aud@acme.test");
    Refused(*tech, protocol::Value::MapOf({{"t", "user.remove"}, {"user_id", tech_id}}),
            protocol::ErrorCode::kPermissionDenied);
    Ok(*owner, protocol::Value::MapOf({{"t", "user.update"}, {"user_id", tech_id}, {"status", "disabled"}}));
  }
  ASSERT_EQ(broker.Stop(), 0);
  auto chain = ReadAuditChain(broker.db_path(), 1);
  auto find = [&](const std::string& action, const std::string& outcome) -> const AuditRow* {
    for (const AuditRow& row : chain) {
      if (row.action == action && row.outcome == outcome) return &row;
    }
    return nullptr;
  };
  const AuditRow* invited = find("user.invite", "ok");
  ASSERT_NE(invited, nullptr);
  const AuditRow* refused = find("user.remove", "denied");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->actor_id, tech_id);  // the technician tried to remove themselves
  EXPECT_NE(refused->details.Find("reason"), nullptr);
  const AuditRow* disabled = find("user.update", "ok");
  ASSERT_NE(disabled, nullptr);
  EXPECT_EQ(disabled->details.Find("request")->Find("status")->as_string(), "disabled");
  std::string verify;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &verify), 0) << verify;
}

}  // namespace
}  // namespace tether::e2e
