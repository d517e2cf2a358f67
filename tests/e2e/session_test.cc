// End to end: attended sessions over the real broker, with a protocol-level agent (the
// real tether-agent has its own tests): key, consent, activation, relay, the end.
#include <gtest/gtest.h>

#include "access_helpers.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;



struct Attended {
  std::unique_ptr<client::BlockingClient> technician;
  std::unique_ptr<client::BlockingClient> agent;
  std::string session_id;
  std::string key;
};

// A technician creates a session; an agent joins with the key and is asked for consent.
Attended JoinWithKey(const BrokerProcess& broker) {
  Attended a;
  a.technician = LoggedInOwner(broker);
  Value created = Ok(*a.technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  a.session_id = created.Find("session_id")->as_string();
  a.key = created.Find("key")->as_string();
  a.agent = Connect(broker);
  auto joined = a.agent->Hello(Value::MapOf({{"kind", "session_key"}, {"key", a.key}, {"name", "Customer"}}), kWait);
  EXPECT_TRUE(joined.ok()) << joined.status().ToString();
  Value request = NextEvent(*a.agent, "session.request");
  EXPECT_TRUE(request.Find("consent_required")->as_bool());
  EXPECT_EQ(request.Find("controller")->Find("email")->as_string(), kOwnerEmail);
  return a;
}

void Accept(Attended& a) {
  Ok(*a.agent, Req({{"t", "session.consent"}, {"session_id", a.session_id}, {"accept", true}}));
  EXPECT_EQ(NextEvent(*a.technician, "session.state").Find("state")->as_string(), "consent");
  EXPECT_EQ(NextEvent(*a.technician, "session.state").Find("state")->as_string(), "active");
}

// A BlockingClient runs its loop only inside its own calls: a round trip makes sure what
// it queued (SendRaw) has left before another client waits for it.
void Flush(client::BlockingClient& client) { Ok(client, Req({{"t", "licence.get"}})); }
void FlushAgent(client::BlockingClient& agent) { Ok(agent, Req({{"t", "agent.info"}, {"hostname", "pc"}})); }

std::vector<std::uint8_t> Frame(const std::string& session_id, const std::string& text) {
  std::vector<std::uint8_t> payload(text.begin(), text.end());
  return protocol::EncodeDataFrame(session_id, 1, payload);
}

TEST(AttendedSession, KeyIsNineRandomDigitsAndSingleUse) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  EXPECT_EQ(a.key.size(), 9u);
  EXPECT_EQ(a.key.find_first_not_of("0123456789"), std::string::npos);
  auto again = Connect(broker);
  auto reply = again->Hello(Value::MapOf({{"kind", "session_key"}, {"key", a.key}, {"name", "Thief"}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(again->WaitClosed(kWait)->code, 4401);
}

TEST(AttendedSession, ConsentActivatesAndFramesFlowBothWaysUnchanged) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  std::vector<std::uint8_t> keystrokes = Frame(a.session_id, "echo hello\r");
  a.technician->SendRaw(keystrokes);
  Flush(*a.technician);
  auto at_agent = a.agent->NextDataFrame(kWait);
  ASSERT_TRUE(at_agent.ok()) << at_agent.status().ToString();
  EXPECT_EQ(*at_agent, keystrokes);  // the same bytes
  std::vector<std::uint8_t> output = Frame(a.session_id, "hello\r\n");
  a.agent->SendRaw(output);
  FlushAgent(*a.agent);
  auto at_technician = a.technician->NextDataFrame(kWait);
  ASSERT_TRUE(at_technician.ok());
  EXPECT_EQ(*at_technician, output);
}

TEST(AttendedSession, DeniedConsentEndsTheSessionForBothSides) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Ok(*a.agent, Req({{"t", "session.consent"}, {"session_id", a.session_id}, {"accept", false}}));
  EXPECT_EQ(NextEvent(*a.technician, "session.ended").Find("reason")->as_string(), "consent_denied");
  EXPECT_EQ(NextEvent(*a.agent, "session.ended").Find("reason")->as_string(), "consent_denied");
}

TEST(AttendedSession, NoConsentWithinTheTimeoutCountsAsDenial) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Ok(*a.technician, Req({{"t", "test.clock.advance"}, {"ms", 60'001}}));
  EXPECT_EQ(NextEvent(*a.technician, "session.ended").Find("reason")->as_string(), "consent_denied");
}

TEST(AttendedSession, UnusedKeyExpiresAfterTenMinutes) {
  BrokerProcess broker;
  auto technician = LoggedInOwner(broker);
  Value created = Ok(*technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  Ok(*technician, Req({{"t", "test.clock.advance"}, {"ms", 10 * 60 * 1000 + 1}}));
  EXPECT_EQ(NextEvent(*technician, "session.ended").Find("reason")->as_string(), "key_expired");
  auto late = Connect(broker);
  auto reply = late->Hello(
      Value::MapOf({{"kind", "session_key"}, {"key", created.Find("key")->as_string()}, {"name", "Late"}}), kWait);
  EXPECT_FALSE(reply.ok());
}

TEST(AttendedSession, WrongKeysAreRateLimitedPerAddress) {
  BrokerProcess broker;
  int limited_at = 0;
  for (int i = 1; i <= 12 && limited_at == 0; ++i) {
    auto guesser = Connect(broker);
    auto reply = guesser->Hello(Value::MapOf({{"kind", "session_key"}, {"key", "000000001"}, {"name", "G"}}), kWait);
    ASSERT_FALSE(reply.ok());
    if (reply.status().code() == ErrorCode::kRateLimited) {
      limited_at = i;
      EXPECT_EQ(guesser->WaitClosed(kWait)->code, 4429);
    }
  }
  EXPECT_EQ(limited_at, 11);  // 10 wrong keys per address per hour, then refused untried
}

TEST(AttendedSession, FrameFromANonParticipantIsNotFound) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  auto outsider = LoggedInOwner(broker);  // same user, another connection: not a participant
  outsider->SendRaw(Frame(a.session_id, "rm -rf /\r"));
  auto error = outsider->NextMessage(kWait);
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->Find("code")->as_string(), "not_found");
  EXPECT_FALSE(a.agent->NextDataFrame(std::chrono::milliseconds(200)).ok());  // nothing reached the agent
}

TEST(AttendedSession, ControllerEndingTellsTheAgent) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  Ok(*a.technician, Req({{"t", "session.end"}, {"session_id", a.session_id}}));
  EXPECT_EQ(NextEvent(*a.agent, "session.ended").Find("reason")->as_string(), "controller_ended");
}

TEST(AttendedSession, AgentDisconnectEndsItWithAgentLeft) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  a.agent.reset();
  EXPECT_EQ(NextEvent(*a.technician, "session.ended").Find("reason")->as_string(), "agent_left");
}

TEST(AttendedSession, ShellExitStatusReachesTheController) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  Ok(*a.agent, Req({{"t", "session.exit"}, {"session_id", a.session_id}, {"status", 3}}));
  Value ended = NextEvent(*a.technician, "session.ended");
  EXPECT_EQ(ended.Find("reason")->as_string(), "agent_left");
  EXPECT_EQ(ended.Find("exit_status")->as_int(), 3);
}

TEST(AttendedSession, ControllerMayRejoinWithinTheGraceThenItEnds) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  a.technician.reset();
  auto back = LoggedInOwner(broker);
  Value rejoined = Ok(*back, Req({{"t", "session.rejoin"}, {"session_id", a.session_id}}));
  EXPECT_EQ(rejoined.Find("state")->as_string(), "active");
  back.reset();
  auto clock = LoggedInOwner(broker);
  Ok(*clock, Req({{"t", "test.clock.advance"}, {"ms", 30'001}}));
  EXPECT_EQ(NextEvent(*a.agent, "session.ended").Find("reason")->as_string(), "controller_left");
}

TEST(AttendedSession, TechnicianWithoutRemoteSupportCannotCreate) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Value role = Ok(*owner, Req({{"t", "role.create"}, {"name", "Viewer"}, {"description", ""},
                               {"privileges", Value(Value::Array{"reports_own"})}}));
  auto viewer = InviteAndAccept(broker, *owner, "v@acme.test", role.Find("role_id")->as_string());
  Refused(*viewer, Req({{"t", "session.create"}, {"mode", "attended"}}), ErrorCode::kPermissionDenied);
}

TEST(AttendedSession, SessionsAreListedInScopeAndEndedAtShutdown) {
  BrokerProcess broker;
  Attended a = JoinWithKey(broker);
  Accept(a);
  Value listed = Ok(*a.technician, Req({{"t", "session.list"}}));
  ASSERT_EQ(listed.Find("sessions")->as_array().size(), 1u);
  EXPECT_EQ(listed.Find("sessions")->as_array()[0].Find("state")->as_string(), "active");
  EXPECT_EQ(broker.Stop(), 0);
  EXPECT_EQ(NextEvent(*a.agent, "session.ended").Find("reason")->as_string(), "broker_shutdown");
  EXPECT_EQ(a.agent->WaitClosed(kWait)->code, 1001);
}

}  // namespace
}  // namespace tether::e2e
