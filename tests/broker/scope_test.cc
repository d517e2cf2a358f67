// Scope on the wire (protocol/PROTOCOL.md §6): nil = all groups, or
// {"groups":[id strings],"departments":[names]}; group ids are decimal strings.
#include "policy/scope.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tether::broker::policy {
namespace {

using protocol::ErrorCode;
using protocol::Value;

Value List(std::initializer_list<Value> items) { return Value(Value::Array(items)); }

Value Wire(Value groups, Value departments) {
  Value map = Value::MakeMap();
  if (!groups.is_nil()) map.Set("groups", std::move(groups));
  if (!departments.is_nil()) map.Set("departments", std::move(departments));
  return map;
}

TEST(Scope, NilIsAllGroups) {
  auto scope = ScopeFromWire(Value());
  ASSERT_TRUE(scope.ok()) << scope.status().ToString();
  EXPECT_TRUE(scope->all_groups);
  EXPECT_TRUE(ScopeToWire(*scope).is_nil());
}

TEST(Scope, MapIsAChosenList) {
  auto scope = ScopeFromWire(Wire(List({"12", "7"}), List({"Sales"})));
  ASSERT_TRUE(scope.ok()) << scope.status().ToString();
  EXPECT_FALSE(scope->all_groups);
  EXPECT_EQ(scope->groups, (std::vector<std::int64_t>{12, 7}));
  EXPECT_EQ(scope->departments, (std::vector<std::string>{"Sales"}));
}

TEST(Scope, EmptyMapIsAnEmptyChosenListNotAllGroups) {
  auto scope = ScopeFromWire(Value::MakeMap());
  ASSERT_TRUE(scope.ok());
  EXPECT_FALSE(scope->all_groups);
  EXPECT_TRUE(scope->groups.empty());
  EXPECT_TRUE(scope->departments.empty());
  EXPECT_FALSE(ScopeCovers(*scope, 1, "Sales"));
}

TEST(Scope, EitherListMayBeAbsent) {
  auto groups_only = ScopeFromWire(Wire(List({"1"}), Value()));
  ASSERT_TRUE(groups_only.ok());
  EXPECT_EQ(groups_only->groups, (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(groups_only->departments.empty());
  auto departments_only = ScopeFromWire(Wire(Value(), List({"Support"})));
  ASSERT_TRUE(departments_only.ok());
  EXPECT_TRUE(departments_only->groups.empty());
  EXPECT_EQ(departments_only->departments, (std::vector<std::string>{"Support"}));
}

TEST(Scope, UnknownKeysAreIgnoredLikeEveryRequestField) {
  Value wire = Wire(List({"3"}), Value());
  wire.Set("colour", Value("blue"));
  auto scope = ScopeFromWire(wire);
  ASSERT_TRUE(scope.ok()) << scope.status().ToString();
  EXPECT_EQ(scope->groups, (std::vector<std::int64_t>{3}));
}

TEST(Scope, DuplicatesAreKeptOnce) {
  auto scope = ScopeFromWire(Wire(List({"5", "5", "6"}), List({"Sales", "Sales"})));
  ASSERT_TRUE(scope.ok());
  EXPECT_EQ(scope->groups, (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(scope->departments, (std::vector<std::string>{"Sales"}));
}

TEST(Scope, LargestGroupIdParses) {
  auto scope = ScopeFromWire(Wire(List({"9223372036854775807", "0"}), Value()));
  ASSERT_TRUE(scope.ok()) << scope.status().ToString();
  EXPECT_EQ(scope->groups, (std::vector<std::int64_t>{INT64_MAX, 0}));
}

// Group ids are strings of decimal digits in canonical form; anything else is bad_request
// naming what it got.
TEST(Scope, GroupIdThatIsNotADecimalStringIsBadRequest) {
  const Value kBad[] = {Value("abc"), Value(""),  Value("-1"), Value("+1"), Value("07"),
                        Value("1.5"), Value(" 1"), Value("1 "), Value("0x10"),
                        Value("9223372036854775808"), Value(5), Value(true), Value()};
  for (const Value& id : kBad) {
    auto scope = ScopeFromWire(Wire(List({"1", id}), Value()));
    ASSERT_FALSE(scope.ok()) << id.ToJson();
    EXPECT_EQ(scope.status().code(), ErrorCode::kBadRequest) << id.ToJson();
    EXPECT_NE(scope.status().message().find("groups"), std::string::npos) << scope.status().message();
  }
}

TEST(Scope, DepartmentThatIsNotANonEmptyStringIsBadRequest) {
  for (const Value& name : {Value(""), Value(3), Value(), Value(List({"Sales"}))}) {
    auto scope = ScopeFromWire(Wire(Value(), List({"Sales", name})));
    ASSERT_FALSE(scope.ok()) << name.ToJson();
    EXPECT_EQ(scope.status().code(), ErrorCode::kBadRequest);
    EXPECT_NE(scope.status().message().find("departments"), std::string::npos);
  }
}

TEST(Scope, ListsThatAreNotListsAreBadRequest) {
  for (const Value& wire : {Wire(Value("1"), Value()), Wire(Value(), Value("Sales")),
                            Wire(Value::MakeMap(), Value())}) {
    auto scope = ScopeFromWire(wire);
    ASSERT_FALSE(scope.ok()) << wire.ToJson();
    EXPECT_EQ(scope.status().code(), ErrorCode::kBadRequest);
  }
}

TEST(Scope, NeitherNilNorMapIsBadRequest) {
  for (const Value& wire : {Value(true), Value("all"), Value(0), List({"1"})}) {
    auto scope = ScopeFromWire(wire);
    ASSERT_FALSE(scope.ok()) << wire.ToJson();
    EXPECT_EQ(scope.status().code(), ErrorCode::kBadRequest);
  }
}

TEST(Scope, ToWireWritesBothListsWithIdsAsStrings) {
  Scope scope{false, {4, 10}, {"Sales"}};
  Value expected = Value::MapOf({{"groups", List({"4", "10"})}, {"departments", List({"Sales"})}});
  EXPECT_EQ(ScopeToWire(scope), expected) << ScopeToWire(scope).ToJson();
  Scope empty{false, {}, {}};
  EXPECT_EQ(ScopeToWire(empty),
            Value::MapOf({{"groups", Value::MakeArray()}, {"departments", Value::MakeArray()}}));
}

TEST(Scope, RoundTripsThroughTheWire) {
  for (const Scope& scope : {Scope{}, Scope{false, {}, {}}, Scope{false, {1, 2, 3}, {}},
                             Scope{false, {}, {"A", "B"}}, Scope{false, {99}, {"Sales"}}}) {
    auto back = ScopeFromWire(ScopeToWire(scope));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->all_groups, scope.all_groups);
    EXPECT_EQ(back->groups, scope.groups);
    EXPECT_EQ(back->departments, scope.departments);
  }
}

// All groups ignores any lists left in the struct: the flag decides.
TEST(Scope, AllGroupsFlagWinsOverLeftoverLists) {
  Scope scope{true, {1}, {"Sales"}};
  EXPECT_TRUE(ScopeToWire(scope).is_nil());
  EXPECT_TRUE(ScopeCovers(scope, 9, "Support"));
}

}  // namespace
}  // namespace tether::broker::policy
