#include "iteration.h"

#include "actor_run.h"
#include "runner.h"

namespace tether::sim {

Iteration::Iteration(Runner& runner, int index) : runner_(runner), index_(index) {
  for (const auto& spec : scenario().actors) {
    for (const auto& step : spec.steps) {
      if (step.kind != StepKind::kBarrier) continue;
      auto& members = barrier_members_[step.target];
      if (members.empty() || members.back() != spec.name) members.push_back(spec.name);
    }
  }
  for (const auto& spec : scenario().actors) actors_.push_back(std::make_unique<ActorRun>(*this, spec));
}

Iteration::~Iteration() = default;

const Scenario& Iteration::scenario() const { return runner_.scenario(); }
const OrgContext& Iteration::org() const { return runner_.org(); }
client::ClientContext& Iteration::client_context() { return runner_.client_context(); }
RunResults& Iteration::results() { return runner_.results(); }

void Iteration::Start() {
  unfinished_ = static_cast<int>(actors_.size());
  open_connections_ = static_cast<int>(actors_.size());
  for (auto& actor : actors_) actor->Start();
}

bool Iteration::closed() const { return stopping_ && open_connections_ == 0; }

const SessionLabel* Iteration::FindSession(const std::string& label) const {
  auto found = sessions_.find(label);
  return found == sessions_.end() ? nullptr : &found->second;
}

void Iteration::DefineSession(const std::string& label, SessionLabel session) {
  sessions_[label] = std::move(session);
  Changed();
}

std::optional<std::string> Iteration::DeviceId(const std::string& name) const {
  if (auto found = device_ids_.find(name); found != device_ids_.end()) return found->second;
  if (auto found = org().device_ids.find(name); found != org().device_ids.end()) return found->second;
  return std::nullopt;
}

void Iteration::DefineDevice(const std::string& name, const std::string& id) {
  device_ids_[name] = id;
  results().audit_ids[name].insert(id);
  Changed();
}

void Iteration::SetVariable(const std::string& name, std::string value) {
  variables_[name] = std::move(value);
  Changed();
}

void Iteration::SetUserId(const std::string& user, const std::string& id) {
  user_ids_[user] = id;
  results().audit_ids[user].insert(id);
  Changed();
}

std::optional<std::string> Iteration::UserId(const std::string& user) const {
  if (auto found = user_ids_.find(user); found != user_ids_.end()) return found->second;
  if (auto found = org().users.find(user); found != org().users.end() && !found->second.id.empty()) {
    return found->second.id;
  }
  return std::nullopt;
}

const Credentials* Iteration::CredentialsOf(const std::string& user) const {
  if (user == kSupportUser && support_) return &*support_;
  auto found = org().users.find(user);
  return found == org().users.end() ? nullptr : &found->second;
}

void Iteration::SetSupportGrant(Credentials support) {
  const std::string id = support.id;
  support_ = std::move(support);
  SetUserId(kSupportUser, id);
}

std::optional<std::string> Iteration::Lookup(const std::string& reference) const {
  auto dot = reference.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string kind = reference.substr(0, dot), name = reference.substr(dot + 1);
  auto in = [&](const std::map<std::string, std::string>& map) -> std::optional<std::string> {
    auto found = map.find(name);
    if (found == map.end()) return std::nullopt;
    return found->second;
  };
  if (kind == "user") {
    // An actor's name stands for its user.
    const ActorSpec* actor = scenario().FindActor(name);
    return UserId(actor && actor->kind == ActorKind::kUser ? actor->user : name);
  }
  if (kind == "email") {
    const Credentials* credentials = CredentialsOf(name);
    if (!credentials) return std::nullopt;
    return credentials->email;
  }
  if (kind == "group") return name.empty() ? std::optional<std::string>("0") : in(org().group_ids);
  if (kind == "role") return in(org().role_ids);
  if (kind == "device") return DeviceId(name);
  if (kind == "var") return in(variables_);
  if (kind == "session" || kind == "key") {
    const SessionLabel* session = FindSession(name);
    if (!session) return std::nullopt;
    return kind == "session" ? session->id : session->key;
  }
  return std::nullopt;
}

protocol::Result<std::string> Iteration::InterpolateString(const std::string& text) const {
  std::string out;
  std::size_t at = 0;
  while (true) {
    auto open = text.find("${", at);
    if (open == std::string::npos) break;
    auto close = text.find('}', open);
    if (close == std::string::npos) return protocol::Status::BadRequest("unclosed '${' in \"" + text + "\"");
    const std::string reference = text.substr(open + 2, close - open - 2);
    auto value = Lookup(reference);
    if (!value) return protocol::Status::NotFound("nothing is known as ${" + reference + "} (yet)");
    out += text.substr(at, open - at) + *value;
    at = close + 1;
  }
  return out + text.substr(at);
}

protocol::Result<Value> Iteration::Interpolate(const Value& value) const {
  if (value.is_string()) {
    auto text = InterpolateString(value.as_string());
    if (!text.ok()) return text.status();
    return Value(*text);
  }
  if (value.is_array()) {
    Value out = Value::MakeArray();
    for (const auto& item : value.as_array()) {
      auto done = Interpolate(item);
      if (!done.ok()) return done.status();
      out.Push(std::move(done).value());
    }
    return out;
  }
  if (value.is_map()) {
    Value out = Value::MakeMap();
    for (const auto& [key, item] : value.as_map()) {
      auto done = Interpolate(item);
      if (!done.ok()) return done.status();
      out.Set(key, std::move(done).value());
    }
    return out;
  }
  return value;
}

void Iteration::Arrive(const std::string& barrier, const std::string& actor) {
  ++arrivals_[barrier][actor];
  Changed();
}

bool Iteration::BarrierOpen(const std::string& barrier, const std::string& actor) const {
  auto arrived = arrivals_.find(barrier);
  if (arrived == arrivals_.end()) return false;
  int mine = arrived->second.count(actor) ? arrived->second.at(actor) : 0;
  for (const auto& member : barrier_members_.at(barrier)) {
    auto count = arrived->second.find(member);
    if (count == arrived->second.end() || count->second < mine) return false;
  }
  return true;
}

void Iteration::Record(StepRecord record) {
  record.iteration = index_;
  runner_.Record(std::move(record));
}

void Iteration::Changed() {
  // A change made while actors are being polled is seen by the loop below repeating.
  if (stopping_) return;
  if (notifying_) {
    changed_again_ = true;
    return;
  }
  notifying_ = true;
  do {
    changed_again_ = false;
    for (auto& actor : actors_) {
      if (stopping_) break;
      actor->Poll();
    }
  } while (changed_again_ && !stopping_);
  notifying_ = false;
}

void Iteration::ActorFinished(bool failed) {
  --unfinished_;
  if (failed) failed_ = true;
  if (failed || unfinished_ == 0) Stop();
}

void Iteration::Stop() {
  if (stopping_) return;
  stopping_ = true;
  runner_.IterationEnding(*this, failed_);
  for (auto& actor : actors_) actor->Stop();
  if (closed()) runner_.IterationClosed(*this);
}

void Iteration::ConnectionClosed() {
  --open_connections_;
  if (closed()) runner_.IterationClosed(*this);
}

}  // namespace tether::sim
