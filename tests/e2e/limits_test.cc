// End to end: the flood limits of PROTOCOL.md §1 and §4.7, each set low in the broker's
// config file and each met with its documented refusal — per-address connection and
// handshake limits and the global cap (HTTP 429 / 503 with a reason), failed logins and
// wrong session keys (rate_limited, 4429), sessions per user and supervisors per session
// (limit_reached), and the descriptor limit (503). A client beside the flood keeps being
// served.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "access_helpers.h"
#include "raw_socket.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

// The HTTP answer to a WebSocket upgrade: the head, and for a refusal its body too.
std::string UpgradeAnswer(const BrokerProcess& broker) {
  RawSocket socket(broker.port());
  EXPECT_TRUE(socket.connected());
  EXPECT_TRUE(socket.Write(UpgradeRequest("/v1/ws", "tether.v1")));
  std::string answer = socket.ReadUntil("\r\n\r\n", kWait);
  if (HttpStatus(answer) != 101 && answer.find("</html>") == std::string::npos) answer += socket.ReadUntil("</html>", kWait);
  return answer;
}

// Upgrades until one is accepted (the broker learns of a close asynchronously).
bool UpgradeAcceptedSoon(const BrokerProcess& broker) {
  for (int i = 0; i < 100; ++i) {
    if (HttpStatus(UpgradeAnswer(broker)) == 101) return true;
  }
  return false;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Limits, ConnectionsPerAddressBeyondTheLimitAre429WithAReason) {
  BrokerProcess broker(BrokerOptions().Config("max_connections_per_address = 3\n"));
  auto healthy = LoggedInOwner(broker);
  auto second = LoggedInOwner(broker);
  auto third = LoggedInOwner(broker);
  ASSERT_TRUE(healthy && second && third);
  std::string refused = UpgradeAnswer(broker);
  EXPECT_EQ(HttpStatus(refused), 429) << refused;
  EXPECT_TRUE(Contains(refused, "too many connections from your address")) << refused;
  EXPECT_GE(ReadMetric(broker, "tether_connections_refused_total"), 1u);
  Ok(*healthy, Req({{"t", "org.get"}}));  // the clients already in are served
  third.reset();
  EXPECT_TRUE(UpgradeAcceptedSoon(broker));
}

TEST(Limits, UnauthenticatedConnectionsPerAddressBeyondTheLimitAre429) {
  BrokerProcess broker(BrokerOptions().Config("max_handshakes_per_address = 2\n"));
  auto healthy = LoggedInOwner(broker);  // logged in: no longer a handshake
  auto silent = Connect(broker);
  auto pending = Connect(broker);
  ASSERT_TRUE(healthy && silent && pending);
  std::string refused = UpgradeAnswer(broker);
  EXPECT_EQ(HttpStatus(refused), 429) << refused;
  EXPECT_TRUE(Contains(refused, "too many unauthenticated connections from your address")) << refused;
  Ok(*healthy, Req({{"t", "org.get"}}));
  // A hello that succeeds frees its place at once.
  ASSERT_TRUE(pending->Hello(PasswordAuth(), kWait).ok());
  auto next = Connect(broker);
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->Hello(PasswordAuth(), kWait).ok());
}

TEST(Limits, GlobalCapIs503WithAReason) {
  BrokerProcess broker(BrokerOptions().Config("max_connections = 2\n"));
  auto healthy = LoggedInOwner(broker);
  auto other = Connect(broker);
  ASSERT_TRUE(healthy && other);
  std::string refused = UpgradeAnswer(broker);
  EXPECT_EQ(HttpStatus(refused), 503) << refused;
  EXPECT_TRUE(Contains(refused, "the broker is at capacity")) << refused;
  Ok(*healthy, Req({{"t", "org.get"}}));
}

// The descriptor limit: the broker raises its soft limit to the hard one (it holds more
// connections than the soft limit it was started with allows), and near the hard one it
// refuses with the documented 503 instead of failing to accept.
TEST(Limits, DescriptorLimitIsRaisedAndConnectionsBeyondItAre503) {
  constexpr std::size_t kSoft = 64, kHard = 160;
  BrokerProcess broker(BrokerOptions()
                           .DescriptorLimit(kSoft, kHard)
                           .Config("max_connections_per_address = 1000\nmax_handshakes_per_address = 1000\n"));
  ASSERT_TRUE(broker.started());
  std::vector<std::unique_ptr<RawSocket>> held;
  std::string refused;
  while (held.size() < kHard) {
    auto socket = std::make_unique<RawSocket>(broker.port());
    ASSERT_TRUE(socket->connected()) << "after " << held.size() << " connections";
    ASSERT_TRUE(socket->Write(UpgradeRequest("/v1/ws", "tether.v1")));
    std::string answer = socket->ReadUntil("\r\n\r\n", kWait);
    if (HttpStatus(answer) != 101) {
      refused = answer + socket->ReadUntil("</html>", kWait);
      break;
    }
    held.push_back(std::move(socket));
  }
  EXPECT_GT(held.size(), kSoft);
  EXPECT_LT(held.size(), kHard);
  EXPECT_EQ(HttpStatus(refused), 503) << refused;
  EXPECT_TRUE(Contains(refused, "the broker is at capacity")) << refused;
  EXPECT_TRUE(Contains(broker.log(), "descriptor_limit")) << broker.log();
  held.pop_back();
  EXPECT_TRUE(UpgradeAcceptedSoon(broker));
}

void ExpectRateLimited(const BrokerProcess& broker, const Value& auth) {
  auto client = Connect(broker);
  auto reply = client->Hello(auth, kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kRateLimited) << reply.status().ToString();
  auto closed = client->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4429);
}

TEST(Limits, FailedLoginsPerAccountFollowTheSetting) {
  BrokerProcess broker(BrokerOptions().Config("login_failures_per_account = 2\n"));
  for (int i = 0; i < 2; ++i) {
    auto client = Connect(broker);
    EXPECT_EQ(client->Hello(PasswordAuth(kOrg, kOwnerEmail, "wrong"), kWait).status().code(),
              ErrorCode::kUnauthenticated);
  }
  ExpectRateLimited(broker, PasswordAuth());
}

TEST(Limits, FailedLoginsPerAddressFollowTheSetting) {
  BrokerProcess broker(BrokerOptions().Config("login_failures_per_address = 3\n"));
  auto healthy = LoggedInOwner(broker);
  for (int i = 0; i < 3; ++i) {  // three accounts: only the address count can stop them
    auto client = Connect(broker);
    std::string email = "nobody" + std::to_string(i) + "@acme.test";
    EXPECT_EQ(client->Hello(PasswordAuth(kOrg, email, "guess"), kWait).status().code(), ErrorCode::kUnauthenticated);
  }
  ExpectRateLimited(broker, PasswordAuth(kOrg, "nobody9@acme.test", "guess"));
  Ok(*healthy, Req({{"t", "org.get"}}));  // a connection already in is not touched
}

TEST(Limits, WrongSessionKeysFollowTheSetting) {
  BrokerProcess broker(BrokerOptions().Config("key_guesses_per_address = 2\n"));
  Value guess = Value::MapOf({{"kind", "session_key"}, {"key", "000000001"}, {"name", "G"}});
  for (int i = 0; i < 2; ++i) {
    auto client = Connect(broker);
    EXPECT_EQ(client->Hello(guess, kWait).status().code(), ErrorCode::kUnauthenticated);
  }
  ExpectRateLimited(broker, guess);
}

TEST(Limits, SupervisorsPerSessionFollowTheSetting) {
  BrokerProcess broker(BrokerOptions().Config("max_supervisors_per_session = 2\n"));
  LiveSession live = StartAttendedSession(broker);
  Value hello;
  auto first = InviteAndAccept(broker, *live.technician, "boss@acme.test", "admin", Value(), &hello);
  std::string token = hello.Find("token")->as_string();
  std::vector<std::unique_ptr<client::BlockingClient>> watchers;
  watchers.push_back(std::move(first));
  for (int i = 0; i < 2; ++i) {
    watchers.push_back(Connect(broker));
    ASSERT_TRUE(watchers.back()->Hello(TokenAuth(token), kWait).ok());
  }
  Ok(*watchers[0], Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  Ok(*watchers[1], Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  std::string message = Refused(*watchers[2], Req({{"t", "session.supervise"}, {"session_id", live.id}}),
                                ErrorCode::kLimitReached);
  EXPECT_TRUE(Contains(message, "supervisors")) << message;
}

// The refusals of one action on the organisation's chain, as the audit log holds them.
std::vector<AuditRow> Refusals(const std::string& db_path, const std::string& action) {
  std::vector<AuditRow> rows;
  for (AuditRow& row : ReadAuditChain(db_path, 1)) {
    if (row.action == action && row.outcome == "failed") rows.push_back(std::move(row));
  }
  return rows;
}

TEST(Limits, SessionsPerUserBeyondTheCapAreLimitReachedAndAudited) {
  BrokerProcess broker(BrokerOptions().Config("max_sessions_per_user = 2\n"));
  auto owner = LoggedInOwner(broker);
  std::string key = Ok(*owner, Req({{"t", "deploy_key.create"}, {"group_id", "0"}})).Find("deployment_key")->as_string();
  auto device = Connect(broker);
  auto enrolled = device->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", key}, {"name", "pc"}, {"os", "linux"}}), kWait);
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  std::string device_id = enrolled->Find("device_id")->as_string();

  std::string first = Ok(*owner, Req({{"t", "session.create"}, {"mode", "attended"}})).Find("session_id")->as_string();
  Ok(*owner, Req({{"t", "session.schedule"}, {"at", 4102444800000}, {"title", "later"}}));  // scheduled ones count
  std::string message = Refused(*owner, Req({{"t", "session.create"}, {"mode", "attended"}}), ErrorCode::kLimitReached);
  EXPECT_TRUE(Contains(message, "2 open sessions")) << message;
  Refused(*owner, Req({{"t", "session.schedule"}, {"at", 4102444800000}, {"title", "more"}}), ErrorCode::kLimitReached);
  Refused(*owner, Req({{"t", "session.connect"}, {"device_id", device_id}}), ErrorCode::kLimitReached);

  // Another user has a cap of their own.
  auto colleague = InviteAndAccept(broker, *owner, "tech@acme.test", "technician");
  Ok(*colleague, Req({{"t", "session.create"}, {"mode", "attended"}}));
  // An ended session frees its place.
  Ok(*owner, Req({{"t", "session.end"}, {"session_id", first}}));
  Ok(*owner, Req({{"t", "session.connect"}, {"device_id", device_id}}));

  owner.reset();
  colleague.reset();
  device.reset();
  ASSERT_EQ(broker.Stop(), 0);
  for (const char* action : {"session.create", "session.schedule", "session.connect"}) {
    auto rows = Refusals(broker.db_path(), action);
    ASSERT_EQ(rows.size(), 1u) << action;
    EXPECT_TRUE(Contains(rows[0].details.Find("reason")->as_string(), "open sessions")) << action;
  }
}

}  // namespace
}  // namespace tether::e2e
