// Steps: a list item is a step name alone (`- login`) or a map whose one step-name key
// holds the step's main argument, beside option keys (`- connect: db-1` / `as: s1`).
#include "parse_steps.h"

#include <array>

#include "yaml_reading.h"

namespace tether::sim {
namespace {

using namespace yaml;

constexpr unsigned kUsers = 1, kAttended = 2, kDevices = 4, kAgents = kAttended | kDevices,
                   kEveryone = kUsers | kAgents;

struct StepDef {
  const char* name;
  StepKind kind;
  unsigned actors;
  bool needs_argument;
  std::set<std::string> options;  // besides the step's own key; timeout and expect_error always
};

const std::array<StepDef, 25>& Defs() {
  static const std::array<StepDef, 25> kDefs = {{
      {"login", StepKind::kLogin, kUsers, false, {}},
      {"accept_invite", StepKind::kAcceptInvite, kUsers, true, {}},
      {"create_session", StepKind::kCreateSession, kUsers, true, {}},
      {"connect", StepKind::kConnect, kUsers, true, {"as"}},
      {"supervise", StepKind::kSupervise, kUsers, true, {}},
      {"handover", StepKind::kHandover, kUsers, true, {"to", "stay"}},
      {"end", StepKind::kEnd, kUsers, true, {}},
      {"leave", StepKind::kLeave, kEveryone, false, {}},
      {"input", StepKind::kInput, kUsers, true, {"session"}},
      {"expect_output", StepKind::kExpectOutput, kUsers, true, {"session"}},
      {"request", StepKind::kRequest, kUsers, true, {"save", "expect"}},
      {"advance_clock", StepKind::kAdvanceClock, kUsers, true, {}},
      {"grant_support_access", StepKind::kGrantSupportAccess, kUsers, true, {}},
      {"extend_support_access", StepKind::kExtendSupportAccess, kUsers, true, {}},
      {"revoke_support_access", StepKind::kRevokeSupportAccess, kUsers, false, {}},
      {"join", StepKind::kJoin, kAttended, true, {}},
      {"consent", StepKind::kConsent, kAgents, true, {}},
      {"output", StepKind::kOutput, kAgents, true, {}},
      {"expect_input", StepKind::kExpectInput, kAgents, true, {}},
      {"exit", StepKind::kExit, kAgents, true, {}},
      {"expect_event", StepKind::kExpectEvent, kEveryone, true, {}},
      {"expect_closed", StepKind::kExpectClosed, kEveryone, true, {}},
      {"barrier", StepKind::kBarrier, kEveryone, true, {}},
      {"disconnect", StepKind::kDisconnect, kEveryone, false, {}},
      {"pause", StepKind::kPause, kEveryone, true, {}},
  }};
  return kDefs;
}

const StepDef* FindDef(const std::string& name) {
  for (const auto& def : Defs()) {
    if (name == def.name) return &def;
  }
  return nullptr;
}

const char* KindName(ActorKind kind) {
  switch (kind) {
    case ActorKind::kUser: return "a user actor";
    case ActorKind::kAttendedAgent: return "an attended agent";
    case ActorKind::kDeviceAgent: return "a device agent";
  }
  return "?";
}

unsigned Bit(ActorKind kind) {
  return kind == ActorKind::kUser ? kUsers : kind == ActorKind::kAttendedAgent ? kAttended : kDevices;
}

TextMatch ParseMatch(const YAML::Node& node, const std::string& what) {
  TextMatch match;
  if (node.IsMap()) {
    CheckKeys(node, {"contains", "matches"}, what);
    if (node["matches"]) {
      match.text = String(node["matches"], what + ": matches");
      try {
        match.pattern.emplace(match.text, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        Fail(node["matches"], what + ": not a regular expression: " + e.what());
      }
    } else if (node["contains"]) {
      match.text = String(node["contains"], what + ": contains");
    } else {
      Fail(node, what + " needs 'contains' or 'matches'");
    }
  } else {
    match.text = String(node, what);
  }
  return match;
}

// The step's own argument (`arg`), by kind.
void ParseArgument(Step& step, const YAML::Node& arg, const std::string& what) {
  switch (step.kind) {
    case StepKind::kLogin:
      if (!arg || arg.IsNull()) return;
      RequireMap(arg, what);
      CheckKeys(arg, {"password", "token"}, what);
      if (arg["password"]) step.text = String(arg["password"], what + ": password");
      if (arg["token"]) step.token = Bool(arg["token"], what + ": token");
      if (step.token && !step.text.empty()) Fail(arg, what + ": password and token exclude each other");
      return;
    case StepKind::kAcceptInvite:
      RequireMap(arg, what);
      CheckKeys(arg, {"token", "name", "password"}, what);
      if (!arg["token"]) Fail(arg, what + " needs 'token'");
      step.fields = ToValue(arg);
      return;
    case StepKind::kCreateSession:
    case StepKind::kSupervise:
    case StepKind::kHandover:
    case StepKind::kEnd:
    case StepKind::kJoin:
      step.session = String(arg, what + " (a session label)");
      return;
    case StepKind::kLeave:
      if (arg && !arg.IsNull()) step.session = String(arg, what + " (a session label)");
      return;
    case StepKind::kConnect:
      step.target = String(arg, what + " (a device name)");
      return;
    case StepKind::kInput:
    case StepKind::kOutput:
      step.text = String(arg, what + " (the bytes to send)");
      return;
    case StepKind::kExpectOutput:
    case StepKind::kExpectInput:
      step.match = ParseMatch(arg, what);
      return;
    case StepKind::kRequest:
      RequireMap(arg, what);
      if (!arg["t"]) Fail(arg, what + " needs 't', the request type");
      step.fields = ToValue(arg);
      return;
    case StepKind::kAdvanceClock:
      step.number = Duration(arg, what).count();
      return;
    case StepKind::kGrantSupportAccess:
    case StepKind::kExtendSupportAccess:
      step.number = Duration(arg, what + " (until, after the broker's clock)").count();
      return;
    case StepKind::kRevokeSupportAccess:
      if (arg && !arg.IsNull()) Fail(arg, what + " takes no argument");
      return;
    case StepKind::kConsent: {
      std::string answer = String(arg, what);
      if (answer != "accept" && answer != "deny") Fail(arg, what + " must be accept or deny");
      step.target = answer;
      return;
    }
    case StepKind::kExit:
      step.number = Integer(arg, what + " (the exit status)");
      return;
    case StepKind::kExpectEvent:
      if (arg.IsMap()) {
        if (!arg["event"]) Fail(arg, what + " needs 'event', the event name");
        step.fields = ToValue(arg);
        step.target = String(arg["event"], what + ": event");
        if (const Value* label = step.fields.Find("session")) {
          if (!label->is_string()) Fail(arg["session"], what + ": session must be a session label");
          step.session = label->as_string();
        }
      } else {
        step.target = String(arg, what + " (an event name)");
      }
      return;
    case StepKind::kExpectClosed:
      step.number = Integer(arg, what + " (a close code)");
      return;
    case StepKind::kBarrier:
      step.target = String(arg, what + " (a barrier name)");
      return;
    case StepKind::kDisconnect:
      return;
    case StepKind::kPause:  // the step's whole life: it holds when its "timeout" runs out
      step.timeout = Duration(arg, what + " (how long to wait)");
      return;
  }
}

void ParseOptions(Step& step, const YAML::Node& item, const std::string& what) {
  if (auto node = item["timeout"]) step.timeout = Duration(node, what + ": timeout");
  if (auto node = item["expect_error"]) {
    std::string code = String(node, what + ": expect_error");
    auto parsed = protocol::ErrorCodeFromWire(code);
    if (!parsed) Fail(node, what + ": unknown error code '" + code + "'");
    step.expect_error = *parsed;
  }
  if (auto node = item["as"]) step.session = String(node, what + ": as (a session label)");
  if (auto node = item["session"]) step.session = String(node, what + ": session (a session label)");
  if (auto node = item["to"]) step.target = String(node, what + ": to (an actor)");
  if (auto node = item["stay"]) step.stay = Bool(node, what + ": stay");
  if (auto node = item["expect"]) {
    RequireMap(node, what + ": expect");
    step.expect = ToValue(node);
  }
  if (auto node = item["save"]) {
    RequireMap(node, what + ": save");
    for (const auto& entry : node) {
      step.save.emplace_back(String(entry.first, what + ": save"), String(entry.second, what + ": save path"));
    }
  }
}

// Steps that send nothing the broker could refuse.
bool Refusable(StepKind kind) {
  switch (kind) {
    case StepKind::kExpectOutput:
    case StepKind::kExpectInput:
    case StepKind::kExpectEvent:
    case StepKind::kExpectClosed:
    case StepKind::kBarrier:
    case StepKind::kDisconnect:
    case StepKind::kOutput:
    case StepKind::kPause:
      return false;
    default:
      return true;
  }
}

void CheckRequiredOptions(const Step& step, const YAML::Node& item, const std::string& what) {
  if (step.expect_error && !Refusable(step.kind)) Fail(item["expect_error"], what + " sends nothing to refuse: no expect_error");
  bool needs_session = step.kind == StepKind::kInput || step.kind == StepKind::kExpectOutput;
  if (needs_session && step.session.empty()) Fail(item, what + " needs 'session' (a session label)");
  if (step.kind == StepKind::kConnect && step.session.empty()) Fail(item, what + " needs 'as' (a session label)");
  if (step.kind == StepKind::kHandover && step.target.empty()) Fail(item, what + " needs 'to' (an actor)");
  if (step.kind == StepKind::kPause && item.IsMap() && item["timeout"]) Fail(item["timeout"], what + " is its own timeout");
}

}  // namespace

const char* StepName(StepKind kind) {
  for (const auto& def : Defs()) {
    if (def.kind == kind) return def.name;
  }
  return "?";
}

Step ParseStep(const YAML::Node& item, ActorKind actor) {
  Step step;
  step.line = LineOf(item);
  std::string name;
  YAML::Node arg;
  if (item.IsScalar()) {
    name = item.Scalar();
  } else if (item.IsMap()) {
    for (const auto& entry : item) {
      std::string key = String(entry.first, "a step key");
      if (!FindDef(key)) continue;
      if (!name.empty()) Fail(entry.first, "one step per list item: '" + name + "' and '" + key + "'");
      name = key;
      arg = entry.second;
    }
    if (name.empty()) Fail(item, "no step name in this list item (steps: login, create_session, connect, ...)");
  } else {
    Fail(item, "a step must be a name or a map");
  }
  const StepDef* def = FindDef(name);
  if (!def) Fail(item, "unknown step '" + name + "'");
  const std::string what = "step '" + name + "'";
  if (!(def->actors & Bit(actor))) Fail(item, what + " is not a step of " + KindName(actor));
  if (def->needs_argument && (!arg || arg.IsNull())) Fail(item, what + " needs an argument");
  step.kind = def->kind;
  if (item.IsMap()) {
    std::set<std::string> allowed = def->options;
    allowed.insert({name, "timeout", "expect_error"});
    CheckKeys(item, allowed, what);
  }
  ParseArgument(step, arg, what);
  if (item.IsMap()) ParseOptions(step, item, what);
  CheckRequiredOptions(step, item, what);
  return step;
}

bool TextMatch::Matches(const std::string& haystack, std::size_t* end) const {
  if (pattern) {
    std::smatch found;
    if (!std::regex_search(haystack, found, *pattern)) return false;
    *end = static_cast<std::size_t>(found.position(0) + found.length(0));
    return true;
  }
  auto at = haystack.find(text);
  if (at == std::string::npos) return false;
  *end = at + text.size();
  return true;
}

std::string TextMatch::Describe() const {
  return pattern ? "text matching /" + text + "/" : "text containing \"" + text + "\"";
}

}  // namespace tether::sim
