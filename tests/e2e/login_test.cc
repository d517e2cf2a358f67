// End to end: hello with password and token, rate limits, expiry, logout, audit.
#include <gtest/gtest.h>

#include "broker_process.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

const std::string& TokenOf(const Value& hello) { return hello.Find("token")->as_string(); }

// Asserts that `client` got `code` for its hello and was then closed with `close_code`.
void ExpectRefused(client::BlockingClient& client, const Value& auth, ErrorCode code, int close_code,
                   std::string* message = nullptr) {
  auto reply = client.Hello(auth, kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), code) << reply.status().ToString();
  if (message) *message = reply.status().message();
  auto closed = client.WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, close_code);
}

TEST(Login, PasswordHelloGivesATokenThatLogsInOnANewConnection) {
  BrokerProcess broker;
  Value hello;
  auto first = LoggedInOwner(broker, &hello);
  ASSERT_TRUE(first);
  EXPECT_EQ(TokenOf(hello).size(), 64u);  // 256 bits, hex
  EXPECT_GT(hello.Find("expires_at")->as_uint(), 0u);
  EXPECT_EQ(hello.Find("user")->Find("email")->as_string(), kOwnerEmail);
  EXPECT_EQ(hello.Find("user")->Find("role")->as_string(), "super_admin");
  EXPECT_FALSE(hello.Find("user")->Find("hidden")->as_bool());

  auto second = Connect(broker);
  auto again = second->Hello(TokenAuth(TokenOf(hello)), kWait);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->Find("user")->Find("id")->as_string(), hello.Find("user")->Find("id")->as_string());
  EXPECT_EQ(again->Find("privileges")->as_array(), hello.Find("privileges")->as_array());
  auto org = second->Call(Value::MapOf({{"t", "org.get"}}), kWait);
  EXPECT_TRUE(org.ok()) << org.status().ToString();
}

TEST(Login, EmailIsMatchedCaseInsensitively) {
  BrokerProcess broker;
  auto client = Connect(broker);
  auto reply = client->Hello(PasswordAuth(kOrg, "OWNER@Acme.Test"), kWait);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
}

TEST(Login, WrongPasswordUnknownUserAndUnknownOrgGetOneAnswerAndClose4401) {
  BrokerProcess broker;
  std::string messages[3];
  const Value attempts[3] = {PasswordAuth(kOrg, kOwnerEmail, "wrong-password"),
                             PasswordAuth(kOrg, "nobody@acme.test", kOwnerPassword),
                             PasswordAuth("no-such-org", kOwnerEmail, kOwnerPassword)};
  for (int i = 0; i < 3; ++i) {
    auto client = Connect(broker);
    ExpectRefused(*client, attempts[i], ErrorCode::kUnauthenticated, 4401, &messages[i]);
  }
  EXPECT_EQ(messages[0], messages[1]);
  EXPECT_EQ(messages[1], messages[2]);
}

TEST(Login, SixthFailedLoginInAMinuteIsRateLimitedAndCloses4429) {
  BrokerProcess broker;
  for (int i = 0; i < 5; ++i) {
    auto client = Connect(broker);
    ExpectRefused(*client, PasswordAuth(kOrg, kOwnerEmail, "wrong-password"), ErrorCode::kUnauthenticated, 4401);
  }
  auto sixth = Connect(broker);
  // Even the right password is refused now: the limit is on attempts, not on guesses.
  ExpectRefused(*sixth, PasswordAuth(), ErrorCode::kRateLimited, 4429);
}

TEST(Login, RateLimitedAttemptIsAuditedOnTheOrganisationsChain) {
  BrokerProcess broker;
  for (int i = 0; i < 6; ++i) {
    auto client = Connect(broker);
    ExpectRefused(*client, PasswordAuth(kOrg, kOwnerEmail, "wrong-password"),
                  i < 5 ? ErrorCode::kUnauthenticated : ErrorCode::kRateLimited, i < 5 ? 4401 : 4429);
  }
  ASSERT_EQ(broker.Stop(), 0);
  auto chain = ReadAuditChain(broker.db_path(), 1);
  ASSERT_EQ(chain.size(), 7u);  // org.create, five failures, the refusal
  EXPECT_EQ(chain.back().outcome, "denied");
  EXPECT_EQ(chain.back().details.Find("reason")->as_string(), "rate_limited");
}

TEST(Login, RateLimitLiftsWhenTheWindowHasPassed) {
  BrokerProcess broker;
  const Value guess = PasswordAuth(kOrg, "victim@acme.test", "guess");
  for (int i = 0; i < 5; ++i) {
    auto client = Connect(broker);
    ExpectRefused(*client, guess, ErrorCode::kUnauthenticated, 4401);
  }
  auto limited = Connect(broker);
  ExpectRefused(*limited, guess, ErrorCode::kRateLimited, 4429);

  auto owner = LoggedInOwner(broker);  // another account from the same address still works
  ASSERT_TRUE(owner->Call(Value::MapOf({{"t", "test.clock.advance"}, {"ms", 61'000}}), kWait).ok());
  auto later = Connect(broker);
  ExpectRefused(*later, guess, ErrorCode::kUnauthenticated, 4401);
}

TEST(Login, ExpiredTokenAnswersExpiredAndCloses4401) {
  BrokerProcess broker;
  Value hello;
  auto owner = LoggedInOwner(broker, &hello);
  auto advanced = owner->Call(Value::MapOf({{"t", "test.clock.advance"}, {"ms", 12 * 3600 * 1000 + 1}}), kWait);
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  auto late = Connect(broker);
  ExpectRefused(*late, TokenAuth(TokenOf(hello)), ErrorCode::kExpired, 4401);
}

TEST(Login, UnknownTokenIsUnauthenticatedAndCloses4401) {
  BrokerProcess broker;
  auto client = Connect(broker);
  ExpectRefused(*client, TokenAuth(std::string(64, 'a')), ErrorCode::kUnauthenticated, 4401);
}

TEST(Login, LogoutRevokesTheTokenAndCloses4401) {
  BrokerProcess broker;
  Value hello;
  auto owner = LoggedInOwner(broker, &hello);
  auto bye = owner->Call(Value::MapOf({{"t", "auth.logout"}}), kWait);
  ASSERT_TRUE(bye.ok()) << bye.status().ToString();
  auto closed = owner->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4401);
  auto reuse = Connect(broker);
  ExpectRefused(*reuse, TokenAuth(TokenOf(hello)), ErrorCode::kUnauthenticated, 4401);
}

TEST(Login, SecondHelloIsConflictAndTheConnectionStaysOpen) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto again = owner->Hello(PasswordAuth(), kWait);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
  EXPECT_TRUE(owner->Call(Value::MapOf({{"t", "org.get"}}), kWait).ok());
}

TEST(Login, ProtocolVersionOtherThanOneIsUnsupportedAndTheConnectionStaysOpen) {
  BrokerProcess broker;
  auto client = Connect(broker);
  auto reply = client->Call(Value::MapOf({{"t", "hello"}, {"proto", 2}, {"auth", PasswordAuth()}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnsupportedVersion);
  EXPECT_TRUE(client->Hello(PasswordAuth(), kWait).ok());
}

TEST(Login, RequestsPipelinedBehindHelloAreAnsweredAfterIt) {
  BrokerProcess broker;
  auto client = Connect(broker);
  std::uint64_t hello = client->StartCall(Value::MapOf({{"t", "hello"}, {"proto", 1}, {"auth", PasswordAuth()}}));
  std::uint64_t org = client->StartCall(Value::MapOf({{"t", "org.get"}}));
  EXPECT_TRUE(client->WaitReply(hello, kWait).ok());
  auto reply = client->WaitReply(org, kWait);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
}

TEST(Login, EveryLoginSuccessAndFailureIsAudited) {
  BrokerProcess broker;
  {
    auto owner = LoggedInOwner(broker);
    auto wrong = Connect(broker);
    ExpectRefused(*wrong, PasswordAuth(kOrg, kOwnerEmail, "nope-nope"), ErrorCode::kUnauthenticated, 4401);
    auto stranger = Connect(broker);
    ExpectRefused(*stranger, PasswordAuth("ghost-org", "x@y.z", "whatever"), ErrorCode::kUnauthenticated, 4401);
  }
  ASSERT_EQ(broker.Stop(), 0);
  auto org_chain = ReadAuditChain(broker.db_path(), 1);
  ASSERT_EQ(org_chain.size(), 3u);  // org.create by tetherctl, then the two logins
  EXPECT_EQ(org_chain[1].action, "auth.login");
  EXPECT_EQ(org_chain[1].outcome, "ok");
  EXPECT_EQ(org_chain[2].action, "auth.login");
  EXPECT_EQ(org_chain[2].outcome, "failed");
  EXPECT_EQ(org_chain[2].details.Find("reason")->as_string(), "bad_password");
  auto system_chain = ReadAuditChain(broker.db_path(), 0);
  ASSERT_EQ(system_chain.size(), 1u);  // a login naming an unknown organisation
  EXPECT_EQ(system_chain[0].details.Find("reason")->as_string(), "unknown_organisation");
  std::string verify;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &verify), 0) << verify;
}

}  // namespace
}  // namespace tether::e2e
