// Policy: the one place that decides whether an actor may perform an action
// (POLICY.md). A pure function of its inputs — no I/O, no globals — so every rule is a
// row in a table test. Handlers ask; no handler makes its own access decision.
#pragma once

#include <cstdint>
#include <string>

#include "policy/privileges.h"
#include "tether/protocol/status.h"

namespace tether::broker::policy {

// Who is asking.
struct Actor {
  std::int64_t user_id = 0;
  std::int64_t org_id = 0;
  std::string role_id;
  PrivilegeSet privileges;
  bool support_user = false;  // the hidden vendor support user (POLICY.md "Support access")
};

// What is asked. Later issues add their actions here, each with its rule in policy.cc.
enum class Action {
  kOrgGet,
  kOrgChangeName,         // organisation details
  kOrgChangePlanOrSeats,  // subscription
  kOrgChangePreferences,
  kOrgChangeTwoFactorPolicy,  // the require_2fa preference
  kOrgChangeSessionConfirmation,  // the session_confirmation preference
};

// ok, or permission_denied with a message naming what is missing.
protocol::Status Authorize(const Actor& actor, Action action);

}  // namespace tether::broker::policy
