// End to end: audit.query and audit.verify over the protocol (audit_view).
#include <gtest/gtest.h>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;


TEST(AuditQuery, NewestFirstWithFiltersAndCursorPaging) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  for (int i = 0; i < 5; ++i) InviteToken(*owner, "p" + std::to_string(i) + "@acme.test", "technician");
  Value first = Ok(*owner, Req({{"t", "audit.query"}, {"action", "user.invite"}, {"limit", 3}}));
  const auto& page = first.Find("events")->as_array();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_GT(page[0].Find("seq")->as_uint(), page[1].Find("seq")->as_uint());  // newest first
  for (const Value& e : page) EXPECT_EQ(e.Find("action")->as_string(), "user.invite");
  std::string cursor = first.Find("cursor")->as_string();
  ASSERT_FALSE(cursor.empty());
  Value second = Ok(*owner, Req({{"t", "audit.query"}, {"action", "user.invite"}, {"limit", 3}, {"cursor", cursor}}));
  EXPECT_EQ(second.Find("events")->as_array().size(), 2u);
  Value failed = Ok(*owner, Req({{"t", "audit.query"}, {"outcome", "failed"}}));
  EXPECT_TRUE(failed.Find("events")->as_array().empty());
  Value verified = Ok(*owner, Req({{"t", "audit.verify"}}));
  EXPECT_TRUE(verified.Find("ok")->as_bool());
  EXPECT_GT(verified.Find("events_checked")->as_uint(), 6u);
}

TEST(AuditQuery, NeedsAuditViewAndSeesOnlyItsOwnOrganisation) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "t@acme.test", "technician");
  Refused(*tech, Req({{"t", "audit.query"}}), ErrorCode::kPermissionDenied);
  auto other = SecondOrganisationOwner(broker, "globex");
  Value theirs = Ok(*other, Req({{"t", "audit.query"}, {"limit", 1000}}));
  EXPECT_EQ(theirs.ToJson().find("acme.test"), std::string::npos);
}

}  // namespace
}  // namespace tether::e2e
