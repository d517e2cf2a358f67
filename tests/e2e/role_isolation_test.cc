// End to end: isolation across roles and organisations (issue 9, POLICY.md "Privileges",
// "Support access", "Organisation"). Table-driven from the rule table of
// broker/policy/policy.cc: every request is tried by every kind of user that must not
// have it — a custom role holding everything but the one privilege it needs, the
// built-in Technician and Admin, the hidden support user, and the Super Admin of another
// organisation aimed at this one's ids. Each is refused with its code and audited.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "arena.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

// The ids of organisation A's things the attacks aim at.
struct Targets {
  std::string victim_user, admin_user, role, group, device, session;
};

struct Attack {
  const char* privilege;  // what the request needs (POLICY.md); "super_admin" for the owner alone
  const char* audit_action;
  std::function<Value(const Targets&)> request;
  bool barred_for_support_user = false;  // POLICY.md "Support access" restriction list
};

Value List(std::initializer_list<const char*> names) {
  Value::Array list;
  for (const char* name : names) list.emplace_back(name);
  return Value(std::move(list));
}

// Two days from now: a support grant's `until` must lie 1 day to 5 years ahead.
std::uint64_t InTwoDays() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) +
         2 * 86400000ull;
}

// One row per rule of policy.cc that a privilege (or the Super Admin) guards.
std::vector<Attack> Attacks() {
  return {
      {"preferences", "org.update", [](const Targets&) { return Req({{"t", "org.update"}, {"name", "Pwned Ltd"}}); }, true},
      {"preferences", "org.update",
       [](const Targets&) { return Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"recording", true}})}}); }},
      {"subscription", "org.update", [](const Targets&) { return Req({{"t", "org.update"}, {"seats", 999}}); }, true},
      {"subscription", "org.update", [](const Targets&) { return Req({{"t", "org.update"}, {"plan", "enterprise"}}); }, true},
      {"two_factor_auth", "org.update",
       [](const Targets&) { return Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"require_2fa", true}})}}); }},
      {"session_confirmation", "org.update",
       [](const Targets&) {
         return Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"session_confirmation", true}})}});
       }},
      {"assign_roles", "role.create",
       [](const Targets&) {
         return Req({{"t", "role.create"}, {"name", "Mine"}, {"description", "x"}, {"privileges", List({"screen_sharing"})}});
       },
       true},
      {"assign_roles", "role.update", [](const Targets& t) { return Req({{"t", "role.update"}, {"role_id", t.role}, {"name", "Renamed"}}); },
       true},
      {"assign_roles", "role.delete", [](const Targets& t) { return Req({{"t", "role.delete"}, {"role_id", t.role}}); }, true},
      {"assign_roles", "user.update",
       [](const Targets& t) { return Req({{"t", "user.update"}, {"user_id", t.victim_user}, {"role", "technician"}}); }, true},
      {"group_permissions", "user.update",
       [](const Targets& t) { return Req({{"t", "user.update"}, {"user_id", t.victim_user}, {"scope", Value()}}); }, true},
      {"manage_technicians", "user.update",
       [](const Targets& t) { return Req({{"t", "user.update"}, {"user_id", t.victim_user}, {"status", "disabled"}}); }, true},
      {"manage_technicians", "user.invite",
       [](const Targets&) {
         return Req({{"t", "user.invite"},
                     {"invites", Value(Value::Array{Value::MapOf({{"email", "new@acme.test"}, {"role", "technician"}})})}});
       },
       true},
      {"manage_technicians", "user.list", [](const Targets&) { return Req({{"t", "user.list"}}); }},
      {"manage_technicians", "user.remove", [](const Targets& t) { return Req({{"t", "user.remove"}, {"user_id", t.victim_user}}); },
       true},
      {"manage_technicians", "user.password_reset",
       [](const Targets& t) { return Req({{"t", "user.password_reset"}, {"user_id", t.victim_user}}); }, true},
      {"super_admin", "user.transfer_ownership",
       [](const Targets& t) { return Req({{"t", "user.transfer_ownership"}, {"user_id", t.victim_user}}); }, true},
      {"group_permissions", "group.create", [](const Targets&) { return Req({{"t", "group.create"}, {"name", "Mine"}}); }},
      {"group_permissions", "group.delete", [](const Targets& t) { return Req({{"t", "group.delete"}, {"group_id", t.group}}); }},
      {"deployment", "device.move",
       [](const Targets& t) { return Req({{"t", "device.move"}, {"device_id", t.device}, {"group_id", t.group}}); }},
      {"deployment", "deploy_key.create", [](const Targets& t) { return Req({{"t", "deploy_key.create"}, {"group_id", t.group}}); },
       true},
      {"deployment", "device.rotate_secret",
       [](const Targets& t) { return Req({{"t", "device.rotate_secret"}, {"device_id", t.device}}); }},
      {"deployment", "device.delete", [](const Targets& t) { return Req({{"t", "device.delete"}, {"device_id", t.device}}); }},
      {"remote_support", "session.create", [](const Targets&) { return Req({{"t", "session.create"}, {"mode", "attended"}}); }},
      {"unattended_access", "session.connect",
       [](const Targets& t) { return Req({{"t", "session.connect"}, {"device_id", t.device}}); }},
      {"manage_technicians", "session.end", [](const Targets& t) { return Req({{"t", "session.end"}, {"session_id", t.session}}); }},
      {"session_supervision", "session.supervise",
       [](const Targets& t) { return Req({{"t", "session.supervise"}, {"session_id", t.session}}); }},
      {"wake_on_lan", "device.wake", [](const Targets& t) { return Req({{"t", "device.wake"}, {"device_id", t.device}}); }},
      {"audit_view", "audit.query", [](const Targets&) { return Req({{"t", "audit.query"}}); }},
      {"audit_view", "audit.verify", [](const Targets&) { return Req({{"t", "audit.verify"}}); }},
      {"support_access", "support_access.grant", [](const Targets&) { return Req({{"t", "support_access.grant"}, {"until", InTwoDays()}}); },
       true},
      {"support_access", "support_access.update",
       [](const Targets&) { return Req({{"t", "support_access.update"}, {"until", InTwoDays()}}); }, true},
      {"support_access", "support_access.revoke", [](const Targets&) { return Req({{"t", "support_access.revoke"}}); }, true},
      {"support_access", "support_access.get", [](const Targets&) { return Req({{"t", "support_access.get"}}); }, true},
      {"audit_export", "audit.export", [](const Targets&) { return Req({{"t", "audit.export"}}); }, true},
      {"audit_export", "report.sessions", [](const Targets&) { return Req({{"t", "report.sessions"}, {"export", true}}); }, true},
      {"reports", "report.sessions", [](const Targets&) { return Req({{"t", "report.sessions"}}); }},
      {"reports", "recording.view", [](const Targets& t) { return Req({{"t", "recording.get"}, {"session_id", t.session}}); }},
  };
}

// What a custom role may hold (POLICY.md: not the Super Admin's four; one form of each
// limited pair, here the full one).
const char* const kCustomPrivileges[] = {
    "remote_support",  "unattended_access", "screen_sharing",    "manage_technicians", "assign_roles",
    "group_permissions", "preferences",     "email_templates",   "integrations",       "customer_widget",
    "contacts",        "deployment",        "session_confirmation", "wake_on_lan",     "reports",
    "session_supervision", "audit_view",    "audit_export",      "support_access"};

// The built-in Technician's privileges (POLICY.md), for which attacks it must lose. Its
// `reports_own` lets it read its own session reports, so "reports" is no attack for it.
bool TechnicianHolds(const std::string& privilege) {
  return privilege == "remote_support" || privilege == "unattended_access" || privilege == "reports";
}
// The built-in Admin holds every privilege of the custom set.
bool AdminHolds(const std::string& privilege) {
  for (const char* p : kCustomPrivileges) {
    if (privilege == p) return true;
  }
  return false;
}

class RoleIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    Ok(arena_.owner(), Req({{"t", "org.update"}, {"seats", 100}}));
    targets_.group = Ok(arena_.owner(), Req({{"t", "group.create"}, {"name", "Front desk"}})).Find("group_id")->as_string();
    targets_.role = Ok(arena_.owner(), Req({{"t", "role.create"}, {"name", "Viewer"}, {"description", "v"},
                                            {"privileges", List({"screen_sharing"})}}))
                        .Find("role_id")->as_string();
    victim_ = InviteAndAccept(arena_.broker(), arena_.owner(), "victim@acme.test", "technician");
    targets_.victim_user = UserIdOf(arena_.owner(), "victim@acme.test");
    admin_other_ = InviteAndAccept(arena_.broker(), arena_.owner(), "second-admin@acme.test", "admin");
    targets_.admin_user = UserIdOf(arena_.owner(), "second-admin@acme.test");
    std::string key = Ok(arena_.owner(), Req({{"t", "deploy_key.create"}, {"group_id", targets_.group}}))
                          .Find("deployment_key")->as_string();
    device_ = Connect(arena_.broker());
    auto enrolled = device_->Hello(
        Value::MapOf({{"kind", "enroll"}, {"deployment_key", key}, {"name", "desk-1"}, {"os", "linux"}}), kWait);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    targets_.device = enrolled->Find("device_id")->as_string();
    live_ = StartAttendedSession(arena_.broker());
    targets_.session = live_.id;
  }

  // Every attack of the table that `holds` says the actor lacks: `code`, audited `outcome`.
  int ExpectRefused(client::BlockingClient& actor, const std::string& who, std::int64_t chain,
                    const std::function<bool(const Attack&)>& lacks, ErrorCode code, const std::string& outcome) {
    int tried = 0;
    for (const Attack& attack : Attacks()) {
      if (!lacks(attack)) continue;
      Value request = attack.request(targets_);
      std::string row = who + " " + request.ToJson();
      auto reply = actor.Call(request, kWait);
      EXPECT_FALSE(reply.ok()) << row << " was allowed";
      if (reply.ok()) continue;
      EXPECT_EQ(reply.status().code(), code) << row << ": " << reply.status().ToString();
      arena_.ExpectAudited(chain, attack.audit_action, outcome);
      arena_.ExpectBystanderServed(row);
      ++tried;
    }
    return tried;
  }

  void ExpectOrganisationUntouched() {
    EXPECT_TRUE(victim_->IsOpen());
    EXPECT_TRUE(device_->IsOpen());
    EXPECT_TRUE(live_.agent->IsOpen());
    Value answer = Ok(arena_.owner(), Req({{"t", "org.get"}}));
    Value org = *answer.Find("org");
    EXPECT_EQ(org.Find("name")->as_string(), "Acme Corp");
    EXPECT_EQ(org.Find("seats")->as_uint(), 100u);
    EXPECT_NE(Ok(arena_.owner(), Req({{"t", "role.list"}})).ToJson().find("Viewer"), std::string::npos);
  }

  Arena arena_;
  Targets targets_;
  std::unique_ptr<client::BlockingClient> victim_, admin_other_, device_;
  LiveSession live_;
};

TEST_F(RoleIsolation, ACustomRoleLackingOnePrivilegeIsRefusedEveryRequestThatNeedsIt) {
  int tried = 0;
  for (const char* missing : kCustomPrivileges) {
    Value::Array held;
    for (const char* p : kCustomPrivileges) {
      if (std::string(p) != missing) held.emplace_back(p);
    }
    std::string role_id = Ok(arena_.owner(), Req({{"t", "role.create"}, {"name", std::string("All but ") + missing},
                                                  {"description", "attack"}, {"privileges", Value(std::move(held))}}))
                              .Find("role_id")->as_string();
    std::string email = std::string("no-") + missing + "@acme.test";
    std::replace(email.begin(), email.end(), '_', '-');
    auto actor = InviteAndAccept(arena_.broker(), arena_.owner(), email, role_id);
    tried += ExpectRefused(*actor, std::string("without ") + missing, 1,
                           [missing](const Attack& a) { return std::string(a.privilege) == missing; },
                           ErrorCode::kPermissionDenied, "denied");
  }
  EXPECT_GE(tried, 30);
  ExpectOrganisationUntouched();
  arena_.ExpectAuditIntact();
}

TEST_F(RoleIsolation, TheTechnicianAndTheAdminAreRefusedWhatTheirRoleLacks) {
  int tried = ExpectRefused(*victim_, "technician", 1,
                            [](const Attack& a) { return !TechnicianHolds(a.privilege); },
                            ErrorCode::kPermissionDenied, "denied");
  tried += ExpectRefused(*admin_other_, "admin", 1, [](const Attack& a) { return !AdminHolds(a.privilege); },
                         ErrorCode::kPermissionDenied, "denied");
  // An Admin may change technicians but not another Admin or the Super Admin.
  std::string owner_id = UserIdOf(arena_.owner(), kOwnerEmail);
  auto admin = InviteAndAccept(arena_.broker(), arena_.owner(), "third-admin@acme.test", "admin");
  for (const std::string& target : {targets_.admin_user, owner_id}) {
    for (Value request : {Req({{"t", "user.update"}, {"user_id", target}, {"status", "disabled"}}),
                          Req({{"t", "user.remove"}, {"user_id", target}}),
                          Req({{"t", "user.password_reset"}, {"user_id", target}})}) {
      std::string action = request.Find("t")->as_string();
      Refused(*admin, request, ErrorCode::kPermissionDenied);
      arena_.ExpectAudited(1, action, "denied");
      ++tried;
    }
  }
  EXPECT_GE(tried, 35);
  ExpectOrganisationUntouched();
  EXPECT_TRUE(admin_other_->IsOpen());
  arena_.ExpectAuditIntact();
}

TEST_F(RoleIsolation, TheSupportUserIsRefusedItsRestrictionList) {
  Value grant = Ok(arena_.owner(), Req({{"t", "support_access.grant"}, {"until", InTwoDays()}}));
  std::string email = grant.Find("user")->Find("email")->as_string();
  auto support = Connect(arena_.broker());
  ASSERT_TRUE(support->Hello(PasswordAuth(kOrg, email, grant.Find("password")->as_string()), kWait).ok());
  int tried = ExpectRefused(*support, "support user", 1, [](const Attack& a) { return a.barred_for_support_user; },
                            ErrorCode::kPermissionDenied, "denied");
  EXPECT_GE(tried, 20);
  ExpectOrganisationUntouched();
  arena_.ExpectAuditIntact();
}

TEST_F(RoleIsolation, AnotherOrganisationsSuperAdminFindsNoneOfThisOnesObjects) {
  auto stranger = SecondOrganisationOwner(arena_.broker(), "globex");
  // Requests that name an object of organisation A; those without one act on the
  // stranger's own organisation and are no attack.
  int tried = ExpectRefused(*stranger, "globex owner", 2,
                            [](const Attack& a) {
                              Value r = a.request(Targets{"1", "1", "r", "g", "d", "s"});
                              for (const char* id : {"user_id", "role_id", "device_id", "session_id"}) {
                                if (r.Find(id) != nullptr) return true;
                              }
                              return r.Find("group_id") != nullptr;
                            },
                            ErrorCode::kNotFound, "failed");
  for (Value request : {Req({{"t", "session.info"}, {"session_id", targets_.session}}),
                        Req({{"t", "session.leave"}, {"session_id", targets_.session}}),
                        Req({{"t", "session.rejoin"}, {"session_id", targets_.session}}),
                        Req({{"t", "session.handover"}, {"session_id", targets_.session}, {"user_id", targets_.victim_user}}),
                        Req({{"t", "user.transfer_ownership"}, {"user_id", targets_.admin_user}})}) {
    Refused(*stranger, request, ErrorCode::kNotFound);
    ++tried;
  }
  arena_.ExpectAudited(2, "user.transfer_ownership", "failed");
  // Listing by one of A's groups shows what listing by a made-up group shows: nothing.
  Value by_their_group = Ok(*stranger, Req({{"t", "device.list"}, {"group_id", targets_.group}}));
  Value by_no_group = Ok(*stranger, Req({{"t", "device.list"}, {"group_id", "999999"}}));
  EXPECT_EQ(by_their_group.Find("devices")->ToJson(), by_no_group.Find("devices")->ToJson());
  EXPECT_EQ(by_their_group.ToJson().find(targets_.device), std::string::npos);
  EXPECT_GE(tried, 20);
  ExpectOrganisationUntouched();
  arena_.ExpectAuditIntact();
}

}  // namespace
}  // namespace tether::e2e
