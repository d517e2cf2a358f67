#include "audit_check.h"

#include <algorithm>
#include <chrono>

#include "tether/client/blocking_client.h"

namespace tether::sim {
namespace {

using namespace std::chrono_literals;

constexpr int kMaxPages = 200;  // 200 000 events: more than any scenario writes

struct Event {
  std::string action, outcome, actor;
  bool support = false;  // the actor was a support user
};

std::string Field(const Value& v, const char* key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

// The ids an audit entry's `actor` name stands for.
std::set<std::string> IdsOf(const std::string& name, const Scenario& scenario, const OrgContext& org,
                            const RunResults& results) {
  std::set<std::string> ids;
  std::string user = name;
  if (const ActorSpec* actor = scenario.FindActor(name)) {
    if (actor->kind == ActorKind::kUser) user = actor->user;
    if (actor->kind == ActorKind::kAttendedAgent) ids.insert(actor->customer);
    if (actor->kind == ActorKind::kDeviceAgent) user = actor->device;
  }
  if (auto found = org.users.find(user); found != org.users.end() && !found->second.id.empty()) {
    ids.insert(found->second.id);
  }
  if (auto found = org.device_ids.find(user); found != org.device_ids.end()) ids.insert(found->second);
  if (auto found = results.audit_ids.find(user); found != results.audit_ids.end()) {
    ids.insert(found->second.begin(), found->second.end());
  }
  return ids;
}

protocol::Result<std::vector<Event>> ReadLog(const OrgContext& org) {
  client::ConnectOptions options;
  options.url = org.url;
  auto connected = client::BlockingClient::Connect(options, 10s);
  if (!connected.ok()) return connected.status();
  auto& client = **connected;
  const Credentials& owner = org.users.at("owner");
  auto hello = client.Hello(Value::MapOf({{"kind", "password"}, {"org", org.org}, {"email", owner.email},
                                          {"password", owner.password}}),
                            10s);
  if (!hello.ok()) return hello.status();
  std::vector<Event> events;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    Value request = Value::MapOf({{"t", "audit.query"}, {"limit", 1000}});
    if (!cursor.empty()) request.Set("cursor", cursor);
    auto reply = client.Call(request, 30s);
    if (!reply.ok()) return reply.status();
    for (const auto& e : reply->Find("events")->as_array()) {
      const Value* support = e.Find("support");
      events.push_back({Field(e, "action"), Field(e, "outcome"), Field(e, "actor"),
                        support && support->is_bool() && support->as_bool()});
    }
    cursor = Field(*reply, "cursor");
    if (cursor.empty()) break;
  }
  client.Close();
  client.WaitClosed(5s);
  std::reverse(events.begin(), events.end());  // oldest first
  return events;
}

std::string Describe(const AuditExpectation& e) {
  std::string out = e.action;
  if (!e.outcome.empty()) out += " (outcome " + e.outcome + ")";
  if (!e.actor.empty()) out += " by " + e.actor;
  if (e.support) out += *e.support ? " (support)" : " (not support)";
  return out;
}

}  // namespace

std::string CheckAudit(const Scenario& scenario, const OrgContext& org, const RunResults& results) {
  if (scenario.audit.empty()) return "";
  auto log = ReadLog(org);
  if (!log.ok()) return "audit.query failed: " + log.status().ToString();
  std::size_t at = 0;
  for (const auto& expected : scenario.audit) {
    std::set<std::string> ids;
    if (!expected.actor.empty()) ids = IdsOf(expected.actor, scenario, org, results);
    std::size_t from = at;
    bool found = false;
    while (at < log->size() && !found) {
      const Event& e = (*log)[at++];
      found = e.action == expected.action && (expected.outcome.empty() || e.outcome == expected.outcome) &&
              (expected.actor.empty() || ids.count(e.actor) > 0) &&
              (!expected.support || e.support == *expected.support);
    }
    if (!found) {
      std::string after;
      for (std::size_t i = from; i < log->size() && i < from + 12; ++i) {
        after += (after.empty() ? "" : ", ") + (*log)[i].action + "/" + (*log)[i].outcome + " by " + (*log)[i].actor +
                 ((*log)[i].support ? " (support)" : "");
      }
      return "line " + std::to_string(expected.line) + ": expected the audit log to hold " + Describe(expected) +
             (from ? " after the entries before it" : "") + "; after that point it holds: " +
             (after.empty() ? "nothing" : after + ((log->size() - from > 12) ? ", ..." : ""));
    }
  }
  return "";
}

}  // namespace tether::sim
