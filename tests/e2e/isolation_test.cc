// End to end: nothing of one organisation is visible to, or reachable from, another
// (POLICY.md "Organisation"). Every list and every mutating request of the access model
// is tried from organisation B against organisation A's ids.
#include <gtest/gtest.h>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;


bool Mentions(const Value& answer, const std::string& text) { return answer.ToJson().find(text) != std::string::npos; }

TEST(Isolation, NoRequestOfOneOrganisationSeesOrTouchesAnother) {
  BrokerProcess broker;
  auto owner_a = LoggedInOwner(broker);
  std::string role_a = Ok(*owner_a, Req({{"t", "role.create"}, {"name", "A-role"}, {"description", "a"},
                                         {"privileges", Value(Value::Array{"remote_support"})}}))
                           .Find("role_id")->as_string();
  std::string group_a = Ok(*owner_a, Req({{"t", "group.create"}, {"name", "A-group"}})).Find("group_id")->as_string();
  auto tech_a = InviteAndAccept(broker, *owner_a, "tech@acme.test", "technician");
  std::string tech_a_id = UserIdOf(*owner_a, "tech@acme.test");
  std::string owner_a_id = UserIdOf(*owner_a, kOwnerEmail);

  auto owner_b = SecondOrganisationOwner(broker, "globex");
  // Lists show nothing of A.
  for (const char* list : {"user.list", "role.list", "group.list", "notification.list"}) {
    Value answer = Ok(*owner_b, Req({{"t", list}}));
    EXPECT_FALSE(Mentions(answer, "acme.test")) << list << ": " << answer.ToJson();
    EXPECT_FALSE(Mentions(answer, "A-role")) << list;
    EXPECT_FALSE(Mentions(answer, "A-group")) << list;
  }
  // Every mutating request aimed at A's ids is not_found: not even existence leaks.
  const Value attempts[] = {
      Req({{"t", "user.update"}, {"user_id", tech_a_id}, {"status", "disabled"}}),
      Req({{"t", "user.update"}, {"user_id", tech_a_id}, {"role", "admin"}}),
      Req({{"t", "user.remove"}, {"user_id", tech_a_id}}),
      Req({{"t", "user.password_reset"}, {"user_id", tech_a_id}}),
      Req({{"t", "user.transfer_ownership"}, {"user_id", owner_a_id}}),
      Req({{"t", "role.update"}, {"role_id", role_a}, {"name", "mine"}}),
      Req({{"t", "role.delete"}, {"role_id", role_a}}),
      Req({{"t", "group.delete"}, {"group_id", group_a}}),
      Req({{"t", "device.move"}, {"device_id", "dev-of-a"}, {"group_id", group_a}}),
      Req({{"t", "user.invite"}, {"invites", Value(Value::Array{Value::MapOf({{"email", "x@globex.test"},
                                                                              {"role", role_a}})})}}),
      Req({{"t", "user.invite"},
           {"invites", Value(Value::Array{Value::MapOf(
                           {{"email", "y@globex.test"}, {"role", "technician"},
                            {"scope", Value::MapOf({{"groups", Value(Value::Array{group_a})},
                                                    {"departments", Value::MakeArray()}})}})})}}),
  };
  for (const Value& attempt : attempts) Refused(*owner_b, attempt, ErrorCode::kNotFound);
  // A is untouched: the technician is still connected and active, the role and group exist.
  EXPECT_TRUE(tech_a->IsOpen());
  Value roles = Ok(*owner_a, Req({{"t", "role.list"}}));
  EXPECT_TRUE(Mentions(roles, "A-role"));
  EXPECT_TRUE(Mentions(Ok(*owner_a, Req({{"t", "group.list"}})), "A-group"));
}

TEST(Isolation, AnEmailMayBeAUserOfTwoOrganisations) {
  BrokerProcess broker;
  auto owner_a = LoggedInOwner(broker);
  auto owner_b = SecondOrganisationOwner(broker, "initech");
  ASSERT_TRUE(InviteAndAccept(broker, *owner_a, "shared@example.test", "technician"));
  ASSERT_TRUE(InviteAndAccept(broker, *owner_b, "shared@example.test", "technician"));
}

}  // namespace
}  // namespace tether::e2e
