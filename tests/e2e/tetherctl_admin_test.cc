// End to end: tetherctl's admin commands over the protocol against the real broker —
// the saved session, bulk invitations, lists as JSON for scripts, tables for people, and
// the broker's error codes on stderr with exit 1.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "broker_process.h"
#include "ctl_runner.h"

namespace tether::e2e {
namespace {

using protocol::Value;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The element of a JSON array whose `key` is `value`, or null.
nlohmann::json FindBy(const nlohmann::json& array, const std::string& key, const std::string& value) {
  if (!array.is_array()) return nullptr;
  for (const auto& item : array) {
    if (item.is_object() && item.value(key, "") == value) return item;
  }
  return nullptr;
}

TEST(TetherctlAdmin, LoginSavesAnOwnerOnlySessionAndLogoutForgetsIt) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "super_admin")) << ctl.out;
  EXPECT_FALSE(Contains(ctl.out, "\"token\"")) << "the token is never printed: " << ctl.out;
  struct stat info {};
  ASSERT_EQ(::stat(ctl.SessionPath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  ASSERT_EQ(ctl.Run({"org", "show"}), 0) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "Acme Corp")) << ctl.out;
  ASSERT_EQ(ctl.Run({"logout"}), 0) << ctl.out;
  EXPECT_EQ(ctl.Run({"org", "show"}), 1);
  EXPECT_TRUE(Contains(ctl.out, "not logged in")) << ctl.out;
}

TEST(TetherctlAdmin, OrgSetChangesNameAndPreferences) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  auto org = ctl.Json({"org", "set", "--name", "Acme Limited", "--pref", "recording=true", "--pref",
                       "audit_retention_days=30"});
  EXPECT_EQ(org["org"]["name"], "Acme Limited");
  EXPECT_EQ(org["org"]["preferences"]["recording"], true);
  EXPECT_EQ(org["org"]["preferences"]["audit_retention_days"], 30);
  EXPECT_EQ(ctl.Run({"org", "set", "--pref", "recording=maybe"}), 2) << ctl.out;
  EXPECT_EQ(ctl.Run({"org", "set"}), 2) << ctl.out;
}

TEST(TetherctlAdmin, DeploymentKeyEnrolsADeviceThatIsListedThenDeleted) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  std::string key = ctl.Json({"deploy-key", "create"})["deployment_key"];
  ASSERT_EQ(key.rfind("dk_", 0), 0u) << key;
  auto agent = Connect(broker);
  auto enrolled = agent->Hello(
      Value::MapOf({{"kind", "enroll"}, {"deployment_key", key}, {"name", "kiosk"}, {"os", "linux"}}), kWait);
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  std::string device = enrolled->Find("device_id")->as_string();
  auto devices = ctl.Json({"device", "list"})["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["device_id"], device);
  EXPECT_EQ(ctl.Run({"device", "delete", device}), 0) << ctl.out;
  EXPECT_EQ(agent->WaitClosed(kWait)->code, 4403);
}

TEST(TetherctlAdmin, OwnerInvitesTechniciansAndManagesRolesGroupsAndLicence) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;

  // Two technicians in one command: one user.invite, one invitation each.
  auto invited = ctl.Json({"user", "invite", "--role", "technician", "tech1@acme.test", "tech2@acme.test"});
  ASSERT_TRUE(invited["invitations"].is_array()) << invited.dump();
  ASSERT_EQ(invited["invitations"].size(), 2u) << invited.dump();
  auto first = FindBy(invited["invitations"], "email", "tech1@acme.test");
  ASSERT_TRUE(first.is_object()) << invited.dump();
  ASSERT_TRUE(first["token"].is_string());
  EXPECT_TRUE(first["expires_at"].is_number_unsigned());

  // The printed token is what the invitation link carries: tech1 accepts with it.
  auto tech1 = Connect(broker);
  ASSERT_TRUE(tech1);
  auto accepted = tech1->Hello(Value::MapOf({{"kind", "invite"},
                                             {"token", first["token"].get<std::string>()},
                                             {"name", "Tech One"},
                                             {"password", "tech-one-password"}}),
                               kWait);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();

  auto users = ctl.Json({"user", "list"});
  auto tech = FindBy(users["users"], "email", "tech1@acme.test");
  ASSERT_TRUE(tech.is_object()) << users.dump();
  EXPECT_EQ(tech["role"], "technician");
  EXPECT_EQ(tech["status"], "active");
  EXPECT_TRUE(tech["scope"].is_null());
  EXPECT_TRUE(FindBy(users["users"], "email", kOwnerEmail).is_object()) << users.dump();
  ASSERT_EQ(ctl.Run({"user", "list"}), 0) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "EMAIL")) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "Tech One")) << ctl.out;

  ASSERT_EQ(ctl.Run({"role", "create", "--name", "Night shift", "--description", "Unattended access only",
                     "--privilege", "unattended_access,wake_on_lan"}),
            0)
      << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "created role")) << ctl.out;
  auto roles = ctl.Json({"role", "list"});
  auto night = FindBy(roles["roles"], "name", "Night shift");
  ASSERT_TRUE(night.is_object()) << roles.dump();
  EXPECT_EQ(night["builtin"], false);
  EXPECT_EQ(night["privileges"], nlohmann::json({"unattended_access", "wake_on_lan"}));

  auto created = ctl.Json({"group", "create", "--name", "Front desk", "--department", "Reception"});
  ASSERT_TRUE(created["group_id"].is_string()) << created.dump();
  auto groups = ctl.Json({"group", "list"});
  auto front = FindBy(groups["groups"], "id", created["group_id"].get<std::string>());
  ASSERT_TRUE(front.is_object()) << groups.dump();
  EXPECT_EQ(front["name"], "Front desk");
  EXPECT_EQ(front["department"], "Reception");
  EXPECT_EQ(front["devices"], 0);

  // The owner and tech1 hold remote_support; tech2 has not accepted yet.
  ASSERT_EQ(ctl.Run({"licence"}), 0) << ctl.out;
  EXPECT_EQ(ctl.out, "2 of 10 seats used\n");
}

TEST(TetherctlAdmin, RefusalsPrintTheBrokersCodeAndExitOne) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  EXPECT_EQ(ctl.Run({"user", "invite", "--role", "no-such-role", "someone@acme.test"}), 1);
  EXPECT_TRUE(Contains(ctl.out, "tetherctl user invite: not_found: ")) << ctl.out;
  // All or nothing: nobody was invited, so the address is still free.
  EXPECT_EQ(ctl.Run({"user", "invite", "--role", "technician", "someone@acme.test"}), 0) << ctl.out;
}

// A UTC date `days` from now, as YYYY-MM-DD.
std::string DateInDays(int days) {
  std::time_t at = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm utc{};
  gmtime_r(&at, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

TEST(TetherctlAdmin, SupportAccessIsGrantedUntilADateShownAndRevoked) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  std::string until = DateInDays(30);
  ASSERT_EQ(ctl.Run({"support-access", "grant", "--until", until}), 0) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "support access until " + until + "T00:00:00Z")) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "one-time password")) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "@support.tether.invalid")) << ctl.out;

  ASSERT_EQ(ctl.Run({"support-access", "extend", "--until", DateInDays(60)}), 0) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, DateInDays(60))) << ctl.out;
  nlohmann::json status = ctl.Json({"support-access", "status"});
  EXPECT_TRUE(status["support_access"]["user"]["hidden"].get<bool>()) << status.dump();

  ASSERT_EQ(ctl.Run({"support-access", "revoke"}), 0) << ctl.out;
  ASSERT_EQ(ctl.Run({"support-access", "status"}), 0) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "no support access is granted")) << ctl.out;
}

TEST(TetherctlAdmin, SupportAccessDatesOutsideTheBoundsOrMalformedAreRefused) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  EXPECT_EQ(ctl.Run({"support-access", "grant", "--until", DateInDays(0)}), 1) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "bad_request: until must be at least 1 day and at most 5 years from now")) << ctl.out;
  EXPECT_EQ(ctl.Run({"support-access", "grant", "--until", "2027-02-30"}), 2) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "--until '2027-02-30' is not a time")) << ctl.out;
}

TEST(TetherctlAdmin, UsageErrorsExitTwo) {
  BrokerProcess broker;
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  EXPECT_EQ(ctl.Run({"user", "set", "7"}), 2) << ctl.out;
  EXPECT_TRUE(Contains(ctl.out, "nothing to change")) << ctl.out;
  EXPECT_EQ(ctl.Run({"user", "set", "7", "--all-groups", "--scope-group", "1"}), 2) << ctl.out;
  EXPECT_EQ(ctl.Run({"user", "invite", "someone@acme.test"}), 2) << ctl.out;  // no --role
  EXPECT_EQ(ctl.Run({"role", "frobnicate"}), 2) << ctl.out;
}

}  // namespace
}  // namespace tether::e2e
