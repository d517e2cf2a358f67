// Organisation preferences (PROTOCOL.md "Admin requests"): each name's type, default and
// the privilege that changes it. Pure; the org.update handler validates through it.
#pragma once

#include <string_view>

#include "policy/policy.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::broker::policy {

// Checks one preference: known name, right type. On success `action` is the policy
// action that changing it needs besides kOrgChangePreferences, which every preference
// needs (PROTOCOL.md); for most preferences it is kOrgChangePreferences itself.
protocol::Status ValidatePreference(std::string_view name, const protocol::Value& value,
                                    Action* action);
// The stored preferences over the defaults: every known preference, always.
protocol::Value EffectivePreferences(const protocol::Value& stored);

// The plans of POLICY.md "Organisation" (on the wire).
bool IsKnownPlan(std::string_view plan);

}  // namespace tether::broker::policy
