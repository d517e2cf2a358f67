// What the audit rows alone cannot show, and retention: the chain head record (removed
// newest rows, appends after a truncation), the retention checkpoint (pruning keeps the
// rest verifiable; a moved or removed checkpoint is caught), and the read-only reader
// connection that verification runs on.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/audit_chain.h"

namespace tether::storage {
namespace {

using testing::MakeEvent;
using testing::OpenOrDie;
using testing::RawDb;
using testing::TempDir;

constexpr std::int64_t kDay = 24 * 3600 * 1000;
constexpr std::int64_t kStart = 1700000000000;

class AuditRetention : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    path_ = dir_.File("audit.db");
    store_ = OpenOrDie(path_);
    ASSERT_NE(store_, nullptr);
  }
  // `count` events of chain 1, the i-th at kStart + i days.
  void AppendDaily(int count, int first_day = 0) {
    std::vector<AuditEvent> events;
    for (int i = first_day; i < first_day + count; ++i) {
      AuditEvent event = MakeEvent(1, "action." + std::to_string(i));
      event.time = kStart + i * kDay;
      events.push_back(std::move(event));
    }
    ASSERT_TRUE(store_->AppendAudit(events).ok());
  }
  AuditEvent PruneRecord() {
    AuditEvent record = MakeEvent(1, "");
    record.actor_kind = "system";
    record.actor_id = "";
    record.time = kStart + 1000 * kDay;
    record.details = Value::MapOf({{"retention_days", 30}});
    return record;
  }
  Result<AuditPruning> Prune(std::int64_t older_than, std::size_t max_events = 1000) {
    return store_->PruneAudit(1, older_than, max_events, PruneRecord());
  }
  AuditVerification VerifyFresh() { return testing::VerifyFile(path_, 1); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(AuditRetention, VerifyReportsTheChainHeadAsAnAnchor) {
  AppendDaily(3);
  std::vector<AuditEvent> newest = store_->ReadAudit(1, 3, 1).value();
  AuditVerification verification = VerifyFresh();
  EXPECT_TRUE(verification.ok) << verification.problem;
  EXPECT_EQ(verification.head_seq, 3u);
  EXPECT_EQ(verification.head_hash, newest.at(0).hash);
  EXPECT_EQ(verification.checkpoint_seq, 0u);
}

TEST_F(AuditRetention, VerifyDetectsEveryRowDeleted) {
  AppendDaily(3);
  RawDb(path_).Exec("DELETE FROM audit_events");
  std::unique_ptr<Store> fresh = OpenOrDie(path_);
  EXPECT_EQ(fresh->AuditChains().value(), std::vector<std::int64_t>{1});  // still listed
  AuditVerification verification = VerifyFresh();
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 1u);
  EXPECT_EQ(verification.problem, "seq 1 missing (the chain head is at seq 3)");
}

TEST_F(AuditRetention, VerifyDetectsRewrittenNewestRow) {
  AppendDaily(3);
  AuditEvent forged = store_->ReadAudit(1, 3, 1).value().at(0);
  forged.outcome = "denied";
  const std::string hash = ChainHash(forged.prev_hash, CanonicalAuditEncoding(forged));
  RawDb(path_).Exec("UPDATE audit_events SET outcome = 'denied', hash = '" + hash + "' WHERE seq = 3");
  AuditVerification verification = VerifyFresh();
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 3u);
  EXPECT_EQ(verification.problem, "hash mismatch at seq 3 (differs from the chain head)");
}

TEST_F(AuditRetention, VerifyDetectsRemovedHeadRecord) {
  AppendDaily(2);
  RawDb(path_).Exec("DELETE FROM audit_heads");
  AuditVerification verification = VerifyFresh();
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.problem, "chain head record missing (the rows end at seq 2)");
}

TEST_F(AuditRetention, AppendAfterTruncationKeepsTheGapVisible) {
  AppendDaily(5);
  RawDb(path_).Exec("DELETE FROM audit_events WHERE seq >= 4");
  store_ = OpenOrDie(path_);  // a restarted broker: nothing cached
  AppendDaily(1, 5);
  EXPECT_EQ(store_->ReadAudit(1, 4, 10).value().at(0).seq, 6u);  // follows the head, not the rows
  AuditVerification verification = VerifyFresh();
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.problem, "seq 4 missing");
}

TEST_F(AuditRetention, PruneRemovesOnlyTheOldPrefixAndStillVerifies) {
  AppendDaily(10);
  Result<AuditPruning> pruning = Prune(kStart + 4 * kDay);  // days 0..3 are older
  ASSERT_TRUE(pruning.ok()) << pruning.status().ToString();
  EXPECT_EQ(pruning->count, 4u);
  EXPECT_EQ(pruning->from_seq, 1u);
  EXPECT_EQ(pruning->through_seq, 4u);
  EXPECT_FALSE(pruning->more);
  EXPECT_EQ(pruning->event.action, kAuditPrunedAction);
  EXPECT_EQ(pruning->event.seq, 11u);
  EXPECT_EQ(pruning->event.details.Find("count")->as_uint(), 4u);
  EXPECT_EQ(pruning->event.details.Find("retention_days")->as_uint(), 30u);  // the caller's details stay

  std::vector<AuditEvent> left = store_->ReadAudit(1, 0, 100).value();
  ASSERT_EQ(left.size(), 7u);
  EXPECT_EQ(left.front().seq, 5u);
  EXPECT_EQ(pruning->event.details.Find("through_hash")->as_string(), left.front().prev_hash);
  AuditVerification verification = VerifyFresh();
  EXPECT_TRUE(verification.ok) << verification.problem;
  EXPECT_EQ(verification.events_checked, 7u);
  EXPECT_EQ(verification.checkpoint_seq, 4u);
  EXPECT_EQ(verification.head_seq, 11u);
}

TEST_F(AuditRetention, PruneStopsAtTheFirstNewerEvent) {
  AppendDaily(2);
  std::vector<AuditEvent> late = {MakeEvent(1, "clock.went.back")};
  late[0].time = kStart + 50 * kDay;
  ASSERT_TRUE(store_->AppendAudit(late).ok());
  AppendDaily(2, 2);  // days 2, 3 after an event of day 50
  Result<AuditPruning> pruning = Prune(kStart + 10 * kDay);
  ASSERT_TRUE(pruning.ok());
  EXPECT_EQ(pruning->through_seq, 2u);  // seq 4 and 5 are old too, but seq 3 is not
  EXPECT_TRUE(VerifyFresh().ok);
}

TEST_F(AuditRetention, PruneIsBoundedAndContinuesFromTheCheckpoint) {
  AppendDaily(10);
  Result<AuditPruning> first = Prune(kStart + 100 * kDay, 3);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->through_seq, 3u);
  EXPECT_TRUE(first->more);
  Result<AuditPruning> second = Prune(kStart + 100 * kDay, 100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->from_seq, 4u);
  EXPECT_EQ(second->through_seq, 10u);  // the first step's audit.pruned event (seq 11) is new
  EXPECT_FALSE(second->more);
  AuditVerification verification = VerifyFresh();
  EXPECT_TRUE(verification.ok) << verification.problem;
  EXPECT_EQ(verification.checkpoint_seq, 10u);
  EXPECT_EQ(verification.events_checked, 2u);  // the two audit.pruned events
}

TEST_F(AuditRetention, PruneWithNothingOldWritesNothing) {
  AppendDaily(3);
  Result<AuditPruning> pruning = Prune(kStart);
  ASSERT_TRUE(pruning.ok());
  EXPECT_EQ(pruning->count, 0u);
  EXPECT_EQ(store_->ReadAudit(1, 0, 100).value().size(), 3u);
  EXPECT_EQ(VerifyFresh().checkpoint_seq, 0u);
}

TEST_F(AuditRetention, PruneRefusesToLaunderABrokenRange) {
  AppendDaily(5);
  RawDb(path_).Exec("UPDATE audit_events SET outcome = 'denied' WHERE seq = 2");
  Result<AuditPruning> pruning = Prune(kStart + 4 * kDay);
  ASSERT_FALSE(pruning.ok());
  EXPECT_EQ(pruning.status().message(), "audit chain 1: not pruned: hash mismatch at seq 2");
  EXPECT_EQ(store_->ReadAudit(1, 0, 100).value().size(), 5u);  // rolled back
  EXPECT_EQ(VerifyFresh().first_bad_seq, 2u);
}

TEST_F(AuditRetention, VerifyDetectsACheckpointMovedToHideRows) {
  AppendDaily(10);
  ASSERT_TRUE(Prune(kStart + 4 * kDay).ok());
  // Remove two more rows and move the checkpoint over them, with the right hash.
  AuditEvent sixth = store_->ReadAudit(1, 6, 1).value().at(0);
  RawDb(path_).Exec("DELETE FROM audit_events WHERE seq <= 6; UPDATE audit_checkpoints SET seq = 6, hash = '" +
                    sixth.hash + "'");
  AuditVerification verification = VerifyFresh();
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 6u);
  EXPECT_EQ(verification.problem, "checkpoint at seq 6 does not match the newest audit.pruned event (seq 11)");
}

TEST_F(AuditRetention, VerifyDetectsARemovedCheckpoint) {
  AppendDaily(10);
  ASSERT_TRUE(Prune(kStart + 4 * kDay).ok());
  RawDb(path_).Exec("DELETE FROM audit_checkpoints");
  AuditVerification verification = VerifyFresh();
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 1u);
  EXPECT_EQ(verification.problem, "seq 1 missing");
}

TEST_F(AuditRetention, ReaderSeesCommittedEventsAndRefusesWrites) {
  Result<std::unique_ptr<Store>> reader = OpenSqliteReader(path_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  AppendDaily(3);  // committed by the writer after the reader opened
  Result<AuditVerification> verification = (*reader)->VerifyAudit(1);
  ASSERT_TRUE(verification.ok());
  EXPECT_TRUE(verification->ok);
  EXPECT_EQ(verification->events_checked, 3u);
  std::vector<AuditEvent> events = {MakeEvent(1, "write")};
  EXPECT_FALSE((*reader)->AppendAudit(events).ok());
}

TEST_F(AuditRetention, ReaderRefusesAFileOfAnotherSchemaVersion) {
  RawDb(path_).Exec("PRAGMA user_version = 1");
  Result<std::unique_ptr<Store>> reader = OpenSqliteReader(path_);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("schema version 1"), std::string::npos) << reader.status().message();
}

}  // namespace
}  // namespace tether::storage
