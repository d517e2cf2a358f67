// End to end: tamper evidence and retention of the audit chain (PROTOCOL.md §8). A real
// broker writes the chain; the test then edits, deletes and swaps rows in the SQLite file
// as someone with file access would, and `tetherctl audit verify` must fail naming the
// chain, the row and the problem. Retention is driven by the test clock.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

void ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << message;
}

// `tetherctl audit verify --db`: its exit status; `out` gets what it printed.
int VerifyOffline(const std::string& db_path, std::string* out) {
  return RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", db_path}, "", out);
}

// A broker that wrote a few audited actions to acme's chain (organisation 1) and stopped
// cleanly; `head` is what audit.verify said over the protocol before the stop.
class AuditTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.started());
    auto owner = LoggedInOwner(broker_);
    for (const char* name : {"Acme One", "Acme Two", "Acme Three"}) Ok(*owner, Req({{"t", "org.update"}, {"name", name}}));
    head_ = Ok(*owner, Req({{"t", "audit.verify"}}));
    owner.reset();
    ASSERT_EQ(broker_.Stop(), 0);
  }
  // A copy of the stopped broker's database for one tampering.
  std::string Copy(const std::string& name) {
    std::string path = broker_.dir() + "/" + name + ".db";
    std::filesystem::copy_file(broker_.db_path(), path);
    return path;
  }
  void ExpectBroken(const std::string& path, const std::string& line) {
    std::string out;
    EXPECT_EQ(VerifyOffline(path, &out), 1) << out;
    EXPECT_NE(out.find(line), std::string::npos) << "expected: " << line << "\ngot: " << out;
  }

  BrokerProcess broker_;
  Value head_;
};

TEST_F(AuditTamper, IntactChainVerifiesAndPrintsTheHeadTheBrokerReported) {
  ASSERT_TRUE(head_.Find("ok")->as_bool());
  const std::uint64_t head_seq = head_.Find("head_seq")->as_uint();
  // audit.verify answered before its own audit event was written: that event is the head now.
  std::string out;
  ASSERT_EQ(VerifyOffline(broker_.db_path(), &out), 0) << out;
  EXPECT_NE(out.find("organisation 1: ok, " + std::to_string(head_seq + 1) + " events, head seq " +
                     std::to_string(head_seq + 1) + " hash "),
            std::string::npos)
      << out;
  EXPECT_EQ(head_.Find("head_hash")->as_string().size(), 64u);
  EXPECT_EQ(head_.Find("checkpoint_seq")->as_uint(), 0u);
}

TEST_F(AuditTamper, ChangedFieldIsNamedByChainAndSeq) {
  std::string path = Copy("edited");
  ExecSql(path, "UPDATE audit_events SET actor_id = 'someone else' WHERE chain = 1 AND seq = 2");
  ExpectBroken(path, "organisation 1: BROKEN at seq 2: hash mismatch at seq 2");
}

TEST_F(AuditTamper, DeletedMiddleRowIsNamed) {
  std::string path = Copy("deleted");
  ExecSql(path, "DELETE FROM audit_events WHERE chain = 1 AND seq = 3");
  ExpectBroken(path, "organisation 1: BROKEN at seq 3: seq 3 missing");
}

TEST_F(AuditTamper, DeletedNewestRowsAreCaughtByTheChainHead) {
  std::string path = Copy("truncated");
  const std::uint64_t head = head_.Find("head_seq")->as_uint() + 1;  // + the audit.verify event
  ExecSql(path, "DELETE FROM audit_events WHERE chain = 1 AND seq >= " + std::to_string(head - 1));
  ExpectBroken(path, "organisation 1: BROKEN at seq " + std::to_string(head - 1) + ": seq " +
                         std::to_string(head - 1) + " missing (the chain head is at seq " + std::to_string(head) + ")");
}

TEST_F(AuditTamper, SwappedRowsAreNamed) {
  std::string path = Copy("swapped");
  ExecSql(path,
          "UPDATE audit_events SET seq = -2 WHERE chain = 1 AND seq = 2;"
          "UPDATE audit_events SET seq = 2 WHERE chain = 1 AND seq = 3;"
          "UPDATE audit_events SET seq = 3 WHERE chain = 1 AND seq = -2;");
  ExpectBroken(path, "organisation 1: BROKEN at seq 2: prev_hash at seq 2 does not match the hash of seq 1");
}

// Deleting the newest row and moving the head record back with it verifies: only the head
// the auditor kept from an earlier run (PROTOCOL.md §8) shows it. Asserted so that the
// documented limit stays true to the code.
TEST_F(AuditTamper, DeletingTheNewestRowAndTheHeadTogetherNeedsTheAuditorsAnchor) {
  std::string path = Copy("anchor");
  const std::uint64_t head = head_.Find("head_seq")->as_uint() + 1;
  ExecSql(path, "DELETE FROM audit_events WHERE chain = 1 AND seq = " + std::to_string(head) +
                    "; UPDATE audit_heads SET seq = seq - 1, hash = (SELECT hash FROM audit_events "
                    "WHERE chain = 1 AND seq = " + std::to_string(head - 1) + ") WHERE chain = 1");
  std::string out;
  EXPECT_EQ(VerifyOffline(path, &out), 0) << out;
  EXPECT_NE(out.find("head seq " + std::to_string(head - 1) + " "), std::string::npos) << out;  // older than kept
}

TEST(AuditPruning, PreferenceRefusesLessThanADay) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string message =
      Refused(*owner, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"audit_retention_days", 0}})}}),
              ErrorCode::kBadRequest);
  EXPECT_NE(message.find("'audit_retention_days' must be 1 to 36500"), std::string::npos) << message;
}

TEST(AuditPruning, OldEventsArePrunedAndTheRestStillVerifiesOnlineAndOffline) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Ok(*owner, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"audit_retention_days", 30}})}}));
  Ok(*owner, Req({{"t", "org.update"}, {"name", "Acme Old"}}));
  Ok(*owner, Req({{"t", "test.clock.advance"}, {"ms", 31ull * 24 * 3600 * 1000}}));

  // The sweep notices the hour passed and prunes: wait for its audit.pruned event.
  Value pruned;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    Value found = Ok(*owner, Req({{"t", "audit.query"}, {"action", "audit.pruned"}}));
    if (!found.Find("events")->as_array().empty()) {
      pruned = found.Find("events")->as_array().front();
      break;
    }
  }
  ASSERT_TRUE(pruned.is_map()) << "no audit.pruned event within " << kWait.count() << " s; log:\n" << broker.log();
  EXPECT_EQ(pruned.Find("actor_kind")->as_string(), "system");
  EXPECT_EQ(pruned.Find("actor")->as_string(), "tether-broker");
  const Value& details = *pruned.Find("details");
  EXPECT_EQ(details.Find("retention_days")->as_uint(), 30u);
  EXPECT_EQ(details.Find("from_seq")->as_uint(), 1u);
  const std::uint64_t through = details.Find("through_seq")->as_uint();

  // Everything before the clock moved went; the test.clock.advance event stayed first.
  Value oldest = Ok(*owner, Req({{"t", "audit.query"}, {"limit", 1000}}));
  const Value& last = oldest.Find("events")->as_array().back();
  EXPECT_EQ(last.Find("seq")->as_uint(), through + 1);
  EXPECT_EQ(last.Find("action")->as_string(), "test.clock.advance");
  EXPECT_EQ(details.Find("count")->as_uint(), through);

  Value verified = Ok(*owner, Req({{"t", "audit.verify"}}));
  EXPECT_TRUE(verified.Find("ok")->as_bool()) << verified.ToJson();
  EXPECT_EQ(verified.Find("checkpoint_seq")->as_uint(), through);
  EXPECT_EQ(verified.Find("checkpoint_hash")->as_string(), details.Find("through_hash")->as_string());
  owner.reset();
  ASSERT_EQ(broker.Stop(), 0);

  std::string out;
  EXPECT_EQ(VerifyOffline(broker.db_path(), &out), 0) << out;
  EXPECT_NE(out.find("pruned through seq " + std::to_string(through)), std::string::npos) << out;
  // Dropping the checkpoint leaves a chain that starts nowhere.
  ExecSql(broker.db_path(), "DELETE FROM audit_checkpoints WHERE chain = 1");
  EXPECT_EQ(VerifyOffline(broker.db_path(), &out), 1) << out;
  EXPECT_NE(out.find("organisation 1: BROKEN at seq 1: seq 1 missing"), std::string::npos) << out;
}

}  // namespace
}  // namespace tether::e2e
