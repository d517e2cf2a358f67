// Organisation preferences (PROTOCOL.md "Admin requests"): names, types, defaults and
// the action that changing each one needs.
#include "policy/preferences.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tether::broker::policy {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

struct PreferenceSpec {
  std::string_view name;
  Value good;
  Value wrong;
  Action action = Action::kOrgGet;
};

// PROTOCOL.md: five bools and one uint; require_2fa needs two_factor_auth.
const PreferenceSpec kSpecs[] = {
    {"notify_technician_changes", Value(true), Value(1), Action::kOrgChangePreferences},
    {"announce_supervisors", Value(false), Value("true"), Action::kOrgChangePreferences},
    // session_confirmation also needs its own privilege (POLICY.md "Privileges").
    {"session_confirmation", Value(true), Value(0), Action::kOrgChangeSessionConfirmation},
    {"recording", Value(false), Value(), Action::kOrgChangePreferences},
    {"require_2fa", Value(true), Value(1), Action::kOrgChangeTwoFactorPolicy},
    {"audit_retention_days", Value(30), Value(true), Action::kOrgChangePreferences},
};

TEST(Preferences, EachNameAcceptsItsTypeAndNamesItsAction) {
  for (const PreferenceSpec& spec : kSpecs) {
    Action action = Action::kOrgGet;  // not any preference's action
    Status s = ValidatePreference(spec.name, spec.good, &action);
    EXPECT_TRUE(s.ok()) << spec.name << ": " << s.ToString();
    EXPECT_EQ(action, spec.action) << spec.name;
  }
}

// Users can enrol TOTP now (auth.totp.*), so the organisation may require it: both values
// are accepted, each needing two_factor_auth.
TEST(Preferences, Require2faCanBeTurnedOnAndOff) {
  for (bool on : {true, false}) {
    Action action = Action::kOrgGet;
    Status s = ValidatePreference("require_2fa", Value(on), &action);
    EXPECT_TRUE(s.ok()) << on << ": " << s.ToString();
    EXPECT_EQ(action, Action::kOrgChangeTwoFactorPolicy) << on;
  }
}

TEST(Preferences, EachNameRefusesAWrongTypeNamingIt) {
  for (const PreferenceSpec& spec : kSpecs) {
    Action action = Action::kOrgGet;
    Status s = ValidatePreference(spec.name, spec.wrong, &action);
    ASSERT_FALSE(s.ok()) << spec.name << " accepted " << spec.wrong.ToJson();
    EXPECT_EQ(s.code(), ErrorCode::kBadRequest) << spec.name;
    EXPECT_NE(s.message().find(std::string(spec.name)), std::string::npos) << s.message();
  }
}

TEST(Preferences, RetentionDaysRefusesNegativeAndFractionalNumbers) {
  Action action = Action::kOrgGet;
  EXPECT_FALSE(ValidatePreference("audit_retention_days", Value(-1), &action).ok());
  EXPECT_FALSE(ValidatePreference("audit_retention_days", Value(30.5), &action).ok());
  EXPECT_FALSE(ValidatePreference("audit_retention_days", Value("365"), &action).ok());
}

TEST(Preferences, RetentionDaysMustBeOneDayToACentury) {
  Action action = Action::kOrgGet;
  for (std::uint64_t days : {0ull, 36501ull}) {
    Status s = ValidatePreference("audit_retention_days", Value(days), &action);
    ASSERT_FALSE(s.ok()) << days;
    EXPECT_EQ(s.code(), ErrorCode::kBadRequest);
    EXPECT_EQ(s.message(), "preference 'audit_retention_days' must be 1 to 36500");
  }
  for (std::uint64_t days : {1ull, 36500ull}) {
    EXPECT_TRUE(ValidatePreference("audit_retention_days", Value(days), &action).ok()) << days;
  }
}

TEST(Preferences, UnknownNameIsBadRequestNamingIt) {
  for (std::string_view name : {"dark_mode", "", "Recording", "require_2FA"}) {
    Action action = Action::kOrgGet;
    Status s = ValidatePreference(name, Value(true), &action);
    ASSERT_FALSE(s.ok()) << "'" << name << "'";
    EXPECT_EQ(s.code(), ErrorCode::kBadRequest);
    EXPECT_NE(s.message().find("'" + std::string(name) + "'"), std::string::npos) << s.message();
  }
}

TEST(Preferences, EffectivePreferencesOfNothingAreTheDefaults) {
  Value effective = EffectivePreferences(Value::MakeMap());
  ASSERT_TRUE(effective.is_map());
  EXPECT_EQ(effective.as_map().size(), 6u);
  auto expect = [&](std::string_view name, const Value& value) {
    const Value* v = effective.Find(name);
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(*v, value) << name << " = " << v->ToJson();
  };
  expect("notify_technician_changes", Value(false));
  expect("announce_supervisors", Value(true));
  expect("session_confirmation", Value(false));
  expect("recording", Value(false));
  expect("require_2fa", Value(false));
  expect("audit_retention_days", Value(365u));
  // A nil (never stored) map gives the same.
  EXPECT_EQ(EffectivePreferences(Value()), effective);
}

TEST(Preferences, EffectivePreferencesKeepStoredValues) {
  Value stored = Value::MapOf({{"announce_supervisors", Value(false)},
                               {"recording", Value(true)},
                               {"audit_retention_days", Value(30)}});
  Value effective = EffectivePreferences(stored);
  EXPECT_EQ(*effective.Find("announce_supervisors"), Value(false));
  EXPECT_EQ(*effective.Find("recording"), Value(true));
  EXPECT_EQ(*effective.Find("audit_retention_days"), Value(30u));
  // The rest are still the defaults.
  EXPECT_EQ(*effective.Find("notify_technician_changes"), Value(false));
  EXPECT_EQ(*effective.Find("session_confirmation"), Value(false));
  EXPECT_EQ(*effective.Find("require_2fa"), Value(false));
  EXPECT_EQ(effective.as_map().size(), 6u);
}

TEST(Preferences, EffectivePreferencesDropUnknownStoredNames) {
  Value stored = Value::MapOf({{"dark_mode", Value(true)}});
  Value effective = EffectivePreferences(stored);
  EXPECT_EQ(effective.Find("dark_mode"), nullptr);
  EXPECT_EQ(effective.as_map().size(), 6u);
}

TEST(Preferences, KnownPlansAreThePolicyFour) {
  for (std::string_view plan : {"free", "standard", "professional", "enterprise"}) {
    EXPECT_TRUE(IsKnownPlan(plan)) << plan;
  }
  for (std::string_view plan : {"", "Free", "premium", "enterprise ", "pro"}) {
    EXPECT_FALSE(IsKnownPlan(plan)) << "'" << plan << "'";
  }
}

}  // namespace
}  // namespace tether::broker::policy
