// Store::Atomically: a change and the audit event that records it become durable
// together or not at all, a refused inner step undoes only its own writes, and an audit
// append undone with its surrounding transaction leaves no stale chain tip behind.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using testing::MakeEvent;
using testing::MakeGroup;
using testing::OpenOrDie;
using testing::RawDb;

using SqliteStore = testing::SqliteStoreTest;

Status CreateGroupAndAudit(Store& store, std::int64_t org_id, const std::string& name, const std::string& action) {
  if (Result<Group> group = store.CreateGroup(MakeGroup(org_id, name)); !group.ok()) return group.status();
  std::vector<AuditEvent> events{MakeEvent(org_id, action)};
  return store.AppendAudit(events);
}

std::size_t GroupCount(Store& store, std::int64_t org_id) {
  Result<std::vector<Group>> groups = store.ListGroups(org_id);
  EXPECT_TRUE(groups.ok()) << groups.status().ToString();
  return groups.ok() ? groups->size() : 0;
}

std::size_t AuditCount(Store& store, std::int64_t chain) {
  Result<std::vector<AuditEvent>> events = store.ReadAudit(chain, 1, 1000);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  return events.ok() ? events->size() : 0;
}

TEST_F(SqliteStore, AtomicallyCommitsTheChangeAndItsAuditEventTogether) {
  const std::string path = UseFileStore();
  const std::int64_t org = NewOrganization("acme");
  ASSERT_TRUE(store_->Atomically([&] { return CreateGroupAndAudit(*store_, org, "Tills", "group.create"); }).ok());

  std::unique_ptr<Store> reader = OpenOrDie(path);  // what the file holds, not this connection
  EXPECT_EQ(GroupCount(*reader, org), 1u);
  EXPECT_EQ(AuditCount(*reader, org), 1u);
}

TEST_F(SqliteStore, AtomicallyKeepsNothingWhenTheAuditAppendFails) {
  const std::string path = UseFileStore();
  const std::int64_t org = NewOrganization("acme");
  RawDb(path).Exec(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_events WHEN NEW.action = 'boom' "
      "BEGIN SELECT RAISE(ABORT, 'audit disk gone'); END");

  Status status = store_->Atomically([&] { return CreateGroupAndAudit(*store_, org, "Tills", "boom"); });

  EXPECT_FALSE(status.ok());
  EXPECT_EQ(GroupCount(*store_, org), 0u);  // the change went with its record
  EXPECT_EQ(AuditCount(*store_, org), 0u);
  // The chain carries on at seq 1: nothing half-written is left behind.
  ASSERT_TRUE(store_->Atomically([&] { return CreateGroupAndAudit(*store_, org, "Tills", "group.create"); }).ok());
  Result<std::vector<AuditEvent>> events = store_->ReadAudit(org, 1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].seq, 1u);
}

TEST_F(SqliteStore, AtomicallyInnerFailureUndoesOnlyTheInnerWrites) {
  const std::int64_t org = NewOrganization("acme");
  Status outer = store_->Atomically([&] {
    Status inner = store_->Atomically([&]() -> Status {
      if (Result<Group> g = store_->CreateGroup(MakeGroup(org, "Half-made")); !g.ok()) return g.status();
      return Status::PermissionDenied("refused after writing");
    });
    EXPECT_EQ(inner.code(), protocol::ErrorCode::kPermissionDenied);
    std::vector<AuditEvent> refusal{MakeEvent(org, "group.create")};
    return store_->AppendAudit(refusal);
  });

  ASSERT_TRUE(outer.ok()) << outer.ToString();
  EXPECT_EQ(GroupCount(*store_, org), 0u);
  EXPECT_EQ(AuditCount(*store_, org), 1u);  // the refusal is on record
}

TEST_F(SqliteStore, AuditAppendedInsideAnAtomicallyThatRollsBackLeavesTheChainWhole) {
  const std::int64_t org = NewOrganization("acme");
  Status outer = store_->Atomically([&]() -> Status {
    std::vector<AuditEvent> events{MakeEvent(org, "group.create")};
    if (Status s = store_->AppendAudit(events); !s.ok()) return s;  // committed only as a savepoint
    return Status::Internal("the surrounding work failed");
  });
  ASSERT_FALSE(outer.ok());

  // The next append follows what the database holds, not a tip cached inside the undone work.
  std::vector<AuditEvent> events{MakeEvent(org, "group.create")};
  ASSERT_TRUE(store_->AppendAudit(events).ok());
  EXPECT_EQ(events[0].seq, 1u);
  Result<AuditVerification> verified = store_->VerifyAudit(org);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok) << verified->problem;
}

TEST_F(SqliteStore, InTransactionIsTrueOnlyInsideAtomically) {
  EXPECT_FALSE(store_->InTransaction());
  bool inside = false;
  ASSERT_TRUE(store_->Atomically([&] {
    inside = store_->InTransaction();
    return Status::Ok();
  }).ok());
  EXPECT_TRUE(inside);
  EXPECT_FALSE(store_->InTransaction());
}

}  // namespace
}  // namespace tether::storage
