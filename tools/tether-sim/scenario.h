// Scenario: what a tether-sim scenario file declares, after parsing and checking
// (docs/scenarios.md is the reference). Every part keeps the line it came from so that a
// failure at run time can point back into the file.
//
// Thread-safety: plain values; built once by the parser, then only read.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::sim {

using protocol::ErrorCode;
using protocol::Value;
using Millis = std::chrono::milliseconds;

inline constexpr Millis kDefaultStepTimeout{5000};

// On the scenario file: each name is the YAML key of the step (StepName()).
enum class StepKind {
  // users
  kLogin,
  kAcceptInvite,
  kCreateSession,
  kConnect,
  kSupervise,
  kHandover,
  kEnd,
  kLeave,
  kInput,
  kExpectOutput,
  kRequest,
  kAdvanceClock,
  kGrantSupportAccess,
  kExtendSupportAccess,
  kRevokeSupportAccess,
  // agents
  kJoin,
  kConsent,
  kOutput,
  kExpectInput,
  kExit,
  // everyone
  kExpectEvent,
  kExpectClosed,
  kBarrier,
  kDisconnect,
  kPause,
};

const char* StepName(StepKind kind);

// What a step waits for in text: a substring, or a regular expression (ECMAScript).
struct TextMatch {
  std::string text;                  // the substring, or the pattern as written
  std::optional<std::regex> pattern;  // set for `matches`
  bool Matches(const std::string& haystack, std::size_t* end) const;
  std::string Describe() const;
};

struct Step {
  StepKind kind = StepKind::kLogin;
  int line = 0;
  std::string session;  // a session label: defined by create_session / connect (`as`), used by others
  std::string target;   // connect: device; handover: actor; barrier: name; consent: accept|deny; expect_event: event
  std::string text;     // input / output bytes; login: a password other than the user's
  TextMatch match;      // expect_output, expect_input
  Value fields;         // request: the request map; expect_event: fields to match; accept_invite: token, name, password
  std::vector<std::pair<std::string, std::string>> save;  // request: variable ← path in the reply
  Value expect;  // request: path in the reply → the value it must have (nil: absent)
  std::optional<ErrorCode> expect_error;
  // advance_clock: ms; grant_/extend_support_access: `until`, ms after the broker's now;
  // exit: status; expect_closed: close code
  std::int64_t number = 0;
  bool stay = true;          // handover
  bool token = false;        // login: with the token of the set-up's login, not the password
  Millis timeout = kDefaultStepTimeout;
};

enum class ActorKind { kUser, kAttendedAgent, kDeviceAgent };
enum class ConsentAnswer { kAccept, kDeny, kManual };

// A simulated agent's terminal output while its session is active: `bytes` every `every`.
struct OutputRate {
  Millis every{0};
  std::size_t bytes = 0;
  bool enabled() const { return every.count() > 0 && bytes > 0; }
};

// The name the hidden support user goes by in a scenario: its user actors (`kind:
// support`), references (`${user.support}`) and audit entries.
inline constexpr const char* kSupportUser = "support";

struct ActorSpec {
  std::string name;
  ActorKind kind = ActorKind::kUser;
  int line = 0;
  bool support = false;  // a user actor that logs in as the hidden support user (`user` is kSupportUser)
  std::string user;      // users: a name of org.users, "owner", or one who accepts an invitation
  std::string device;    // device agents: a name of org.devices
  std::string customer;  // attended agents: the name in the session_key hello
  ConsentAnswer consent = ConsentAnswer::kAccept;
  bool echo = true;
  OutputRate output;
  std::vector<Step> steps;
};

struct GroupSpec {
  std::string name;
  std::string department;  // "" = none
  int line = 0;
};

struct RoleSpec {
  std::string name;
  std::string description;
  std::vector<std::string> privileges;
  int line = 0;
};

struct UserSpec {
  std::string name;
  std::string email;  // "" = generated
  std::string role;   // a built-in role id or the name of a custom role
  bool all_groups = true;
  std::vector<std::string> scope_groups;       // group names
  std::vector<std::string> scope_departments;  // department names
  int line = 0;
};

struct DeviceSpec {
  std::string name;
  std::string group;  // "" = the default group
  std::string os = "linux";
  int line = 0;
};

// `org: support_access`: a grant made at set-up, `until` after the broker's clock.
struct SupportGrantSpec {
  Millis until{0};
  int line = 0;
};

struct OrgSpec {
  std::optional<std::string> plan;
  std::optional<SupportGrantSpec> support_access;
  std::optional<std::uint64_t> seats;
  Value preferences;  // nil or a map, sent as is
  std::vector<GroupSpec> groups;
  std::vector<RoleSpec> roles;
  std::vector<UserSpec> users;
  std::vector<DeviceSpec> devices;
};

struct AuditExpectation {
  std::string action;
  std::string outcome;  // "" = any
  std::string actor;    // "" = any; else an actor, user or device name
  std::optional<bool> support;  // the event's `support` flag; nullopt = any
  int line = 0;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  OrgSpec org;
  std::vector<ActorSpec> actors;
  std::vector<AuditExpectation> audit;

  const ActorSpec* FindActor(const std::string& name) const;
  const DeviceSpec* FindDevice(const std::string& name) const;
  // The actor that runs device `name`, or nullptr.
  const ActorSpec* AgentOfDevice(const std::string& name) const;
  // Whether support access is granted at set-up or by a step (so `support` is a user).
  bool GrantsSupportAccess() const;
};

}  // namespace tether::sim
