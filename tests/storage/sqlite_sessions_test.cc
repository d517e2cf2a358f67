// Behaviour of the SQLite store's session records (issue 4): round trips, saving as an
// upsert by id, ending the sessions a crash left open, and migrating a version 2 file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "migrations.h"
#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeDeployKey;
using testing::MakeSession;
using testing::OpenOrDie;
using testing::RawDb;
using testing::TempDir;

using SqliteStore = testing::SqliteStoreTest;

// Every field, so that a column written or read into the wrong field shows.
void ExpectSameSession(const SessionRecord& actual, const SessionRecord& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.org_id, expected.org_id);
  EXPECT_EQ(actual.mode, expected.mode);
  EXPECT_EQ(actual.state, expected.state);
  EXPECT_EQ(actual.controller_id, expected.controller_id);
  EXPECT_EQ(actual.device_id, expected.device_id);
  EXPECT_EQ(actual.agent_name, expected.agent_name);
  EXPECT_EQ(actual.title, expected.title);
  EXPECT_EQ(actual.scheduled_at, expected.scheduled_at);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.started_at, expected.started_at);
  EXPECT_EQ(actual.ended_at, expected.ended_at);
  EXPECT_EQ(actual.end_reason, expected.end_reason);
  EXPECT_EQ(actual.recorded, expected.recorded);
}

// SQLite's EXPLAIN QUERY PLAN of `sql` on the file at `path`: each step's detail and ";".
std::string QueryPlan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return "<cannot open>";
  }
  sqlite3_stmt* statement = nullptr;
  std::string plan;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    plan = std::string("<") + sqlite3_errmsg(db) + ">";
  }
  while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
    const auto* detail = reinterpret_cast<const char*>(sqlite3_column_text(statement, 3));
    plan += detail != nullptr ? detail : "";
    plan += ";";
  }
  sqlite3_finalize(statement);
  sqlite3_close_v2(db);
  return plan;
}

SessionRecord Ended(SessionRecord session, std::int64_t ended_at, const std::string& reason) {
  session.state = "ended";
  session.ended_at = ended_at;
  session.end_reason = reason;
  return session;
}

TEST_F(SqliteStore, SavesAndGetsSession) {
  const std::int64_t org_id = NewOrganization("demo");
  SessionRecord unattended = MakeSession(org_id, "s_unattended");
  SessionRecord attended = MakeSession(org_id, "s_attended");
  attended.mode = "attended";
  attended.state = "ended";
  attended.controller_id = 9;
  attended.device_id = "";
  attended.agent_name = "Customer";
  attended.title = "";
  attended.scheduled_at = 0;
  attended.created_at = 1100;
  attended.started_at = 1200;
  attended.ended_at = 3300;
  attended.end_reason = "controller_ended";
  attended.recorded = false;
  ASSERT_TRUE(store_->SaveSession(unattended).ok());
  ASSERT_TRUE(store_->SaveSession(attended).ok());
  Result<SessionRecord> got_unattended = store_->GetSession("s_unattended");
  ASSERT_TRUE(got_unattended.ok()) << got_unattended.status().ToString();
  ExpectSameSession(*got_unattended, unattended);
  Result<SessionRecord> got_attended = store_->GetSession("s_attended");
  ASSERT_TRUE(got_attended.ok()) << got_attended.status().ToString();
  ExpectSameSession(*got_attended, attended);
}

TEST_F(SqliteStore, MissingSessionIsNotFound) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->SaveSession(MakeSession(org_id, "s_1")).ok());
  EXPECT_TRUE(IsError(store_->GetSession("s_2").status(), ErrorCode::kNotFound, "session 's_2' not found"));
}

TEST_F(SqliteStore, SaveSessionReplacesTheRowWithThatId) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  const std::int64_t org_id = NewOrganization("demo");
  SessionRecord session = MakeSession(org_id, "s_1");
  session.state = "waiting";
  session.started_at = 0;
  ASSERT_TRUE(store_->SaveSession(session).ok());
  session.state = "active";
  session.started_at = 4000;
  session.controller_id = 8;  // after a hand-over
  session.recorded = false;
  ASSERT_TRUE(store_->SaveSession(session).ok());
  Result<SessionRecord> got = store_->GetSession("s_1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSession(*got, session);
  EXPECT_EQ(RawDb(path).QueryText("SELECT COUNT(*) FROM sessions"), "1");
}

TEST_F(SqliteStore, RefusesSessionThatCannotBeKept) {
  EXPECT_TRUE(IsError(store_->SaveSession(MakeSession(99, "s_1")), ErrorCode::kNotFound,
                      "organisation 99 not found"));
  EXPECT_TRUE(IsError(store_->SaveSession(MakeSession(NewOrganization("demo"), "")), ErrorCode::kBadRequest,
                      "session id is empty"));
  EXPECT_TRUE(IsError(store_->GetSession("s_1").status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->GetSession("").status(), ErrorCode::kNotFound));
}

TEST_F(SqliteStore, EndOpenSessionsEndsOnlyOpenOnesAndReturnsThem) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  SessionRecord waiting = MakeSession(org_id, "s_waiting", /*created_at=*/1050);
  waiting.state = "waiting";
  waiting.started_at = 0;
  SessionRecord active = MakeSession(org_id, "s_active", /*created_at=*/1100);
  SessionRecord consent = MakeSession(other_org, "s_consent", /*created_at=*/1200);
  consent.state = "consent";
  const SessionRecord done =
      Ended(MakeSession(org_id, "s_done", /*created_at=*/1000), 1500, "controller_ended");
  for (const SessionRecord& session : {waiting, active, consent, done}) {
    ASSERT_TRUE(store_->SaveSession(session).ok()) << session.id;
  }

  Result<std::vector<SessionRecord>> ended = store_->EndOpenSessions("broker_restart", 9000);
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  // Oldest first (not in id order); every field as stored, but ended.
  const std::vector<SessionRecord> expected = {Ended(waiting, 9000, "broker_restart"),
                                               Ended(active, 9000, "broker_restart"),
                                               Ended(consent, 9000, "broker_restart")};
  ASSERT_EQ(ended->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ExpectSameSession((*ended)[i], expected[i]);
  for (const SessionRecord& session : expected) {
    Result<SessionRecord> stored = store_->GetSession(session.id);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    ExpectSameSession(*stored, session);
  }
  Result<SessionRecord> still_done = store_->GetSession("s_done");
  ASSERT_TRUE(still_done.ok());
  ExpectSameSession(*still_done, done);

  Result<std::vector<SessionRecord>> again = store_->EndOpenSessions("broker_restart", 9500);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(store_->GetSession("s_active")->ended_at, 9000);
}

// ended_at 0 means open: sessions "ended" at time 0 would still be open afterwards.
TEST_F(SqliteStore, ScheduledSessionsOutliveARestartAndAreListedBySchedule) {
  const std::int64_t org_id = NewOrganization("demo");
  SessionRecord later = MakeSession(org_id, "s_later");
  later.state = "scheduled";
  later.scheduled_at = 50'000;
  SessionRecord sooner = MakeSession(org_id, "s_sooner");
  sooner.state = "scheduled";
  sooner.scheduled_at = 20'000;
  SessionRecord active = MakeSession(org_id, "s_active");
  for (const SessionRecord& session : {later, sooner, active}) ASSERT_TRUE(store_->SaveSession(session).ok());
  Result<std::vector<SessionRecord>> ended = store_->EndOpenSessions("broker_restart", 9000);
  ASSERT_TRUE(ended.ok());
  ASSERT_EQ(ended->size(), 1u);
  EXPECT_EQ((*ended)[0].id, "s_active");
  Result<std::vector<SessionRecord>> scheduled = store_->ListScheduledSessions();
  ASSERT_TRUE(scheduled.ok());
  ASSERT_EQ(scheduled->size(), 2u);
  EXPECT_EQ((*scheduled)[0].id, "s_sooner");
  EXPECT_EQ((*scheduled)[1].id, "s_later");
}

TEST_F(SqliteStore, EndOpenSessionsRefusesTimeZeroAndChangesNothing) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->SaveSession(MakeSession(org_id, "s_1")).ok());
  EXPECT_TRUE(IsError(store_->EndOpenSessions("broker_restart", 0).status(), ErrorCode::kBadRequest,
                      "end time 0 is not a time"));
  Result<SessionRecord> got = store_->GetSession("s_1");
  ASSERT_TRUE(got.ok());
  ExpectSameSession(*got, MakeSession(org_id, "s_1"));
}

TEST_F(SqliteStore, SessionTablesHaveTheirIndexes) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.QueryText("SELECT group_concat(name) FROM "
                          "(SELECT name FROM pragma_index_info('sessions_by_org_time') ORDER BY seqno)"),
            "org_id,created_at");
  EXPECT_EQ(raw.QueryText("SELECT partial FROM pragma_index_list('sessions') WHERE name = 'sessions_open'"), "1");
  EXPECT_NE(raw.QueryText("SELECT sql FROM sqlite_master WHERE name = 'sessions_open'").find("WHERE ended_at = 0"),
            std::string::npos);
  // Both statements of EndOpenSessions read through the partial index, not every session.
  for (const char* sql : {"SELECT id FROM sessions WHERE ended_at = 0 ORDER BY created_at, id",
                          "UPDATE sessions SET state = 'ended' WHERE ended_at = 0"}) {
    const std::string plan = QueryPlan(path, sql);
    EXPECT_EQ(plan.rfind("SCAN sessions USING INDEX sessions_open;", 0), 0u) << sql << ": " << plan;
  }
}

// A file left by a build of schema version 2 (made here by running migrations 1 and 2).
TEST_F(SqliteStore, MigratesVersionTwoDatabaseKeepingItsRows) {
  ASSERT_GE(sqlite::CurrentSchemaVersion(), 3);
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("tether.db");
  {
    RawDb raw(path);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    Status migrated = sqlite::MigrateTo(db, 2);
    sqlite3_close_v2(db);
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    ASSERT_EQ(raw.QueryText("PRAGMA user_version"), "2");
    ASSERT_EQ(raw.QueryText("SELECT name FROM sqlite_master WHERE name = 'sessions'"), "");
    raw.Exec("INSERT INTO organizations (id, slug, name, plan, seats, preferences, created_at) "
             "VALUES (1, 'old', 'Old', 'standard', 3, x'80', 5)");
    raw.Exec("INSERT INTO users (id, org_id, email, name, role_id, password_hash, status, hidden, created_at) "
             "VALUES (7, 1, 'old@x', 'Old User', 'admin', 'hash', 'active', 0, 6)");
    raw.Exec("INSERT INTO groups (id, org_id, name, department, created_by, created_at) "
             "VALUES (3, 1, 'Servers', 'IT', 7, 8)");
    raw.Exec("INSERT INTO devices (id, org_id, group_id, name, os, mac, secret_hash, created_at, last_seen) "
             "VALUES ('dev-grouped', 1, 3, 'Box', 'linux', 'aa:bb', 'h1', 9, 10), "
             "('dev-default', 1, NULL, 'Laptop', 'windows', '', 'h2', 11, 12)");
  }
  std::unique_ptr<Store> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawDb(path).QueryText("PRAGMA user_version"), std::to_string(sqlite::CurrentSchemaVersion()));
  Result<User> user = store->GetUser(7);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->email, "old@x");
  Result<Group> group = store->GetGroup(1, 3);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->department, "IT");
  Result<Device> grouped = store->FindDevice("dev-grouped");
  ASSERT_TRUE(grouped.ok()) << grouped.status().ToString();
  EXPECT_EQ(grouped->group_id, 3);
  EXPECT_EQ(grouped->secret_hash, "h1");
  EXPECT_EQ(grouped->last_seen, 10);
  Result<std::vector<Device>> in_default = store->ListDevices(1, 0);
  ASSERT_TRUE(in_default.ok()) << in_default.status().ToString();
  ASSERT_EQ(in_default->size(), 1u);
  EXPECT_EQ((*in_default)[0].id, "dev-default");
  EXPECT_EQ((*in_default)[0].os, "windows");
  // The new tables work on the migrated file, next to the old rows.
  ASSERT_TRUE(store->SaveSession(MakeSession(1, "s_1")).ok());
  EXPECT_TRUE(store->GetSession("s_1").ok());
  ASSERT_TRUE(store->CreateDeployKey(MakeDeployKey(1, std::string(64, 'a'), 3)).ok());
  EXPECT_EQ(store->FindDeployKey(std::string(64, 'a'))->group_id, 3);
  EXPECT_TRUE(IsError(store->DeleteGroup(1, 3), ErrorCode::kConflict, "group 'Servers' holds 1 device"));
}

}  // namespace
}  // namespace tether::storage
