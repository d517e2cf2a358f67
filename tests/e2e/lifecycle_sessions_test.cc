// End to end: scheduled sessions, and what a crash leaves behind — sessions that were
// open are recorded as ended (broker_restart) and scheduled ones are still there.
#include <gtest/gtest.h>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;


std::uint64_t NowMs() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

TEST(ScheduledSession, StartsOnlyAtItsTimeAndThenGivesAKey) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::uint64_t in_an_hour = NowMs() + 3600 * 1000;
  std::string id = Ok(*owner, Req({{"t", "session.schedule"}, {"at", in_an_hour}, {"title", "Patch Tuesday"}}))
                       .Find("session_id")->as_string();
  Value listed = Ok(*owner, Req({{"t", "session.list"}, {"state", "scheduled"}}));
  ASSERT_EQ(listed.Find("sessions")->as_array().size(), 1u);
  Refused(*owner, Req({{"t", "session.start"}, {"session_id", id}}), ErrorCode::kConflict);
  Ok(*owner, Req({{"t", "test.clock.advance"}, {"ms", 3600 * 1000}}));
  Value started = Ok(*owner, Req({{"t", "session.start"}, {"session_id", id}}));
  EXPECT_EQ(started.Find("key")->as_string().size(), 9u);
}

TEST(ScheduledSession, UnattendedStartAsksForConsentWhenTheGroupRequiresIt) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string group = Ok(*owner, Req({{"t", "group.create"}, {"name", "Guarded"}, {"session_confirmation", true}}))
                          .Find("group_id")->as_string();
  std::string key = Ok(*owner, Req({{"t", "deploy_key.create"}, {"group_id", group}})).Find("deployment_key")->as_string();
  auto device = Connect(broker);
  auto enrolled = device->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", key}, {"name", "g"}, {"os", "linux"}}), kWait);
  ASSERT_TRUE(enrolled.ok());
  std::string id = Ok(*owner, Req({{"t", "session.schedule"}, {"at", NowMs()}, {"title", "Now"},
                                   {"device_id", enrolled->Find("device_id")->as_string()}}))
                       .Find("session_id")->as_string();
  Ok(*owner, Req({{"t", "session.start"}, {"session_id", id}}));
  EXPECT_TRUE(NextEvent(*device, "session.request").Find("consent_required")->as_bool());
}

TEST(CrashRecovery, OpenSessionsAreEndedWithBrokerRestartAndScheduledOnesSurvive) {
  BrokerProcess broker;
  std::string active_id, scheduled_id;
  {
    auto owner = LoggedInOwner(broker);
    Value created = Ok(*owner, Req({{"t", "session.create"}, {"mode", "attended"}}));
    active_id = created.Find("session_id")->as_string();
    scheduled_id = Ok(*owner, Req({{"t", "session.schedule"}, {"at", NowMs() + 60'000}, {"title", "Later"}}))
                       .Find("session_id")->as_string();
    broker.Kill();
  }
  ASSERT_TRUE(broker.Restart());
  auto owner = LoggedInOwner(broker);
  Value listed = Ok(*owner, Req({{"t", "session.list"}}));
  ASSERT_EQ(listed.Find("sessions")->as_array().size(), 1u);
  EXPECT_EQ(listed.Find("sessions")->as_array()[0].Find("session_id")->as_string(), scheduled_id);
  owner.reset();
  ASSERT_EQ(broker.Stop(), 0);
  bool recorded = false;
  for (const AuditRow& row : ReadAuditChain(broker.db_path(), 1)) {
    recorded |= row.action == "session.ended" && row.details.Find("reason") &&
                row.details.Find("reason")->as_string() == "broker_restart";
  }
  EXPECT_TRUE(recorded);
  std::string verify;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &verify), 0) << verify;
}

}  // namespace
}  // namespace tether::e2e
