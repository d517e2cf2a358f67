// The scenario file's top level, its organisation and its actors, then the checks that
// need the whole file (every name a step refers to is declared somewhere).
#include "scenario_parser.h"

#include <fstream>
#include <sstream>

#include "parse_steps.h"
#include "yaml_reading.h"

namespace tether::sim {
namespace {

using namespace yaml;

const std::set<std::string> kBuiltinRoles = {"super_admin", "admin", "technician"};
const std::set<std::string> kPlans = {"free", "standard", "professional", "enterprise"};

void ParseScope(UserSpec& user, const YAML::Node& node, const std::string& what) {
  if (node.IsScalar() && node.Scalar() == "all") return;
  user.all_groups = false;
  if (node.IsSequence()) {
    user.scope_groups = StringList(node, what);
    return;
  }
  if (!node.IsMap()) Fail(node, what + " must be all, a list of group names, or {groups, departments}");
  CheckKeys(node, {"groups", "departments"}, what);
  if (node["groups"]) user.scope_groups = StringList(node["groups"], what + ": groups");
  if (node["departments"]) user.scope_departments = StringList(node["departments"], what + ": departments");
}

// Calls `declare(name, line, body)` for each entry of the map `org: section`, if present.
template <typename Declare>
void ForEachDeclared(const YAML::Node& org, const char* section, Declare&& declare) {
  const YAML::Node map = org[section];
  if (!map) return;
  RequireMap(map, std::string("org: ") + section);
  for (const auto& entry : map) {
    declare(String(entry.first, std::string("a name in org: ") + section), LineOf(entry.first), entry.second);
  }
}

void ParseOrg(OrgSpec& org, const YAML::Node& node) {
  RequireMap(node, "org");
  CheckKeys(node, {"plan", "seats", "preferences", "groups", "roles", "users", "devices", "support_access"}, "org");
  if (auto grant = node["support_access"]) {
    RequireMap(grant, "org: support_access");
    CheckKeys(grant, {"until"}, "org: support_access");
    if (!grant["until"]) Fail(grant, "org: support_access needs 'until' (a duration after the broker's clock, e.g. 30d)");
    org.support_access = SupportGrantSpec{Duration(grant["until"], "org: support_access: until"), LineOf(grant)};
  }
  if (auto plan = node["plan"]) {
    org.plan = String(plan, "org: plan");
    if (!kPlans.count(*org.plan)) Fail(plan, "org: plan must be free, standard, professional or enterprise");
  }
  if (auto seats = node["seats"]) {
    std::int64_t n = Integer(seats, "org: seats");
    if (n < 1) Fail(seats, "org: seats must be at least 1");
    org.seats = static_cast<std::uint64_t>(n);
  }
  if (auto prefs = node["preferences"]) {
    RequireMap(prefs, "org: preferences");
    org.preferences = ToValue(prefs);
  }
  ForEachDeclared(node, "groups", [&](const std::string& name, int line, const YAML::Node& body) {
    GroupSpec group{name, "", line};
    const std::string what = "group '" + name + "'";
    if (body.IsMap()) {
      CheckKeys(body, {"department"}, what);
      if (body["department"]) group.department = String(body["department"], what + ": department");
    } else if (!body.IsNull()) {
      Fail(body, what + " must be a map ({department: NAME}) or empty");
    }
    org.groups.push_back(group);
  });
  ForEachDeclared(node, "roles", [&](const std::string& name, int line, const YAML::Node& body) {
    RoleSpec role{name, "", {}, line};
    const std::string what = "role '" + name + "'";
    RequireMap(body, what);
    CheckKeys(body, {"description", "privileges"}, what);
    if (body["description"]) role.description = String(body["description"], what + ": description");
    if (!body["privileges"]) Fail(body, what + " needs 'privileges'");
    role.privileges = StringList(body["privileges"], what + ": privileges");
    org.roles.push_back(role);
  });
  ForEachDeclared(node, "users", [&](const std::string& name, int line, const YAML::Node& body) {
    UserSpec user;
    user.name = name;
    user.line = line;
    const std::string what = "user '" + name + "'";
    if (name == "owner") throw ScenarioError(line, "'owner' is the organisation's Super Admin; it needs no declaration");
    if (name == kSupportUser) {
      throw ScenarioError(line, "'support' is the hidden support user of support access; it needs no declaration");
    }
    RequireMap(body, what);
    CheckKeys(body, {"role", "scope", "email"}, what);
    if (!body["role"]) Fail(body, what + " needs 'role'");
    user.role = String(body["role"], what + ": role");
    if (body["email"]) user.email = String(body["email"], what + ": email");
    if (body["scope"]) ParseScope(user, body["scope"], what + ": scope");
    org.users.push_back(user);
  });
  ForEachDeclared(node, "devices", [&](const std::string& name, int line, const YAML::Node& body) {
    DeviceSpec device;
    device.name = name;
    device.line = line;
    const std::string what = "device '" + name + "'";
    if (body.IsMap()) {
      CheckKeys(body, {"group", "os"}, what);
      if (body["group"]) device.group = String(body["group"], what + ": group");
      if (body["os"]) device.os = String(body["os"], what + ": os");
    } else if (!body.IsNull()) {
      Fail(body, what + " must be a map ({group: NAME}) or empty");
    }
    org.devices.push_back(device);
  });
}

ActorKind ParseKind(const YAML::Node& node, const std::string& what, bool* support) {
  std::string kind = String(node, what + ": kind");
  *support = kind == "support";
  if (kind == "user" || kind == "technician" || kind == "supervisor" || kind == "admin" || *support) {
    return ActorKind::kUser;
  }
  if (kind == "attended_agent") return ActorKind::kAttendedAgent;
  if (kind == "device_agent" || kind == "unattended_agent") return ActorKind::kDeviceAgent;
  Fail(node, what + ": kind must be technician, supervisor, admin, user, support, attended_agent or device_agent");
}

ActorSpec ParseActor(const std::string& name, const YAML::Node& node, int line) {
  ActorSpec actor;
  actor.name = name;
  actor.line = line;
  const std::string what = "actor '" + name + "'";
  RequireMap(node, what);
  CheckKeys(node, {"kind", "user", "device", "name", "consent", "echo", "output", "steps"}, what);
  actor.kind = node["kind"] ? ParseKind(node["kind"], what, &actor.support) : ActorKind::kUser;
  bool agent = actor.kind != ActorKind::kUser;
  auto only = [&](const char* key, bool allowed) {
    if (node[key] && !allowed) Fail(node[key], what + ": '" + key + "' does not apply to this kind of actor");
  };
  only("user", !agent && !actor.support);
  only("device", actor.kind == ActorKind::kDeviceAgent);
  only("name", actor.kind == ActorKind::kAttendedAgent);
  only("consent", agent);
  only("echo", agent);
  only("output", agent);
  actor.user = actor.support ? kSupportUser : node["user"] ? String(node["user"], what + ": user") : name;
  actor.customer = node["name"] ? String(node["name"], what + ": name") : name;
  if (actor.kind == ActorKind::kDeviceAgent) {
    if (!node["device"]) Fail(node, what + " needs 'device', a name of org: devices");
    actor.device = String(node["device"], what + ": device");
  }
  if (auto consent = node["consent"]) {
    std::string answer = String(consent, what + ": consent");
    if (answer == "accept") actor.consent = ConsentAnswer::kAccept;
    else if (answer == "deny") actor.consent = ConsentAnswer::kDeny;
    else if (answer == "manual") actor.consent = ConsentAnswer::kManual;
    else Fail(consent, what + ": consent must be accept, deny or manual");
  }
  if (auto echo = node["echo"]) actor.echo = Bool(echo, what + ": echo");
  if (auto output = node["output"]) {
    RequireMap(output, what + ": output");
    CheckKeys(output, {"every", "bytes"}, what + ": output");
    if (!output["every"] || !output["bytes"]) Fail(output, what + ": output needs 'every' and 'bytes'");
    actor.output.every = Duration(output["every"], what + ": output: every");
    std::int64_t bytes = Integer(output["bytes"], what + ": output: bytes");
    if (bytes < 1 || bytes > (1 << 20)) Fail(output["bytes"], what + ": output: bytes must be 1 to 1048576");
    if (actor.output.every.count() < 1) Fail(output["every"], what + ": output: every must be at least 1ms");
    actor.output.bytes = static_cast<std::size_t>(bytes);
  }
  if (auto steps = node["steps"]) {
    if (!steps.IsSequence()) Fail(steps, what + ": steps must be a list");
    for (const auto& item : steps) actor.steps.push_back(ParseStep(item, actor.kind));
  }
  return actor;
}

AuditExpectation ParseAuditEntry(const YAML::Node& node) {
  AuditExpectation entry;
  entry.line = LineOf(node);
  if (node.IsScalar()) {
    entry.action = node.Scalar();
    return entry;
  }
  RequireMap(node, "an audit entry");
  CheckKeys(node, {"action", "outcome", "actor", "support"}, "an audit entry");
  if (!node["action"]) Fail(node, "an audit entry needs 'action'");
  entry.action = String(node["action"], "audit: action");
  if (node["outcome"]) entry.outcome = String(node["outcome"], "audit: outcome");
  if (node["actor"]) entry.actor = String(node["actor"], "audit: actor");
  if (node["support"]) entry.support = Bool(node["support"], "audit: support");
  return entry;
}

// Cross-references: everything a step or declaration names must exist.
class Checker {
 public:
  explicit Checker(const Scenario& s) : s_(s) {}
  void Run();

 private:
  [[noreturn]] void Fail(int line, const std::string& reason) { throw ScenarioError(line, reason); }
  bool HasGroup(const std::string& name) const;
  bool HasRole(const std::string& name) const;
  bool HasUser(const std::string& name) const;
  void CheckActor(const ActorSpec& actor);

  const Scenario& s_;
  std::set<std::string> labels_;
  std::set<std::string> invitees_;
};

bool Checker::HasGroup(const std::string& name) const {
  for (const auto& g : s_.org.groups) if (g.name == name) return true;
  return false;
}
bool Checker::HasRole(const std::string& name) const {
  if (kBuiltinRoles.count(name)) return true;
  for (const auto& r : s_.org.roles) if (r.name == name) return true;
  return false;
}
bool Checker::HasUser(const std::string& name) const {
  if (name == "owner" || invitees_.count(name)) return true;
  if (name == kSupportUser) return s_.GrantsSupportAccess();
  for (const auto& u : s_.org.users) if (u.name == name) return true;
  return false;
}

void Checker::CheckActor(const ActorSpec& actor) {
  if (actor.support && !s_.GrantsSupportAccess()) {
    Fail(actor.line, "actor '" + actor.name +
                         "' is a support actor, but nothing grants support access (org: support_access or a "
                         "grant_support_access step)");
  }
  if (actor.kind == ActorKind::kUser && !HasUser(actor.user)) {
    Fail(actor.line, "actor '" + actor.name + "': user '" + actor.user +
                         "' is not in org: users (nor 'owner', nor accepting an invitation)");
  }
  if (actor.kind == ActorKind::kDeviceAgent && !s_.FindDevice(actor.device)) {
    Fail(actor.line, "actor '" + actor.name + "': device '" + actor.device + "' is not in org: devices");
  }
  for (const Step& step : actor.steps) {
    const std::string what = "step '" + std::string(StepName(step.kind)) + "'";
    if (step.kind == StepKind::kConnect && !s_.FindDevice(step.target)) {
      Fail(step.line, what + ": device '" + step.target + "' is not in org: devices");
    }
    if (step.kind == StepKind::kHandover) {
      const ActorSpec* to = s_.FindActor(step.target);
      if (!to || to->kind != ActorKind::kUser) Fail(step.line, what + ": '" + step.target + "' is not a user actor");
    }
    const bool support = actor.user == kSupportUser;
    if (support && step.kind == StepKind::kAcceptInvite) {
      Fail(step.line, what + ": a support actor logs in with the grant's password, it accepts no invitation");
    }
    if (support && step.kind == StepKind::kLogin && step.token) {
      Fail(step.line, what + ": a support actor has no token from the set-up; it logs in with the grant's password");
    }
    bool defines = step.kind == StepKind::kCreateSession || step.kind == StepKind::kConnect;
    if (!defines && !step.session.empty() && !labels_.count(step.session)) {
      Fail(step.line, what + ": no step defines session '" + step.session + "' (create_session or connect ... as)");
    }
  }
}

void Checker::Run() {
  std::set<std::string> names;
  for (const auto& actor : s_.actors) {
    if (!names.insert(actor.name).second) Fail(actor.line, "two actors named '" + actor.name + "'");
    for (const Step& step : actor.steps) {
      if (step.kind == StepKind::kCreateSession || step.kind == StepKind::kConnect) labels_.insert(step.session);
      if (step.kind == StepKind::kAcceptInvite) invitees_.insert(actor.user);
    }
  }
  for (const auto& user : s_.org.users) {
    if (!HasRole(user.role)) Fail(user.line, "user '" + user.name + "': no role '" + user.role + "'");
    for (const auto& g : user.scope_groups) {
      if (!HasGroup(g)) Fail(user.line, "user '" + user.name + "': no group '" + g + "' in org: groups");
    }
  }
  std::set<std::string> agent_devices;
  for (const auto& device : s_.org.devices) {
    if (!device.group.empty() && !HasGroup(device.group)) {
      Fail(device.line, "device '" + device.name + "': no group '" + device.group + "' in org: groups");
    }
  }
  for (const auto& actor : s_.actors) {
    CheckActor(actor);
    if (actor.kind == ActorKind::kDeviceAgent && !agent_devices.insert(actor.device).second) {
      Fail(actor.line, "device '" + actor.device + "' already has an agent actor");
    }
  }
  for (const auto& entry : s_.audit) {
    if (!entry.actor.empty() && !s_.FindActor(entry.actor) && !HasUser(entry.actor) && !s_.FindDevice(entry.actor)) {
      Fail(entry.line, "audit: '" + entry.actor + "' is no actor, user or device of this scenario");
    }
  }
}

Scenario ParseDocument(const YAML::Node& root, const std::string& file) {
  Scenario s;
  s.file = file;
  if (!root.IsMap()) Fail(root, "a scenario is a map with name, org, actors and audit");
  CheckKeys(root, {"name", "description", "org", "actors", "audit"}, "the scenario");
  if (!root["name"]) Fail(root, "the scenario needs 'name'");
  s.name = String(root["name"], "name");
  if (root["description"]) s.description = String(root["description"], "description");
  if (root["org"]) ParseOrg(s.org, root["org"]);
  if (!root["actors"]) Fail(root, "the scenario needs 'actors'");
  RequireMap(root["actors"], "actors");
  for (const auto& entry : root["actors"]) {
    s.actors.push_back(ParseActor(String(entry.first, "an actor name"), entry.second, LineOf(entry.first)));
  }
  if (auto audit = root["audit"]) {
    if (!audit.IsSequence()) Fail(audit, "audit must be a list of actions, in order");
    for (const auto& item : audit) s.audit.push_back(ParseAuditEntry(item));
  }
  Checker(s).Run();
  return s;
}

}  // namespace

protocol::Result<Scenario> ParseScenarioText(const std::string& text, const std::string& file) {
  try {
    return ParseDocument(YAML::Load(text), file);
  } catch (const ScenarioError& e) {
    return protocol::Status::BadRequest(file + ":" + std::to_string(e.line) + ": " + e.what());
  } catch (const YAML::Exception& e) {
    return protocol::Status::BadRequest(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

protocol::Result<Scenario> ParseScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return protocol::Status::NotFound(path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseScenarioText(text.str(), path);
}

const ActorSpec* Scenario::FindActor(const std::string& name) const {
  for (const auto& a : actors) if (a.name == name) return &a;
  return nullptr;
}
const DeviceSpec* Scenario::FindDevice(const std::string& name) const {
  for (const auto& d : org.devices) if (d.name == name) return &d;
  return nullptr;
}
const ActorSpec* Scenario::AgentOfDevice(const std::string& name) const {
  for (const auto& a : actors) if (a.kind == ActorKind::kDeviceAgent && a.device == name) return &a;
  return nullptr;
}
bool Scenario::GrantsSupportAccess() const {
  if (org.support_access) return true;
  for (const auto& a : actors) {
    for (const auto& step : a.steps) if (step.kind == StepKind::kGrantSupportAccess) return true;
  }
  return false;
}

}  // namespace tether::sim
