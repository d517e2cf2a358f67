#include "org_setup.h"

#include <openssl/rand.h>

#include <chrono>
#include <memory>

#include "tether/client/blocking_client.h"

namespace tether::sim {
namespace {

using namespace std::chrono_literals;
using client::BlockingClient;
using protocol::Result;
using protocol::Status;

constexpr auto kWait = 10s;
// org.update's largest seat count: the set-up runs with it, then sets the scenario's own.
constexpr std::uint64_t kSetupSeats = 1'000'000;

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Status Context(const Status& status, const std::string& what) {
  return Status(status.code(), "set-up: " + what + ": " + status.message());
}

class Setup {
 public:
  Setup(const Scenario& s, const OwnerLogin& owner) : s_(s), owner_(owner) {}
  Result<OrgContext> Run();

 private:
  Result<Value> Call(Value request, const std::string& what) {
    auto reply = client_->Call(std::move(request), kWait);
    if (!reply.ok()) return Context(reply.status(), what);
    return reply;
  }
  Status Login();
  Status CreateGroups();
  Status CreateRoles();
  Status CreateUsers();
  Status CreateDeployKeys();
  Status EnrolIdleDevices();
  Status LearnBrokerClock();
  Status GrantSupportAccess();
  Status FinishOrg();
  Value ScopeOf(const UserSpec& user);
  // Group and role names must be unique in an organisation: on a shared broker each run
  // tags its own.
  std::string Unique(const std::string& name) const {
    return owner_.tag_names ? name + " " + ctx_.run_tag : name;
  }

  const Scenario& s_;
  OwnerLogin owner_;
  OrgContext ctx_;
  std::unique_ptr<BlockingClient> client_;
  std::string original_plan_;  // restored when the scenario names none
};

Result<std::unique_ptr<BlockingClient>> Open(const std::string& url) {
  client::ConnectOptions options;
  options.url = url;
  return BlockingClient::Connect(options, kWait);
}

Status Setup::Login() {
  auto connected = Open(owner_.url);
  if (!connected.ok()) return Context(connected.status(), "connect to " + owner_.url);
  client_ = std::move(connected).value();
  auto hello = client_->Hello(Value::MapOf({{"kind", "password"}, {"org", owner_.org}, {"email", owner_.email},
                                            {"password", owner_.password}}),
                              kWait);
  if (!hello.ok()) return Context(hello.status(), "log in as " + owner_.email);
  const Value* user = hello->Find("user");
  ctx_.users["owner"] = {user && user->Find("id") ? user->Find("id")->as_string() : "", owner_.email, owner_.password,
                         hello->Find("token")->as_string()};
  return {};
}

Status Setup::CreateGroups() {
  for (const auto& group : s_.org.groups) {
    Value request = Value::MapOf({{"t", "group.create"}, {"name", Unique(group.name)}});
    if (!group.department.empty()) request.Set("department", group.department);
    auto reply = Call(request, "group '" + group.name + "' (line " + std::to_string(group.line) + ")");
    if (!reply.ok()) return reply.status();
    ctx_.group_ids[group.name] = reply->Find("group_id")->as_string();
  }
  return {};
}

Status Setup::CreateRoles() {
  for (const auto& id : {"super_admin", "admin", "technician"}) ctx_.role_ids[id] = id;
  for (const auto& role : s_.org.roles) {
    Value privileges = Value::MakeArray();
    for (const auto& p : role.privileges) privileges.Push(p);
    auto reply = Call(Value::MapOf({{"t", "role.create"}, {"name", Unique(role.name)}, {"description", role.description},
                                    {"privileges", privileges}}),
                      "role '" + role.name + "' (line " + std::to_string(role.line) + ")");
    if (!reply.ok()) return reply.status();
    ctx_.role_ids[role.name] = reply->Find("role_id")->as_string();
  }
  return {};
}

Value Setup::ScopeOf(const UserSpec& user) {
  if (user.all_groups) return Value();
  Value groups = Value::MakeArray(), departments = Value::MakeArray();
  for (const auto& g : user.scope_groups) groups.Push(ctx_.group_ids[g]);
  for (const auto& d : user.scope_departments) departments.Push(d);
  return Value::MapOf({{"groups", groups}, {"departments", departments}});
}

Status Setup::CreateUsers() {
  for (const auto& user : s_.org.users) {
    const std::string what = "user '" + user.name + "' (line " + std::to_string(user.line) + ")";
    Credentials credentials{"", user.email.empty() ? GeneratedEmail(user.name, ctx_.run_tag) : user.email,
                            "sim-" + RandomHex(12), ""};
    Value invite = Value::MapOf({{"email", credentials.email}, {"role", ctx_.role_ids[user.role]}});
    if (!user.all_groups) invite.Set("scope", ScopeOf(user));
    auto invited = Call(Value::MapOf({{"t", "user.invite"}, {"invites", Value(Value::Array{invite})}}), what);
    if (!invited.ok()) return invited.status();
    const std::string token = invited->Find("invitations")->as_array().at(0).Find("token")->as_string();
    auto connected = Open(owner_.url);
    if (!connected.ok()) return Context(connected.status(), what);
    auto hello = (*connected)->Hello(Value::MapOf({{"kind", "invite"}, {"token", token}, {"name", user.name},
                                                   {"password", credentials.password}}),
                                     kWait);
    if (!hello.ok()) return Context(hello.status(), what + ": accepting the invitation");
    credentials.id = hello->Find("user")->Find("id")->as_string();
    credentials.token = hello->Find("token")->as_string();
    (*connected)->Close();
    (*connected)->WaitClosed(kWait);
    ctx_.users[user.name] = credentials;
  }
  // Actors that accept an invitation in their steps get an email now, an id then.
  for (const auto& actor : s_.actors) {
    if (actor.kind == ActorKind::kUser && actor.user != kSupportUser && !ctx_.users.count(actor.user)) {
      ctx_.users[actor.user] = {"", GeneratedEmail(actor.user, ctx_.run_tag), "sim-" + RandomHex(12), ""};
    }
  }
  return {};
}

Status Setup::CreateDeployKeys() {
  for (const auto& device : s_.org.devices) {
    if (ctx_.deploy_keys.count(device.group)) continue;
    std::string group_id = device.group.empty() ? "0" : ctx_.group_ids[device.group];
    auto reply = Call(Value::MapOf({{"t", "deploy_key.create"}, {"group_id", group_id}}),
                      "deployment key for device '" + device.name + "'");
    if (!reply.ok()) return reply.status();
    ctx_.deploy_keys[device.group] = reply->Find("deployment_key")->as_string();
  }
  return {};
}

Status Setup::EnrolIdleDevices() {
  for (const auto& device : s_.org.devices) {
    if (s_.AgentOfDevice(device.name)) continue;  // its actor enrols it, once per iteration
    const std::string what = "device '" + device.name + "' (line " + std::to_string(device.line) + ")";
    auto connected = Open(owner_.url);
    if (!connected.ok()) return Context(connected.status(), what);
    auto hello = (*connected)->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", ctx_.deploy_keys[device.group]},
                                                   {"name", device.name}, {"os", device.os}}),
                                     kWait);
    if (!hello.ok()) return Context(hello.status(), what + ": enrolling");
    ctx_.device_ids[device.name] = hello->Find("device_id")->as_string();
    (*connected)->Close();
    (*connected)->WaitClosed(kWait);
  }
  return {};
}

// Relative `until`s need the broker's now: a test clock tells it (moving it by 0);
// a broker without one runs on real time, ours.
Status Setup::LearnBrokerClock() {
  if (!s_.GrantsSupportAccess()) return {};
  auto reply = client_->Call(Value::MapOf({{"t", "test.clock.advance"}, {"ms", 0}}), kWait);
  if (reply.ok()) {
    ctx_.clock.Learn(reply->Find("now")->as_int());
    return {};
  }
  if (reply.status().code() == protocol::ErrorCode::kBadRequest) return {};
  return Context(reply.status(), "reading the broker's clock");
}

// `org: support_access`: the grant, whose support user actors of `kind: support` log in as.
Status Setup::GrantSupportAccess() {
  if (!s_.org.support_access) return {};
  const SupportGrantSpec& grant = *s_.org.support_access;
  const std::int64_t until = ctx_.clock.NowMs() + grant.until.count();
  auto reply = Call(Value::MapOf({{"t", "support_access.grant"}, {"until", static_cast<std::uint64_t>(until)}}),
                    "org: support_access (line " + std::to_string(grant.line) + ")");
  if (!reply.ok()) return reply.status();
  const Value& user = *reply->Find("user");
  ctx_.users[kSupportUser] = {user.Find("id")->as_string(), user.Find("email")->as_string(),
                              reply->Find("password")->as_string(), ""};
  return {};
}

Status Setup::FinishOrg() {
  Value update = Value::MapOf({{"t", "org.update"}});
  if (s_.org.preferences.is_map()) update.Set("preferences", s_.org.preferences);
  if (s_.org.seats) update.Set("seats", *s_.org.seats);
  update.Set("plan", s_.org.plan.value_or(original_plan_));
  auto reply = Call(update, "org: plan, seats and preferences");
  return reply.ok() ? Status() : reply.status();
}

Result<OrgContext> Setup::Run() {
  ctx_.url = owner_.url;
  ctx_.org = owner_.org;
  ctx_.run_tag = RandomHex(4);
  if (Status s = Login(); !s.ok()) return s;
  auto org = Call(Value::MapOf({{"t", "org.get"}}), "org.get");
  if (!org.ok()) return org.status();
  original_plan_ = org->Find("org")->Find("plan")->as_string();
  // Room for every user the set-up creates, and a plan with groups while it creates them.
  Value room = Value::MapOf({{"t", "org.update"}, {"plan", "enterprise"}});
  if (s_.org.seats) room.Set("seats", kSetupSeats);
  if (auto reply = Call(room, "org: preparing the plan and seats"); !reply.ok()) return reply.status();
  for (auto step : {&Setup::CreateGroups, &Setup::CreateRoles, &Setup::CreateUsers, &Setup::CreateDeployKeys,
                    &Setup::EnrolIdleDevices, &Setup::LearnBrokerClock, &Setup::GrantSupportAccess,
                    &Setup::FinishOrg}) {
    if (Status s = (this->*step)(); !s.ok()) return s;
  }
  client_->Close();
  client_->WaitClosed(kWait);
  return ctx_;
}

}  // namespace

std::string GeneratedEmail(const std::string& name, const std::string& run_tag) {
  std::string local;
  for (char c : name) local += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '-';
  return local + "." + run_tag + "@sim.test";
}

protocol::Result<OrgContext> SetUpOrganisation(const Scenario& scenario, const OwnerLogin& owner) {
  return Setup(scenario, owner).Run();
}

}  // namespace tether::sim
