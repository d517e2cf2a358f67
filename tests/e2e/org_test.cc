// End to end: org.get and org.update.
#include <gtest/gtest.h>

#include "broker_process.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

Value OrgOf(client::BlockingClient& client) {
  auto reply = client.Call(Value::MapOf({{"t", "org.get"}}), kWait);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? *reply->Find("org") : Value();
}

TEST(Org, GetShowsPlanSeatsAndEveryPreferenceWithItsDefault) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Value org = OrgOf(*owner);
  EXPECT_EQ(org.Find("slug")->as_string(), kOrg);
  EXPECT_EQ(org.Find("name")->as_string(), "Acme Corp");
  EXPECT_EQ(org.Find("plan")->as_string(), "professional");
  EXPECT_EQ(org.Find("seats")->as_uint(), 10u);
  EXPECT_EQ(org.Find("seats_used")->as_uint(), 1u);
  const Value& prefs = *org.Find("preferences");
  EXPECT_TRUE(prefs.Find("announce_supervisors")->as_bool());
  EXPECT_FALSE(prefs.Find("notify_technician_changes")->as_bool());
  EXPECT_FALSE(prefs.Find("session_confirmation")->as_bool());
  EXPECT_FALSE(prefs.Find("recording")->as_bool());
  EXPECT_FALSE(prefs.Find("require_2fa")->as_bool());
  EXPECT_EQ(prefs.Find("audit_retention_days")->as_uint(), 365u);
}

TEST(Org, SuperAdminChangesNamePlanSeatsAndPreferencesDurablyAndAudited) {
  BrokerProcess broker;
  {
    auto owner = LoggedInOwner(broker);
    auto reply = owner->Call(Value::MapOf({{"t", "org.update"},
                                           {"name", "Acme Inc"},
                                           {"plan", "enterprise"},
                                           {"seats", 25},
                                           {"preferences", Value::MapOf({{"recording", true},
                                                                         {"audit_retention_days", 30}})}}),
                             kWait);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    const Value& org = *reply->Find("org");
    EXPECT_EQ(org.Find("name")->as_string(), "Acme Inc");
    EXPECT_EQ(org.Find("plan")->as_string(), "enterprise");
    EXPECT_EQ(org.Find("seats")->as_uint(), 25u);
    EXPECT_TRUE(org.Find("preferences")->Find("recording")->as_bool());
    EXPECT_EQ(org.Find("preferences")->Find("audit_retention_days")->as_uint(), 30u);
    EXPECT_TRUE(org.Find("preferences")->Find("announce_supervisors")->as_bool());  // untouched
    auto fresh = Connect(broker);
    ASSERT_TRUE(fresh->Hello(PasswordAuth(), kWait).ok());
    EXPECT_EQ(OrgOf(*fresh).Find("name")->as_string(), "Acme Inc");
  }
  ASSERT_EQ(broker.Stop(), 0);
  auto chain = ReadAuditChain(broker.db_path(), 1);
  bool audited = false;
  for (const auto& row : chain) audited |= row.action == "org.update" && row.outcome == "ok";
  EXPECT_TRUE(audited);
}

TEST(Org, UnknownPreferenceIsBadRequestNamingIt) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto reply = owner->Call(
      Value::MapOf({{"t", "org.update"}, {"preferences", Value::MapOf({{"dark_mode", true}})}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest);
  EXPECT_NE(reply.status().message().find("dark_mode"), std::string::npos);
}

TEST(Org, PreferenceOfTheWrongTypeIsBadRequest) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto reply = owner->Call(
      Value::MapOf({{"t", "org.update"}, {"preferences", Value::MapOf({{"recording", "yes"}})}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest);
}

TEST(Org, UnknownPlanIsBadRequest) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto reply = owner->Call(Value::MapOf({{"t", "org.update"}, {"plan", "platinum"}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest);
}

TEST(Org, LoweringSeatsBelowThoseInUseIsLicenceExceeded) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto reply = owner->Call(Value::MapOf({{"t", "org.update"}, {"seats", 0}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kLicenceExceeded);
  EXPECT_EQ(OrgOf(*owner).Find("seats")->as_uint(), 10u);
}

TEST(Org, RefusedUpdatesAreAuditedWithTheirReason) {
  BrokerProcess broker;
  {
    auto owner = LoggedInOwner(broker);
    ASSERT_FALSE(owner->Call(Value::MapOf({{"t", "org.update"}, {"plan", "platinum"}}), kWait).ok());
  }
  ASSERT_EQ(broker.Stop(), 0);
  auto chain = ReadAuditChain(broker.db_path(), 1);
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(chain.back().action, "org.update");
  EXPECT_EQ(chain.back().outcome, "failed");
  EXPECT_NE(chain.back().details.Find("reason")->as_string().find("plan"), std::string::npos);
}

}  // namespace
}  // namespace tether::e2e
