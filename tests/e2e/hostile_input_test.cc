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
    if (row.logged_in) {
      ASSERT_TRUE(client->Hello(PasswordAuth(), kWait).ok());
    }
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
