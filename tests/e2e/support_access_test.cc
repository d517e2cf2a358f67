// End to end: vendor support access (POLICY.md "Support access") — the grant and its
// bounds, the hidden support user and its restriction list, row by row, and revocation
// and expiry ending everything it has at once.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorCode;
using protocol::Value;

constexpr std::int64_t kHourMs = 3600 * 1000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Value GrantUntil(std::int64_t until) {
  return Req({{"t", "support_access.grant"}, {"until", static_cast<std::uint64_t>(until)}});
}

struct Granted {
  std::string email, password, user_id;
};

Granted Grant(client::BlockingClient& admin, std::int64_t until = NowMs() + 30 * kDayMs) {
  Value granted = Ok(admin, GrantUntil(until));
  const Value& user = *granted.Find("user");
  EXPECT_TRUE(user.Find("hidden")->as_bool());
  return {user.Find("email")->as_string(), granted.Find("password")->as_string(), user.Find("id")->as_string()};
}

std::unique_ptr<client::BlockingClient> LogInAsSupport(const BrokerProcess& broker, const Granted& granted,
                                                       Value* hello = nullptr) {
  auto client = Connect(broker);
  auto answer = client->Hello(PasswordAuth(kOrg, granted.email, granted.password), kWait);
  EXPECT_TRUE(answer.ok()) << answer.status().ToString();
  if (hello != nullptr && answer.ok()) *hello = *answer;
  return client;
}

// The newest audit events of `action` (as the owner sees them).
std::vector<Value> AuditOf(client::BlockingClient& owner, const std::string& action) {
  Value found = Ok(owner, Req({{"t", "audit.query"}, {"action", action}, {"limit", 1000u}}));
  return found.Find("events")->as_array();
}

// ---------------------------------------------------------------------------------
// The restriction list as a table: every request a support user may not make, and every
// admin operation it may. Each case runs against a fresh broker with an organisation that
// has a technician, a custom role and a group to act on.

struct World {
  std::unique_ptr<client::BlockingClient> owner;
  std::unique_ptr<client::BlockingClient> support;
  Granted granted;
  std::string tech_id, role_id, group_id;
};

World MakeWorld(const BrokerProcess& broker) {
  World w;
  w.owner = LoggedInOwner(broker);
  InviteAndAccept(broker, *w.owner, "tech@acme.test", "technician");
  w.tech_id = UserIdOf(*w.owner, "tech@acme.test");
  w.role_id = Ok(*w.owner, Req({{"t", "role.create"}, {"name", "Helpdesk"}, {"description", ""},
                               {"privileges", Value(Value::Array{"remote_support"})}}))
                  .Find("role_id")
                  ->as_string();
  w.group_id = Ok(*w.owner, Req({{"t", "group.create"}, {"name", "Servers"}})).Find("group_id")->as_string();
  w.granted = Grant(*w.owner);
  w.support = LogInAsSupport(broker, w.granted);
  return w;
}

struct RestrictionCase {
  const char* name;
  const char* audited_as;
  std::function<Value(const World&)> request;
};

const RestrictionCase kRestricted[] = {
    {"ViewSupportAccess", "support_access.get", [](const World&) { return Req({{"t", "support_access.get"}}); }},
    {"GrantSupportAccess", "support_access.grant",
     [](const World&) { return GrantUntil(NowMs() + 10 * kDayMs); }},
    {"ChangeSupportAccess", "support_access.update",
     [](const World&) { return Req({{"t", "support_access.update"}, {"until", static_cast<std::uint64_t>(NowMs() + 9 * kDayMs)}}); }},
    {"RevokeSupportAccess", "support_access.revoke", [](const World&) { return Req({{"t", "support_access.revoke"}}); }},
    {"InviteUsers", "user.invite",
     [](const World&) {
       return Req({{"t", "user.invite"},
                   {"invites", Value(Value::Array{Value::MapOf({{"email", "x@acme.test"}, {"role", "technician"}})})}});
     }},
    {"ChangeAUsersRole", "user.update",
     [](const World& w) { return Req({{"t", "user.update"}, {"user_id", w.tech_id}, {"role", "admin"}}); }},
    {"ChangeAUsersScope", "user.update",
     [](const World& w) {
       return Req({{"t", "user.update"}, {"user_id", w.tech_id},
                   {"scope", Value::MapOf({{"groups", Value(Value::Array{w.group_id})}, {"departments", Value::MakeArray()}})}});
     }},
    {"DisableAUser", "user.update",
     [](const World& w) { return Req({{"t", "user.update"}, {"user_id", w.tech_id}, {"status", "disabled"}}); }},
    {"RemoveAUser", "user.remove", [](const World& w) { return Req({{"t", "user.remove"}, {"user_id", w.tech_id}}); }},
    {"ResetAUsersPassword", "user.password_reset",
     [](const World& w) { return Req({{"t", "user.password_reset"}, {"user_id", w.tech_id}}); }},
    {"TransferOwnership", "user.transfer_ownership",
     [](const World& w) { return Req({{"t", "user.transfer_ownership"}, {"user_id", w.tech_id}}); }},
    {"CreateRoles", "role.create",
     [](const World&) {
       return Req({{"t", "role.create"}, {"name", "Vendor"}, {"description", ""}, {"privileges", Value::MakeArray()}});
     }},
    {"ChangeRoles", "role.update",
     [](const World& w) { return Req({{"t", "role.update"}, {"role_id", w.role_id}, {"name", "Renamed"}}); }},
    {"DeleteRoles", "role.delete", [](const World& w) { return Req({{"t", "role.delete"}, {"role_id", w.role_id}}); }},
    {"CreateDeploymentKeys", "deploy_key.create",
     [](const World& w) { return Req({{"t", "deploy_key.create"}, {"group_id", w.group_id}}); }},
    {"ChangeOrganisationDetails", "org.update",
     [](const World&) { return Req({{"t", "org.update"}, {"name", "Vendor Inc"}}); }},
    {"ChangeTheSubscription", "org.update", [](const World&) { return Req({{"t", "org.update"}, {"seats", 50u}}); }},
    {"ExportTheAuditLog", "audit.export", [](const World&) { return Req({{"t", "audit.export"}}); }},
    {"ExportReports", "report.sessions", [](const World&) { return Req({{"t", "report.sessions"}, {"export", true}}); }},
};

class SupportUserRestriction : public ::testing::TestWithParam<RestrictionCase> {};

TEST_P(SupportUserRestriction, IsRefusedPermissionDeniedAndTheRefusalIsAuditedAsSupport) {
  BrokerProcess broker;
  World w = MakeWorld(broker);
  Refused(*w.support, GetParam().request(w), ErrorCode::kPermissionDenied);

  std::vector<Value> events = AuditOf(*w.owner, GetParam().audited_as);
  ASSERT_FALSE(events.empty());
  const Value& newest = events.front();
  EXPECT_EQ(newest.Find("actor")->as_string(), w.granted.user_id);
  EXPECT_TRUE(newest.Find("support")->as_bool());
  EXPECT_EQ(newest.Find("outcome")->as_string(), "denied");
}

INSTANTIATE_TEST_SUITE_P(RestrictionList, SupportUserRestriction, ::testing::ValuesIn(kRestricted),
                         [](const auto& info) { return std::string(info.param.name); });

struct AllowedCase {
  const char* name;
  std::function<Value(const World&)> request;
};

const AllowedCase kAllowed[] = {
    {"ListUsers", [](const World&) { return Req({{"t", "user.list"}}); }},
    {"ListRoles", [](const World&) { return Req({{"t", "role.list"}}); }},
    {"ReadLicences", [](const World&) { return Req({{"t", "licence.get"}}); }},
    {"CreateGroups", [](const World&) { return Req({{"t", "group.create"}, {"name", "Vendor lab"}}); }},
    {"ChangeGroups",
     [](const World& w) { return Req({{"t", "group.update"}, {"group_id", w.group_id}, {"name", "Server room"}}); }},
    {"DeleteGroups", [](const World& w) { return Req({{"t", "group.delete"}, {"group_id", w.group_id}}); }},
    {"ListGroups", [](const World&) { return Req({{"t", "group.list"}}); }},
    {"ChangePreferences",
     [](const World&) { return Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"announce_supervisors", false}})}}); }},
    {"ReadTheAuditLog", [](const World&) { return Req({{"t", "audit.query"}}); }},
    {"VerifyTheAuditLog", [](const World&) { return Req({{"t", "audit.verify"}}); }},
    {"StartAttendedSessions", [](const World&) { return Req({{"t", "session.create"}, {"mode", "attended"}}); }},
    {"ListSessions", [](const World&) { return Req({{"t", "session.list"}}); }},
    {"ListDevices", [](const World&) { return Req({{"t", "device.list"}}); }},
    {"ReadTheOrganisation", [](const World&) { return Req({{"t", "org.get"}}); }},
    {"ReadSessionReports", [](const World&) { return Req({{"t", "report.sessions"}}); }},
};

class SupportUserMay : public ::testing::TestWithParam<AllowedCase> {};

TEST_P(SupportUserMay, DoTheAdminOperationAuditedAsSupport) {
  BrokerProcess broker;
  World w = MakeWorld(broker);
  Value request = GetParam().request(w);
  std::string type = request.Find("t")->as_string();
  Ok(*w.support, request);

  // Recorded under its own type when its handler audits it, else as support.request.
  Value mine = Ok(*w.owner, Req({{"t", "audit.query"}, {"support_only", true}, {"limit", 1000u}}));
  bool recorded = false;
  for (const Value& event : mine.Find("events")->as_array()) {
    EXPECT_TRUE(event.Find("support")->as_bool());
    bool this_one = event.Find("action")->as_string() == type ||
                    (event.Find("action")->as_string() == "support.request" && event.Find("target")->as_string() == type);
    recorded |= this_one && event.Find("outcome")->as_string() == "ok";
  }
  EXPECT_TRUE(recorded) << type << " by the support user is not in the audit log";
}

INSTANTIATE_TEST_SUITE_P(AdminPowers, SupportUserMay, ::testing::ValuesIn(kAllowed),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------

TEST(SupportAccess, GrantCreatesAHiddenUserWhoIsNotListedAndTakesNoSeat) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Value before = Ok(*owner, Req({{"t", "licence.get"}}));
  // Every seat in use: the grant still succeeds and uses none.
  Ok(*owner, Req({{"t", "org.update"}, {"seats", before.Find("seats_used")->as_uint()}}));
  Granted granted = Grant(*owner);
  Value hello;
  auto support = LogInAsSupport(broker, granted, &hello);
  EXPECT_TRUE(hello.Find("user")->Find("hidden")->as_bool()) << hello.ToJson();
  // Its privileges are the Admin's less what the restriction list withholds entirely.
  std::set<std::string> privileges;
  for (const Value& p : hello.Find("privileges")->as_array()) privileges.insert(p.as_string());
  EXPECT_TRUE(privileges.count("manage_technicians")) << hello.ToJson();
  for (const char* withheld : {"support_access", "billing", "subscription", "audit_export", "integrations"}) {
    EXPECT_FALSE(privileges.count(withheld)) << withheld << ": " << hello.ToJson();
  }

  Value after = Ok(*owner, Req({{"t", "licence.get"}}));
  EXPECT_EQ(after.Find("seats_used")->as_uint(), before.Find("seats_used")->as_uint());
  for (auto* who : {owner.get(), support.get()}) {
    Value users = Ok(*who, Req({{"t", "user.list"}}));
    EXPECT_EQ(users.ToJson().find(granted.email), std::string::npos) << users.ToJson();
  }
  Value status = Ok(*owner, Req({{"t", "support_access.get"}}));
  EXPECT_EQ(status.Find("support_access")->Find("user")->Find("email")->as_string(), granted.email);
  Refused(*owner, GrantUntil(NowMs() + 3 * kDayMs), ErrorCode::kConflict);  // one grant at a time
}

TEST(SupportAccess, UntilMustBeAtLeastADayAndAtMostFiveYearsAway) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  const std::int64_t now = NowMs();
  std::string too_soon = Refused(*owner, GrantUntil(now + 23 * kHourMs), ErrorCode::kBadRequest);
  EXPECT_NE(too_soon.find("at least 1 day and at most 5 years"), std::string::npos) << too_soon;
  // Five calendar years is at least 1825 days; one more day past the longest is refused.
  Refused(*owner, GrantUntil(now + 1827 * kDayMs + kDayMs), ErrorCode::kBadRequest);
  Grant(*owner, now + kDayMs + 60'000);
  Refused(*owner, Req({{"t", "support_access.update"}, {"until", static_cast<std::uint64_t>(now + 23 * kHourMs)}}),
          ErrorCode::kBadRequest);
  Value extended = Ok(*owner, Req({{"t", "support_access.update"}, {"until", static_cast<std::uint64_t>(now + 1800 * kDayMs)}}));
  EXPECT_EQ(extended.Find("support_access")->Find("until")->as_int(), now + 1800 * kDayMs);
  std::vector<Value> refusals = AuditOf(*owner, "support_access.");
  int bad = 0;
  for (const Value& e : refusals) bad += e.Find("outcome")->as_string() == "failed" ? 1 : 0;
  EXPECT_EQ(bad, 3);
}

TEST(SupportAccess, ControlIsNeverHandedToTheSupportUser) {
  BrokerProcess broker;
  LiveSession live = StartAttendedSession(broker);
  Granted granted = Grant(*live.technician);
  auto support = LogInAsSupport(broker, granted);
  Ok(*support, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  Refused(*live.technician, Req({{"t", "session.handover"}, {"session_id", live.id}, {"user_id", granted.user_id}}),
          ErrorCode::kPermissionDenied);
}

// The support user runs a session of its own and watches the owner's; revocation ends
// both, closes it with 4403, and its password and token stop working.
TEST(SupportAccess, RevocationEndsItsSessionsAndSupervisionAndClosesItWith4403) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Granted granted = Grant(*owner);
  Value hello;
  auto support = LogInAsSupport(broker, granted, &hello);
  std::string token = hello.Find("token")->as_string();

  LiveSession theirs = StartAttendedSession(broker, std::move(support));
  LiveSession ours = StartAttendedSession(broker, std::move(owner));
  support = std::move(theirs.technician);
  owner = std::move(ours.technician);
  Ok(*support, Req({{"t", "session.supervise"}, {"session_id", ours.id}}));

  Ok(*owner, Req({{"t", "support_access.revoke"}}));
  const auto confirmed = std::chrono::steady_clock::now();

  // The support user is told both ended, then closed.
  std::set<std::string> told;
  for (int i = 0; i < 2; ++i) {
    Value ended = NextEvent(*support, "session.ended");
    ASSERT_FALSE(ended.is_nil()) << "session.ended " << i + 1 << " of 2 did not reach the support user";
    EXPECT_EQ(ended.Find("reason")->as_string(), "revoked");
    told.insert(ended.Find("session_id")->as_string());
  }
  EXPECT_EQ(told, (std::set<std::string>{theirs.id, ours.id}));
  auto closed = support->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4403);
  // POLICY.md: at once — well within a second of the revocation being confirmed.
  EXPECT_LT(std::chrono::steady_clock::now() - confirmed, 1s);
  EXPECT_EQ(NextEvent(*theirs.agent, "session.ended").Find("reason")->as_string(), "revoked");
  Value left = NextEvent(*owner, "participant.left");
  EXPECT_EQ(left.Find("user")->Find("email")->as_string(), granted.email);
  Ok(*owner, Req({{"t", "session.info"}, {"session_id", ours.id}}));  // the owner's session goes on

  auto again = Connect(broker);
  EXPECT_FALSE(again->Hello(PasswordAuth(kOrg, granted.email, granted.password), kWait).ok());
  auto by_token = Connect(broker);
  EXPECT_FALSE(by_token->Hello(TokenAuth(token), kWait).ok());
  EXPECT_FALSE(AuditOf(*owner, "support_access.revoke").empty());
  Value status = Ok(*owner, Req({{"t", "support_access.get"}}));
  EXPECT_TRUE(status.Find("support_access")->is_nil());
}

TEST(SupportAccess, ExpiresByItselfAtItsUntilMoment) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Granted granted = Grant(*owner, NowMs() + kDayMs + 60'000);
  auto support = LogInAsSupport(broker, granted);
  Ok(*support, Req({{"t", "group.list"}}));

  Ok(*owner, Req({{"t", "test.clock.advance"}, {"ms", static_cast<std::uint64_t>(kDayMs + 120'000)}}));

  // Nobody sends anything: the timer ends it.
  auto closed = support->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4403);
  std::vector<Value> expired = AuditOf(*owner, "support_access.expired");
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].Find("actor")->as_string(), "tether-broker");
  EXPECT_TRUE(Ok(*owner, Req({{"t", "support_access.get"}})).Find("support_access")->is_nil());
  auto again = Connect(broker);
  EXPECT_FALSE(again->Hello(PasswordAuth(kOrg, granted.email, granted.password), kWait).ok());
}

// The broker learns the grants in force at start-up: one made before a restart still
// expires on time.
TEST(SupportAccess, AGrantMadeBeforeARestartStillExpiresOnTime) {
  BrokerProcess broker;
  Granted granted;
  {
    auto owner = LoggedInOwner(broker);
    granted = Grant(*owner, NowMs() + kDayMs + 60'000);
  }
  ASSERT_EQ(broker.Stop(), 0);
  ASSERT_TRUE(broker.Restart());
  auto owner = LoggedInOwner(broker);
  auto support = LogInAsSupport(broker, granted);

  Ok(*owner, Req({{"t", "test.clock.advance"}, {"ms", static_cast<std::uint64_t>(kDayMs + 120'000)}}));

  auto closed = support->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4403);
  EXPECT_EQ(AuditOf(*owner, "support_access.expired").size(), 1u);
}

TEST(SupportAccess, EverySupportUserActionIsAuditedWithTheSupportFlag) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Granted granted = Grant(*owner);
  auto support = LogInAsSupport(broker, granted);
  Ok(*support, Req({{"t", "session.list"}}));
  Ok(*support, Req({{"t", "group.create"}, {"name", "Vendor lab"}}));
  Refused(*support, Req({{"t", "user.invite"}, {"invites", Value::MakeArray()}}), ErrorCode::kPermissionDenied);

  Value only = Ok(*owner, Req({{"t", "audit.query"}, {"support_only", true}, {"limit", 1000u}}));
  std::vector<std::string> actions;
  for (const Value& e : only.Find("events")->as_array()) {
    EXPECT_TRUE(e.Find("support")->as_bool());
    EXPECT_EQ(e.Find("actor")->as_string(), granted.user_id);
    actions.insert(actions.begin(), e.Find("action")->as_string());  // oldest first
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"auth.login", "support.request", "group.create", "user.invite"}));
}

}  // namespace
}  // namespace tether::e2e
