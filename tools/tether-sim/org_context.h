// OrgContext: what setting up a scenario's organisation produced, which every iteration
// reads: where the broker is, who logs in how, and the ids the broker gave to the
// scenario's names. Built by SetUpOrganisation before the loop runs; then read only.
#pragma once

#include <map>
#include <string>

#include "broker_clock.h"

namespace tether::sim {

struct Credentials {
  std::string id;  // "" until known (an invitee gets one when it accepts)
  std::string email;
  std::string password;
  std::string token;  // from the set-up's login: `login: {token: true}` skips the password hash
};

struct OrgContext {
  std::string url;
  std::string org;
  std::map<std::string, Credentials> users;      // by scenario name; "owner" included, "support" when granted at set-up
  std::map<std::string, std::string> group_ids;  // by name
  std::map<std::string, std::string> role_ids;   // by name (custom) and id (built-in)
  std::map<std::string, std::string> deploy_keys;  // by group name ("" = the default group)
  std::map<std::string, std::string> device_ids;   // devices without an agent actor
  std::string run_tag;  // keeps generated emails unique across runs on one broker
  BrokerClock clock;  // as learnt at set-up; the runner keeps it up to date
};

}  // namespace tether::sim
