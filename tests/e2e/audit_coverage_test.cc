// End to end: one whole attended session — login, consent, a supervisor who tries to
// type, a file transfer, the end — leaves exactly the audit trail POLICY.md "Audit" asks
// for, in order, on one verified chain.
#include <gtest/gtest.h>

#include "access_helpers.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

constexpr const char* kTransfer = "0123456789abcdef0123456789abcdef";
constexpr const char* kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::vector<std::string> ActionsOf(const std::vector<AuditRow>& rows) {
  std::vector<std::string> actions;
  for (const AuditRow& row : rows) actions.push_back(row.action);
  return actions;
}

TEST(AuditCoverage, AWholeAttendedSessionIsAuditedStepByStepInOrder) {
  BrokerProcess broker;
  std::string watcher_id;
  {
    auto owner = LoggedInOwner(broker);
    auto supervisor = InviteAndAccept(broker, *owner, "watcher@acme.test", "admin");
    watcher_id = UserIdOf(*owner, "watcher@acme.test");

    LiveSession live = StartAttendedSession(broker, std::move(owner));  // key, consent, active
    owner = std::move(live.technician);
    auto agent = std::move(live.agent);
    const std::string session = live.id;

    Ok(*supervisor, Req({{"t", "session.supervise"}, {"session_id", session}}));
    std::vector<std::uint8_t> typed{'l', 's', '\r'};
    supervisor->SendRaw(protocol::EncodeDataFrame(session, 1, typed));
    auto refused = supervisor->NextMessage(kWait);
    while (refused.ok() && refused->Find("event")) refused = supervisor->NextMessage(kWait);
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->Find("code")->as_string(), "view_only");
    Refused(*supervisor, Req({{"t", "session.resize"}, {"session_id", session}, {"cols", 80u}, {"rows", 24u}}),
            ErrorCode::kViewOnly);
    Refused(*supervisor, Req({{"t", "file.begin"}, {"session_id", session}, {"transfer_id", kTransfer},
                              {"direction", "download"}, {"name", "/etc/shadow"}, {"size", 0u}}),
            ErrorCode::kViewOnly);

    Ok(*owner, Req({{"t", "file.begin"}, {"session_id", session}, {"transfer_id", kTransfer},
                    {"direction", "upload"}, {"name", "notes.txt"}, {"size", 4u}}));
    NextEvent(*agent, "file.begin");
    Ok(*agent, Req({{"t", "file.end"}, {"session_id", session}, {"transfer_id", kTransfer}, {"sha256", kSha},
                    {"ok", true}}));
    NextEvent(*owner, "file.end");

    Ok(*owner, Req({{"t", "session.end"}, {"session_id", session}}));
    NextEvent(*agent, "session.ended");
    NextEvent(*supervisor, "session.ended");
  }
  ASSERT_EQ(broker.Stop(), 0);

  std::vector<AuditRow> rows = ReadAuditChain(broker.db_path(), 1);
  // The set-up (the organisation, the owner's password hello, the invitation, the invited
  // supervisor's first login, the user list the test read the id from), then the session.
  EXPECT_EQ(ActionsOf(rows),
            (std::vector<std::string>{"org.create", "auth.login", "user.invite", "auth.login", "user.list", "session.created", "session.agent_joined", "session.consent_asked",
                                      "session.consent_granted", "session.active", "participant.joined",
                                      "session.input_refused", "session.input_refused", "session.input_refused", "file.begin", "file.end", "participant.left",
                                      "session.ended"}));
  std::vector<std::string> inputs;
  for (const AuditRow& row : rows) {
    if (row.action == "file.end") {
      EXPECT_EQ(row.details.Find("name")->as_string(), "notes.txt");
      EXPECT_EQ(row.details.Find("sha256")->as_string(), kSha);
    }
    if (row.action == "participant.joined") {
      EXPECT_EQ(row.details.Find("mode")->as_string(), "view");
    }
    if (row.action == "participant.left") {
      EXPECT_EQ(row.details.Find("reason")->as_string(), "session_ended");
    }
    if (row.action == "session.input_refused") {
      EXPECT_EQ(row.actor_id, watcher_id) << "the viewer who tried is the actor";
      EXPECT_EQ(row.outcome, "denied");
      inputs.push_back(row.details.Find("input")->as_string());
    }
  }
  EXPECT_EQ(inputs, (std::vector<std::string>{"data", "resize", "file"}));
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", nullptr), 0);
}

}  // namespace
}  // namespace tether::e2e
