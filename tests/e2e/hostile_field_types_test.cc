// End to end: hostile input (issue 9), field by field — a wrong type in every field of
// every request (PROTOCOL.md §4, §5.1, §5.2, §5.4, §6) is bad_request naming the field,
// while a healthy client beside the attacks is still served and the audit chain holds
// every event the rows were to leave. The other attacks are in hostile_input_test.cc.
#include <gtest/gtest.h>

#include "arena.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;
using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------
// Wrong types for every field of every request (PROTOCOL.md §4, §5.1, §5.2, §5.4, §6):
// each is bad_request naming the field, the connection stays open, and the requests that
// §8.3 audits "allowed, denied or failed" leave an event `failed`.

struct WrongType {
  const char* type;
  const char* field;  // the field replaced, and what the message must name
  Value wrong;
  const char* audited = "";  // the audit action of the refusal, "" when not audited
  const char* named = nullptr;  // what the message names, when not the field itself
};

struct Fixtures {
  std::string session_id, user_id, role_id, group_id, device_id;
};


// A request of `type` with every field right, so that only the replaced one is wrong.
Value ValidRequest(const std::string& type, const Fixtures& f) {
  Value r = Value::MapOf({{"t", type}});
  auto set = [&r](std::initializer_list<std::pair<std::string, Value>> fields) {
    for (const auto& [key, value] : fields) r.Set(key, value);
  };
  if (type == "role.create") set({{"name", "Wrong-type"}, {"description", "d"}, {"privileges", Value::MakeArray()}});
  if (type == "role.update" || type == "role.delete") set({{"role_id", f.role_id}});
  if (type == "user.update" || type == "user.remove" || type == "user.transfer_ownership" ||
      type == "user.password_reset") {
    set({{"user_id", f.user_id}});
  }
  if (type == "group.create") set({{"name", "Wrong-type group"}});
  if (type == "group.delete") set({{"group_id", f.group_id}});
  if (type == "device.move") set({{"device_id", f.device_id}, {"group_id", f.group_id}});
  if (type == "auth.password.change") set({{"old_password", kOwnerPassword}, {"new_password", "another-password-1"}});
  if (type == "auth.totp.confirm" || type == "auth.totp.disable") set({{"otp", "123456"}});
  if (type == "session.create") set({{"mode", "attended"}});
  if (type == "session.schedule") set({{"at", 4102444800000ull}, {"title", "later"}});
  if (type == "session.handover") set({{"session_id", f.session_id}, {"user_id", f.user_id}});
  if (type == "session.resize") set({{"session_id", f.session_id}, {"cols", 80}, {"rows", 24}});
  if (type == "file.begin") {
    set({{"session_id", f.session_id}, {"transfer_id", kTransferId}, {"direction", "upload"}, {"name", "f.txt"},
         {"size", 1}});
  }
  if (type == "file.end") {
    set({{"session_id", f.session_id}, {"transfer_id", kTransferId}, {"sha256", kSha256}, {"ok", true}});
  }
  if (type == "session.consent") set({{"session_id", f.session_id}, {"accept", true}});
  if (type == "session.exit") set({{"session_id", f.session_id}, {"status", 0}});
  for (const char* id_only : {"session.connect", "device.rotate_secret", "device.delete", "device.wake"}) {
    if (type == id_only) set({{"device_id", f.device_id}});
  }
  for (const char* id_only : {"session.start", "session.supervise", "session.rejoin", "session.leave", "session.end",
                              "session.info", "recording.get"}) {
    if (type == id_only) set({{"session_id", f.session_id}});
  }
  if (type == "deploy_key.create") set({{"group_id", f.group_id}});
  if (type == "support_access.grant" || type == "support_access.update") set({{"until", 4102444800000ull}});
  return r;
}

Value Invites(Value invite) { return Value(Value::Array{std::move(invite)}); }

// Derived from the request tables of PROTOCOL.md (§5.1, §5.2, §5.4, §6).
std::vector<WrongType> UserRequestRows() {
  Value list_of_five(Value::Array{5});
  return {
      {"org.update", "name", 5, "org.update"},
      {"org.update", "plan", 5, "org.update"},
      {"org.update", "seats", "ten", "org.update"},
      {"org.update", "preferences", "all", "org.update"},
      {"role.create", "name", 5, "role.create"},
      {"role.create", "description", 5, "role.create"},
      {"role.create", "privileges", "remote_support", "role.create"},
      {"role.create", "privileges", list_of_five, "role.create"},
      {"role.update", "role_id", 5, "role.update"},
      {"role.update", "name", 5, "role.update"},
      {"role.update", "description", 5, "role.update"},
      {"role.update", "privileges", "all", "role.update"},
      {"role.delete", "role_id", 5, "role.delete"},
      {"user.invite", "invites", "x@acme.test", "user.invite"},
      {"user.invite", "invites", list_of_five, "user.invite", "each invite"},
      {"user.update", "user_id", 5, "user.update"},
      {"user.update", "role", 5, "user.update"},
      {"user.update", "scope", "everything", "user.update"},
      {"user.update", "status", true, "user.update"},
      {"user.remove", "user_id", 5, "user.remove"},
      {"user.transfer_ownership", "user_id", 5, "user.transfer_ownership"},
      {"user.password_reset", "user_id", 5, "user.password_reset"},
      {"group.create", "name", 5, "group.create"},
      {"group.create", "department", 5, "group.create"},
      {"group.delete", "group_id", 5, "group.delete"},
      {"device.move", "device_id", 5, "device.move"},
      {"device.move", "group_id", 5, "device.move"},
      {"notification.list", "unread_only", "yes", "notification.list"},
      {"auth.password.change", "old_password", 5},
      {"auth.password.change", "new_password", 5},
      {"auth.totp.confirm", "otp", 123456, "auth.totp.confirm"},
      {"auth.totp.disable", "otp", 123456, "auth.totp.disable"},
      {"session.create", "mode", 1, "session.create"},
      {"session.connect", "device_id", 5},
      {"session.schedule", "at", "tomorrow"},
      {"session.schedule", "title", 5},
      {"session.schedule", "device_id", 5},
      {"session.start", "session_id", 5},
      {"session.supervise", "session_id", 5, "session.supervise"},
      {"session.handover", "session_id", 5},
      {"session.handover", "user_id", 5},
      {"session.handover", "stay", "no"},
      {"session.rejoin", "session_id", 5},
      {"session.leave", "session_id", 5},
      {"session.end", "session_id", 5},
      {"session.list", "state", 5},
      {"session.info", "session_id", 5},
      {"session.resize", "session_id", 5},
      {"session.resize", "cols", "wide"},
      {"session.resize", "rows", -3},
      {"file.begin", "session_id", 5},
      {"file.begin", "transfer_id", 5},
      {"file.begin", "direction", 5},
      {"file.begin", "name", 5},
      {"file.begin", "size", "big"},
      {"file.begin", "sha256", 5},
      {"file.end", "session_id", 5},
      {"file.end", "transfer_id", 5},
      {"file.end", "sha256", 5},
      {"file.end", "ok", "yes"},
      {"file.end", "message", 5},
      {"device.list", "group_id", 5},
      {"deploy_key.create", "group_id", 5, "deploy_key.create"},
      {"device.rotate_secret", "device_id", 5, "device.rotate_secret"},
      {"device.delete", "device_id", 5, "device.delete"},
      {"device.wake", "device_id", 5},
      {"support_access.grant", "until", "soon", "support_access.grant"},
      {"support_access.update", "until", "later", "support_access.update"},
      {"audit.query", "from", "yesterday"},
      {"audit.query", "to", "today"},
      {"audit.query", "actor", 5},
      {"audit.query", "support_only", "yes"},
      {"audit.query", "session_id", 5},
      {"audit.query", "action", 5},
      {"audit.query", "outcome", 5},
      {"audit.query", "limit", "all"},
      {"audit.query", "cursor", true},
      {"audit.export", "from", "yesterday", "audit.export"},
      {"audit.export", "actor", 5, "audit.export"},
      {"report.sessions", "from", "yesterday", "report.sessions"},
      {"report.sessions", "to", "today", "report.sessions"},
      {"report.sessions", "limit", "all", "report.sessions"},
      {"report.sessions", "cursor", true, "report.sessions"},
      {"report.sessions", "export", "yes", "report.sessions"},
      {"recording.get", "session_id", 5, "recording.view"},
      {"recording.get", "offset", "start", "recording.view"},
  };
}

// user.invite's entries: each field of one invitation.
std::vector<std::pair<Value, std::string>> InviteEntryRows() {
  return {
      {Value::MapOf({{"email", 5}, {"role", "technician"}}), "email"},
      {Value::MapOf({{"email", "w@acme.test"}, {"role", 5}}), "role"},
      {Value::MapOf({{"email", "w@acme.test"}, {"role", "technician"}, {"scope", "all"}}), "scope"},
      {Value::MapOf({{"email", "w@acme.test"}, {"role", "technician"}, {"scope", Value::MapOf({{"groups", "3"}})}}),
       "groups"},
  };
}

std::vector<WrongType> AgentRequestRows() {
  return {
      {"session.consent", "session_id", 5},
      {"session.consent", "accept", "yes"},
      {"session.exit", "session_id", 5},
      {"session.exit", "status", "zero"},
      {"agent.info", "hostname", 5},
      {"agent.info", "os", 5},
      {"agent.info", "uptime_s", "long"},
  };
}

// hello: each auth kind and each of its fields (§4).
std::vector<std::pair<Value, std::string>> HelloRows() {
  auto auth = [](std::initializer_list<std::pair<std::string, Value>> fields) { return Value::MapOf(fields); };
  Value password = auth({{"kind", "password"}, {"org", kOrg}, {"email", kOwnerEmail}, {"password", kOwnerPassword}});
  std::vector<std::pair<Value, std::string>> rows;
  auto with = [](Value map, const std::string& key, Value wrong) {
    map.Set(key, std::move(wrong));
    return map;
  };
  for (const char* field : {"org", "email", "password", "otp"}) rows.push_back({with(password, field, 5), field});
  rows.push_back({auth({{"kind", 5}}), "kind"});
  rows.push_back({auth({{"kind", "token"}, {"token", 5}}), "token"});
  Value invite = auth({{"kind", "invite"}, {"token", std::string(64, 'a')}, {"name", "N"}, {"password", "long-password-1"}});
  for (const char* field : {"token", "name", "password"}) rows.push_back({with(invite, field, 5), field});
  Value reset = auth({{"kind", "reset"}, {"token", std::string(64, 'a')}, {"password", "long-password-1"}});
  for (const char* field : {"token", "password"}) rows.push_back({with(reset, field, 5), field});
  Value enroll = auth({{"kind", "enroll"}, {"deployment_key", "dk_x"}, {"name", "pc"}, {"os", "linux"}});
  for (const char* field : {"deployment_key", "name", "os", "mac"}) rows.push_back({with(enroll, field, 5), field});
  Value device = auth({{"kind", "device"}, {"device_id", "d_x"}, {"secret", "s"}});
  for (const char* field : {"device_id", "secret"}) rows.push_back({with(device, field, 5), field});
  Value key = auth({{"kind", "session_key"}, {"key", "123456789"}, {"name", "Jane"}});
  for (const char* field : {"key", "name", "os", "hostname"}) rows.push_back({with(key, field, 5), field});
  return rows;
}

void ExpectBadRequestNaming(client::BlockingClient& client, Value request, const std::string& field,
                            const std::string& row) {
  auto reply = client.Call(std::move(request), kWait);
  ASSERT_FALSE(reply.ok()) << row << " was accepted";
  EXPECT_EQ(reply.status().code(), ErrorCode::kBadRequest) << row << ": " << reply.status().ToString();
  EXPECT_NE(reply.status().message().find(field), std::string::npos) << row << ": " << reply.status().message();
  EXPECT_TRUE(client.IsOpen()) << row;
}

TEST(HostileInput, AWrongTypeInAnyFieldOfAnyRequestIsBadRequestNamingTheField) {
  Arena arena;
  Fixtures f;
  LiveSession live = StartAttendedSession(arena.broker());
  f.session_id = live.id;
  f.role_id = Ok(arena.owner(), Req({{"t", "role.create"}, {"name", "Helpers"}, {"description", "h"},
                                     {"privileges", Value(Value::Array{"remote_support"})}}))
                  .Find("role_id")->as_string();
  f.group_id = Ok(arena.owner(), Req({{"t", "group.create"}, {"name", "Desks"}})).Find("group_id")->as_string();
  auto tech = InviteAndAccept(arena.broker(), arena.owner(), "tech@acme.test", "technician");
  f.user_id = UserIdOf(arena.owner(), "tech@acme.test");
  std::string key =
      Ok(arena.owner(), Req({{"t", "deploy_key.create"}, {"group_id", f.group_id}})).Find("deployment_key")->as_string();
  auto device = Connect(arena.broker());
  auto enrolled = device->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", key}, {"name", "desk-1"}, {"os", "linux"}}), kWait);
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  f.device_id = enrolled->Find("device_id")->as_string();

  int rows = 0;
  for (const WrongType& row : UserRequestRows()) {
    std::string name = std::string(row.type) + "." + row.field;
    Value request = ValidRequest(row.type, f);
    request.Set(row.field, row.wrong);
    ExpectBadRequestNaming(*live.technician, request, row.named ? row.named : row.field, name);
    if (*row.audited != '\0') arena.ExpectAudited(1, row.audited, "failed");
    arena.ExpectBystanderServed(name);
    ++rows;
  }
  for (const auto& [invite, field] : InviteEntryRows()) {
    ExpectBadRequestNaming(*live.technician, Req({{"t", "user.invite"}, {"invites", Invites(invite)}}), field,
                           "user.invite " + field);
    arena.ExpectAudited(1, "user.invite", "failed");
    arena.ExpectBystanderServed("user.invite " + field);
    ++rows;
  }
  for (const WrongType& row : AgentRequestRows()) {
    std::string name = std::string(row.type) + "." + row.field;
    Value request = ValidRequest(row.type, f);
    request.Set(row.field, row.wrong);
    ExpectBadRequestNaming(*live.agent, request, row.field, name);
    arena.ExpectBystanderServed(name);
    ++rows;
  }
  for (const auto& [auth, field] : HelloRows()) {
    auto client = Connect(arena.broker());
    std::string name = "hello " + auth.Find("kind")->ToJson() + " " + field;
    ExpectBadRequestNaming(*client, Req({{"t", "hello"}, {"proto", 1}, {"auth", auth}}), field, name);
    EXPECT_TRUE(client->Hello(PasswordAuth(), kWait).ok()) << name << ": a failed hello may be retried";
    arena.ExpectBystanderServed(name);
    ++rows;
  }
  for (const auto& [hello, field] : std::vector<std::pair<Value, std::string>>{
           {Req({{"t", "hello"}, {"proto", "1"}, {"auth", PasswordAuth()}}), "proto"},
           {Req({{"t", "hello"}, {"proto", 1}, {"auth", "password"}}), "auth"}}) {
    auto client = Connect(arena.broker());
    ExpectBadRequestNaming(*client, hello, field, "hello " + field);
    ++rows;
  }
  EXPECT_GE(rows, 120);
  // Nothing of the refused requests happened: the session is still live, its agent
  // connected, the technician still a technician.
  EXPECT_TRUE(live.agent->IsOpen());
  EXPECT_TRUE(tech->IsOpen());
  arena.ExpectAuditIntact();
}

}  // namespace
}  // namespace tether::e2e
