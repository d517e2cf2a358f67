// SetUpOrganisation: makes the scenario's `org:` section real, as the organisation's
// Super Admin, over the protocol: seats, groups, custom roles, users (each invited and
// accepted, so they log in with a password only tether-sim knows), deployment keys,
// devices that have no agent actor (enrolled, then left offline), preferences and plan.
// Seats and plan are set last so that the set-up itself is never refused by them.
#pragma once

#include "org_context.h"
#include "scenario.h"
#include "tether/protocol/status.h"

namespace tether::sim {

struct OwnerLogin {
  std::string url;
  std::string org;
  std::string email;
  std::string password;
  bool tag_names = false;  // add the run tag to group and role names (a broker shared across runs)
};

// The email a scenario user gets when the file gives none.
std::string GeneratedEmail(const std::string& name, const std::string& run_tag);

protocol::Result<OrgContext> SetUpOrganisation(const Scenario& scenario, const OwnerLogin& owner);

}  // namespace tether::sim
