// End to end: hostile input (issue 9). Every row is an attack with the answer
// protocol/PROTOCOL.md §3 documents for it; after each row a healthy client beside the
// attacks is still served, and at the end the audit chain verifies and holds every
// event the rows were to leave. One broker serves a whole table (an Arena).
#include <gtest/gtest.h>

#include "arena.h"
#include "raw_socket.h"
#include "tether/protocol/codec.h"

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

constexpr const char* kTransferId = "0123456789abcdef0123456789abcdef";
constexpr const char* kSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

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

// ---------------------------------------------------------------------------------------
// Malformed messages (PROTOCOL.md §2.3, §3): sent on a fresh connection, logged in or not.

struct MalformedRow {
  const char* name;
  Bytes bytes;
  bool logged_in;
  ErrorCode code;
  int close_code = 0;  // 0: the connection stays open (and still answers)
};

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}
Bytes Repeat(std::uint8_t byte, std::size_t n) { return Bytes(n, byte); }
Bytes Str(const std::string& s) {
  Bytes out = {static_cast<std::uint8_t>(0xa0 | s.size())};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
// {"t": "org.get", "id": 1, "x": <value>}: a request with one hostile field.
Bytes RequestWith(const Bytes& value) { return Concat({{0x83}, Str("t"), Str("org.get"), Str("id"), {0x01}, Str("x"), value}); }
Bytes Encoded(const Value& value) { return protocol::Encode(value); }

Bytes ManyEntryMap(std::size_t entries) {
  Bytes map = {0xde, static_cast<std::uint8_t>(entries >> 8), static_cast<std::uint8_t>(entries)};
  for (std::size_t i = 0; i < entries; ++i) {
    Bytes key = Str("k" + std::to_string(i));
    map.insert(map.end(), key.begin(), key.end());
    map.push_back(0x00);
  }
  return map;
}

std::vector<MalformedRow> MalformedRows() {
  const ErrorCode bad = ErrorCode::kBadRequest;
  Bytes session = Str("s_000000000000000000000000");
  Bytes bin1 = {0xc4, 0x01, 0x00};
  return {
      {"empty message", {}, true, bad},
      {"positive fixint", {0x2a}, true, bad},
      {"nil", {0xc0}, true, bad},
      {"a bare string", Str("org.get"), true, bad},
      {"a bare binary", bin1, true, bad},
      {"a bare float64", {0xcb, 0, 0, 0, 0, 0, 0, 0, 0}, true, bad},
      {"nesting 17 deep", RequestWith(Concat({Repeat(0x91, 16), {0x90}})), true, bad},
      {"nesting 100000 deep", RequestWith(Concat({Repeat(0x91, 100000), {0x90}})), true, bad},
      {"array32 declaring 4G elements, 1 sent", RequestWith({0xdd, 0xff, 0xff, 0xff, 0xff, 0x00}), true, bad},
      {"map32 declaring 2G entries", Concat({{0xdf, 0x7f, 0xff, 0xff, 0xff}, Str("t"), Str("org.get")}), true, bad},
      {"str32 declaring 1 GiB, 2 bytes sent", RequestWith({0xdb, 0x40, 0x00, 0x00, 0x00, 'h', 'i'}), true, bad},
      {"bin32 declaring 4 GiB, 1 byte sent", RequestWith({0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}), true, bad},
      {"array of 10001 elements", RequestWith(Concat({{0xdc, 0x27, 0x11}, Repeat(0x00, 10001)})), true, bad},
      {"map of 1025 entries", RequestWith(ManyEntryMap(1025)), true, bad},
      {"ext type", RequestWith({0xd4, 0x01, 0x00}), true, bad},
      {"binary map key", Concat({{0x82}, Str("t"), Str("org.get"), bin1, {0x01}}), true, bad},
      {"duplicate t (smuggling auth.logout)",
       Concat({{0x83}, Str("t"), Str("org.get"), Str("t"), Concat({{0xab}, Bytes{'a', 'u', 't', 'h', '.', 'l', 'o', 'g', 'o', 'u', 't'}}), Str("id"), {0x01}}),
       true, bad},
      {"duplicate key nested", RequestWith(Concat({{0x82}, Str("a"), {0x01}, Str("a"), {0x02}})), true, bad},
      {"trailing byte", Concat({Encoded(Req({{"t", "org.get"}, {"id", 1}})), {0x00}}), true, bad},
      {"negative id", Encoded(Req({{"t", "org.get"}, {"id", -1}})), true, bad},
      {"string id", Encoded(Req({{"t", "org.get"}, {"id", "1"}})), true, bad},
      {"float id", Concat({{0x82}, Str("t"), Str("org.get"), Str("id"), {0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}}), true, bad},
      {"no t", Encoded(Req({{"id", 1}})), true, bad},
      {"t is an array", Encoded(Req({{"t", Value(Value::Array{"org.get"})}, {"id", 1}})), true, bad},
      {"t is invalid UTF-8", Concat({{0x82}, Str("t"), {0xa2, 0xff, 0xfe}, Str("id"), {0x01}}), true, bad},
      {"no id", Encoded(Req({{"t", "org.get"}})), true, bad},
      {"unknown type", Encoded(Req({{"t", "admin.shell"}, {"id", 1}})), true, bad},
      {"an agent's request from a user", Encoded(Req({{"t", "session.consent"}, {"id", 1}})), true, bad},
      {"data frame of 2 elements", Concat({{0x92}, session, {0x01}}), true, bad},
      {"data frame of 4 elements", Concat({{0x94}, session, {0x01}, bin1, {0x00}}), true, bad},
      {"data frame: session id not a string", Concat({{0x93, 0x05, 0x01}, bin1}), true, bad},
      {"data frame: channel a string", Concat({{0x93}, session, Str("x"), bin1}), true, bad},
      {"data frame: payload a string", Concat({{0x93}, session, {0x01}, Str("ls")}), true, bad},
      {"data frame: session id of 129 bytes", Concat({{0x93, 0xd9, 129}, Repeat('s', 129), {0x01}, bin1}), true, bad},
      {"data frame: empty session id", Concat({{0x93, 0xa0, 0x01}, bin1}), true, bad},
      {"data frame: payload declared longer than sent", Concat({{0x93}, session, {0x01, 0xc6, 0, 0, 1, 0, 0x00}}), true, bad},
      {"data frame: trailing byte", Concat({{0x93}, session, {0x01}, bin1, {0x00}}), true, bad},
      {"data frame for a session of someone else", Concat({{0x93}, session, {0x01}, bin1}), true, ErrorCode::kNotFound},
      {"garbage before hello", {0xc1}, false, bad},
      {"request before hello", Encoded(Req({{"t", "user.list"}, {"id", 1}})), false, ErrorCode::kUnauthenticated, 4401},
      {"auth.logout before hello", Encoded(Req({{"t", "auth.logout"}, {"id", 1}})), false, ErrorCode::kUnauthenticated,
       4401},
      {"data frame before hello", Concat({{0x93}, session, {0x01}, bin1}), false, ErrorCode::kUnauthenticated, 4401},
  };
}

// The next unsolicited error, skipping the events that came before it.
Value NextError(client::BlockingClient& client, const std::string& row) {
  for (;;) {
    auto message = client.NextMessage(kWait);
    EXPECT_TRUE(message.ok()) << row << ": " << message.status().ToString();
    if (!message.ok()) return {};
    if (message->Find("t")->as_string() == "error") return *message;
  }
}

TEST(HostileInput, MalformedMessagesGetTheirDocumentedAnswer) {
  Arena arena;
  for (const MalformedRow& row : MalformedRows()) {
    auto client = Connect(arena.broker());
    if (row.logged_in) ASSERT_TRUE(client->Hello(PasswordAuth(), kWait).ok());
    client->SendRaw(row.bytes);
    Value error = NextError(*client, row.name);
    if (const Value* code = error.Find("code")) {
      EXPECT_EQ(code->as_string(), protocol::WireName(row.code)) << row.name << ": " << error.ToJson();
    }
    if (row.close_code != 0) {
      auto closed = client->WaitClosed(kWait);
      ASSERT_TRUE(closed.has_value()) << row.name << ": still open";
      EXPECT_EQ(closed->code, row.close_code) << row.name;
    } else if (row.logged_in) {
      EXPECT_TRUE(client->Call(Req({{"t", "org.get"}}), kWait).ok()) << row.name << ": the connection stopped answering";
    } else {
      EXPECT_TRUE(client->Hello(PasswordAuth(), kWait).ok()) << row.name << ": hello no longer works";
    }
    if (row.logged_in || row.close_code == 0) arena.ExpectAudited(1, "auth.login", "ok");
    arena.ExpectBystanderServed(row.name);
  }
  arena.ExpectAuditIntact();
}

// ---------------------------------------------------------------------------------------
// The WebSocket layer (PROTOCOL.md §1, §3), over a raw socket.

TEST(HostileInput, WebSocketAbuseIsClosedWithItsCode) {
  Arena arena(ArenaOptions().Args({"--hello-timeout-ms", "1000"}));
  struct FrameRow {
    const char* name;
    std::string frames;
    int close_code;
  };
  std::string one_kib(1024, '\x90');
  std::string forever;  // 1025 fragments of 1 KiB: the message passes 1 MiB without ending
  forever += ClientFrame(kBinary, one_kib, /*fin=*/false);
  for (int i = 0; i < 1025; ++i) forever += ClientFrame(kContinuation, one_kib, /*fin=*/false);
  const FrameRow rows[] = {
      {"text frame", ClientFrame(kText, R"({"t":"hello"})"), 1003},
      {"text frame, fragmented", ClientFrame(kText, "{", false) + ClientFrame(kContinuation, "}"), 1003},
      {"one frame declaring 1 MiB + 1, 4 bytes sent", ClientFrameHeader(kBinary, (1u << 20) + 1) + "\x81\xa1t\xa0", 1009},
      {"one frame declaring 2^62 bytes, 4 bytes sent", ClientFrameHeader(kBinary, 1ull << 62) + "\x81\xa1t\xa0", 1009},
      {"a message fragmented past 1 MiB", forever, 1009},
      {"a first fragment declaring more than 1 MiB",
       ClientFrame(kBinary, "\x81", false) + ClientFrameHeader(kContinuation, 1u << 20, false) + "ab", 1009},
      {"a fragment that never ends, before hello", ClientFrame(kBinary, "\x82", false), 4408},
      {"nothing after the upgrade", "", 4408},
  };
  for (const FrameRow& row : rows) {
    RawSocket socket(arena.broker().port());
    ASSERT_TRUE(socket.UpgradeToWebSocket()) << row.name;
    EXPECT_TRUE(row.frames.empty() || socket.Write(row.frames)) << row.name;
    EXPECT_EQ(socket.ReadCloseCode(kWait), row.close_code) << row.name;
    arena.ExpectBystanderServed(row.name);
  }
  arena.ExpectAuditIntact();
}

TEST(HostileInput, SlowAndHalfOpenConnectionsAreDroppedWhileOthersAreServed) {
  Arena arena(ArenaOptions().Args({"--hello-timeout-ms", "1000"}));
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 20; ++i) {  // slowloris: upgrade requests that never end
    slow.push_back(std::make_unique<RawSocket>(arena.broker().port()));
    ASSERT_TRUE(slow.back()->Write("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"));
  }
  RawSocket silent(arena.broker().port());  // connected, never says a word
  RawSocket half_closed(arena.broker().port());  // upgraded, then its sending side shut
  ASSERT_TRUE(half_closed.UpgradeToWebSocket());
  half_closed.ShutdownWrite();
  arena.ExpectBystanderServed("20 slow handshakes");
  auto fresh = LoggedInOwner(arena.broker());  // a newcomer still gets in meanwhile
  EXPECT_TRUE(fresh->Call(Req({{"t", "org.get"}}), kWait).ok());
  for (auto& socket : slow) EXPECT_TRUE(socket->WaitPeerClosed(5s)) << "a slow handshake was never dropped";
  EXPECT_TRUE(silent.WaitPeerClosed(5s)) << "a silent connection was never dropped";
  EXPECT_NE(half_closed.ReadCloseCode(5s), 0) << "a half-closed connection was never dropped";
  arena.ExpectBystanderServed("slow and half-open connections");
  arena.ExpectAuditIntact();
}

// ---------------------------------------------------------------------------------------
// Credentials and sessions (PROTOCOL.md §3, §4, §5.5).

// A hello that must be refused with `code` and then closed `close_code`.
void ExpectHelloRefused(Arena& arena, Value auth, ErrorCode code, int close_code, const std::string& row) {
  auto client = Connect(arena.broker());
  auto hello = client->Hello(std::move(auth), kWait);
  ASSERT_FALSE(hello.ok()) << row << " was let in";
  EXPECT_EQ(hello.status().code(), code) << row << ": " << hello.status().ToString();
  auto closed = client->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value()) << row << ": still open";
  EXPECT_EQ(closed->code, close_code) << row;
  arena.ExpectBystanderServed(row);
}

Value KeyAuth(const std::string& key) { return Value::MapOf({{"kind", "session_key"}, {"key", key}, {"name", "Mallory"}}); }

TEST(HostileInput, ReplayedForgedAndExpiredCredentialsAreRefusedAndAudited) {
  Arena arena;
  // hello twice: conflict, and the first login stands.
  auto twice = LoggedInOwner(arena.broker());
  Refused(*twice, Req({{"t", "hello"}, {"proto", 1}, {"auth", PasswordAuth()}}), ErrorCode::kConflict);
  Ok(*twice, Req({{"t", "org.get"}}));
  // A later protocol version: unsupported_version, and hello may be retried.
  auto future = Connect(arena.broker());
  Refused(*future, Req({{"t", "hello"}, {"proto", 2}, {"auth", PasswordAuth()}}), ErrorCode::kUnsupportedVersion);
  EXPECT_TRUE(future->Hello(PasswordAuth(), kWait).ok());
  arena.ExpectAudited(1, "auth.login", "ok");
  arena.ExpectAudited(1, "auth.login", "ok");

  ExpectHelloRefused(arena, PasswordAuth(kOrg, kOwnerEmail, "wrong-password"), ErrorCode::kUnauthenticated, 4401,
                     "wrong password");
  arena.ExpectAudited(1, "auth.login", "failed");
  ExpectHelloRefused(arena, PasswordAuth("no-such-org"), ErrorCode::kUnauthenticated, 4401, "unknown organisation");
  arena.ExpectAudited(0, "auth.login", "failed");
  ExpectHelloRefused(arena, TokenAuth(std::string(64, 'f')), ErrorCode::kUnauthenticated, 4401, "forged token");
  arena.ExpectAudited(0, "auth.login", "failed");

  // An attended key works once.
  Value created = Ok(arena.owner(), Req({{"t", "session.create"}, {"mode", "attended"}}));
  std::string key = created.Find("key")->as_string();
  auto customer = Connect(arena.broker());
  ASSERT_TRUE(customer->Hello(KeyAuth(key), kWait).ok());
  ExpectHelloRefused(arena, KeyAuth(key), ErrorCode::kUnauthenticated, 4401, "replayed attended key");
  ExpectHelloRefused(arena, KeyAuth("000000000"), ErrorCode::kUnauthenticated, 4401, "guessed attended key");
  arena.ExpectAudited(0, "auth.login", "failed");
  arena.ExpectAudited(0, "auth.login", "failed");

  // Devices: a wrong secret, a forged deployment key.
  std::string group = Ok(arena.owner(), Req({{"t", "group.create"}, {"name", "Kiosks"}})).Find("group_id")->as_string();
  std::string deploy = Ok(arena.owner(), Req({{"t", "deploy_key.create"}, {"group_id", group}})).Find("deployment_key")->as_string();
  auto device = Connect(arena.broker());
  Value enrolled = *device->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", deploy}, {"name", "kiosk"}, {"os", "linux"}}), kWait);
  std::string device_id = enrolled.Find("device_id")->as_string();
  ExpectHelloRefused(arena, Value::MapOf({{"kind", "device"}, {"device_id", device_id}, {"secret", std::string(64, '0')}}),
                     ErrorCode::kUnauthenticated, 4401, "wrong device secret");
  ExpectHelloRefused(arena, Value::MapOf({{"kind", "enroll"}, {"deployment_key", "dk_" + std::string(64, '0')}, {"name", "x"}, {"os", "linux"}}),
                     ErrorCode::kUnauthenticated, 4401, "forged deployment key");
  arena.ExpectAudited(0, "auth.login", "failed");
  arena.ExpectAudited(0, "auth.login", "failed");
  EXPECT_TRUE(device->IsOpen()) << "a wrong secret for a device closed the real one";

  // A used invitation cannot be used again.
  std::string invitation = InviteToken(arena.owner(), "once@acme.test", "technician");
  auto accepted = Connect(arena.broker());
  Value invite_auth = Value::MapOf({{"kind", "invite"}, {"token", invitation}, {"name", "Once"}, {"password", kMemberPassword}});
  ASSERT_TRUE(accepted->Hello(invite_auth, kWait).ok());
  ExpectHelloRefused(arena, invite_auth, ErrorCode::kUnauthenticated, 4401, "replayed invitation");
  arena.ExpectAudited(1, "auth.login", "failed");

  // A token of another organisation is that organisation's: nothing of this one is in reach.
  auto other_owner = SecondOrganisationOwner(arena.broker(), "globex");
  auto other = Connect(arena.broker());
  Value other_login = *Connect(arena.broker())->Hello(PasswordAuth("globex", "owner@globex.test"), kWait);
  ASSERT_TRUE(other->Hello(TokenAuth(other_login.Find("token")->as_string()), kWait).ok());
  std::string once_id = UserIdOf(arena.owner(), "once@acme.test");
  Refused(*other, Req({{"t", "user.update"}, {"user_id", once_id}, {"status", "disabled"}}), ErrorCode::kNotFound);
  Refused(*other, Req({{"t", "session.end"}, {"session_id", created.Find("session_id")->as_string()}}), ErrorCode::kNotFound);
  Refused(*other, Req({{"t", "device.delete"}, {"device_id", device_id}}), ErrorCode::kNotFound);
  ExpectHelloRefused(arena, PasswordAuth(kOrg, "owner@globex.test"), ErrorCode::kUnauthenticated, 4401,
                     "another organisation's user logging in here");
  arena.ExpectAudited(2, "user.update", "failed");
  arena.ExpectAudited(2, "device.delete", "failed");
  arena.ExpectAudited(1, "auth.login", "failed");
  EXPECT_TRUE(accepted->IsOpen());

  // Pipelining during a hello: 32 held, the 33rd closes 1008.
  auto eager = Connect(arena.broker());
  eager->StartCall(Req({{"t", "hello"}, {"proto", 1}, {"auth", PasswordAuth()}}));
  for (int i = 0; i < 33; ++i) eager->StartCall(Req({{"t", "org.get"}}));
  auto closed = eager->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 1008);
  arena.ExpectBystanderServed("33 pipelined");

  // Time passes: the token, a fresh attended key and a fresh invitation expire.
  std::string token = (*Connect(arena.broker())->Hello(PasswordAuth(), kWait)).Find("token")->as_string();
  std::string stale_key = Ok(arena.owner(), Req({{"t", "session.create"}, {"mode", "attended"}})).Find("key")->as_string();
  std::string stale_invitation = InviteToken(arena.owner(), "late@acme.test", "technician");
  Ok(arena.owner(), Req({{"t", "test.clock.advance"}, {"ms", 8ull * 24 * 3600 * 1000}}));
  ExpectHelloRefused(arena, TokenAuth(token), ErrorCode::kExpired, 4401, "expired token");
  ExpectHelloRefused(arena, KeyAuth(stale_key), ErrorCode::kUnauthenticated, 4401, "expired attended key");
  ExpectHelloRefused(arena, Value::MapOf({{"kind", "invite"}, {"token", stale_invitation}, {"name", "Late"}, {"password", kMemberPassword}}),
                     ErrorCode::kExpired, 4401, "expired invitation");
  arena.ExpectAudited(1, "auth.login", "failed");
  arena.ExpectAudited(1, "auth.login", "failed");
  arena.ExpectAudited(1, "test.clock.advance", "ok");
  arena.ExpectAuditIntact();
}

TEST(HostileInput, FramesForOthersSessionsAndViewOnlyInputAreRefused) {
  Arena arena;
  LiveSession live = StartAttendedSession(arena.broker());
  auto admin = InviteAndAccept(arena.broker(), arena.owner(), "watcher@acme.test", "admin");
  Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  auto tech = InviteAndAccept(arena.broker(), arena.owner(), "other-tech@acme.test", "technician");
  LiveSession second = StartAttendedSession(arena.broker(), InviteAndAccept(arena.broker(), arena.owner(), "t2@acme.test", "technician"));
  std::vector<std::uint8_t> payload = {'r', 'm', ' ', '-', 'r', 'f', '\n'};

  struct FrameRow {
    const char* name;
    client::BlockingClient* sender;
    std::string session_id;
    ErrorCode code;
  };
  const FrameRow rows[] = {
      {"a technician into a colleague's session", tech.get(), live.id, ErrorCode::kNotFound},
      {"a controller into another session", live.technician.get(), second.id, ErrorCode::kNotFound},
      {"an agent into another session", live.agent.get(), second.id, ErrorCode::kNotFound},
      {"a supervisor typing into the session it watches", admin.get(), live.id, ErrorCode::kViewOnly},
      {"a made-up session", tech.get(), "s_ffffffffffffffffffffffff", ErrorCode::kNotFound},
  };
  for (const FrameRow& row : rows) {
    ASSERT_TRUE(row.sender->SendDataFrame(row.session_id, 1, payload).ok());
    Value error = NextError(*row.sender, row.name);
    EXPECT_EQ(error.Find("code") ? error.Find("code")->as_string() : "", protocol::WireName(row.code)) << row.name;
    EXPECT_TRUE(row.sender->IsOpen()) << row.name;
    arena.ExpectBystanderServed(row.name);
  }
  arena.ExpectAudited(1, "session.input_refused", "denied");
  // The other requests a view participant may not send.
  Refused(*admin, Req({{"t", "session.resize"}, {"session_id", live.id}, {"cols", 100}, {"rows", 30}}), ErrorCode::kViewOnly);
  Refused(*admin, Req({{"t", "file.begin"}, {"session_id", live.id}, {"transfer_id", kTransferId}, {"direction", "upload"},
                       {"name", "evil.sh"}, {"size", 7}}),
          ErrorCode::kViewOnly);
  Refused(*admin, Req({{"t", "file.end"}, {"session_id", live.id}, {"transfer_id", kTransferId}, {"sha256", kSha256}, {"ok", true}}),
          ErrorCode::kViewOnly);
  arena.ExpectAudited(1, "session.input_refused", "denied");
  arena.ExpectAudited(1, "session.input_refused", "denied");
  arena.ExpectAudited(1, "session.input_refused", "denied");
  // The real controller's input still reaches the agent, and only it.
  ASSERT_TRUE(live.technician->SendDataFrame(live.id, 1, payload).ok());
  Ok(*live.technician, Req({{"t", "licence.get"}}));  // runs its loop: the frame is sent
  auto frame = live.agent->NextDataFrame(kWait);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  auto stray = second.agent->NextDataFrame(200ms);
  EXPECT_FALSE(stray.ok()) << "a refused frame reached another session's agent";
  arena.ExpectAuditIntact();
}

// A view-only refusal is answered only once its audit event is durable: a crash right
// after the answer loses none of them.
TEST(HostileInput, ViewOnlyRefusalsAreDurableBeforeTheyAreAnswered) {
  BrokerProcess broker;
  LiveSession live = StartAttendedSession(broker);
  auto admin = InviteAndAccept(broker, *live.technician, "watcher@acme.test", "admin");
  Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  for (int i = 0; i < 5; ++i) {
    Refused(*admin, Req({{"t", "session.resize"}, {"session_id", live.id}, {"cols", 90 + i}, {"rows", 30}}), ErrorCode::kViewOnly);
  }
  broker.Kill();
  int refused = 0;
  for (const AuditRow& row : ReadAuditChain(broker.db_path(), 1)) refused += row.action == "session.input_refused";
  EXPECT_EQ(refused, 5);
}

}  // namespace
}  // namespace tether::e2e
