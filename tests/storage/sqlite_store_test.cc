// Behaviour of the SQLite store outside the audit log: opening and migrating a file,
// organisations, users and login tokens.
#include <gtest/gtest.h>

#include "migrations.h"
#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeOrganization;
using testing::MakeUser;
using testing::OpenOrDie;
using testing::RawDb;
using testing::TempDir;

// Named like the suite so that tests read SqliteStore.<behaviour>.
using SqliteStore = testing::SqliteStoreTest;

TEST_F(SqliteStore, MigratesFreshDatabaseToCurrentVersion) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("tether.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.QueryText("PRAGMA user_version"), std::to_string(sqlite::CurrentSchemaVersion()));
  EXPECT_GE(sqlite::CurrentSchemaVersion(), 1);
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
  for (const char* table : {"organizations", "users", "tokens", "audit_events", "roles", "groups", "devices",
                            "invitations", "notifications", "sessions", "deploy_keys"}) {
    EXPECT_EQ(raw.QueryText(std::string("SELECT name FROM sqlite_master WHERE type='table' AND name='") +
                            table + "'"),
              table);
  }
}

// A file left by a build of schema version 1 (made here by running migration 1 only).
TEST_F(SqliteStore, MigratesVersionOneDatabaseKeepingItsRows) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("tether.db");
  {
    RawDb raw(path);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    Status migrated = sqlite::MigrateTo(db, 1);
    sqlite3_close_v2(db);
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    ASSERT_EQ(raw.QueryText("PRAGMA user_version"), "1");
    ASSERT_EQ(raw.QueryText("SELECT name FROM sqlite_master WHERE name = 'roles'"), "");
    raw.Exec("INSERT INTO organizations (id, slug, name, plan, seats, preferences, created_at) "
             "VALUES (1, 'old', 'Old', 'standard', 3, x'80', 5)");
    raw.Exec("INSERT INTO users (id, org_id, email, name, role_id, password_hash, status, hidden, created_at) "
             "VALUES (7, 1, 'old@x', 'Old User', 'admin', 'hash', 'active', 0, 6)");
    raw.Exec("INSERT INTO tokens (token_hash, user_id, org_id, created_at, expires_at) "
             "VALUES ('t1', 7, 1, 6, 9)");
  }
  std::unique_ptr<Store> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawDb(path).QueryText("PRAGMA user_version"), std::to_string(sqlite::CurrentSchemaVersion()));
  Result<User> user = store->GetUser(7);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->email, "old@x");
  EXPECT_EQ(user->name, "Old User");
  EXPECT_EQ(user->role_id, "admin");
  EXPECT_EQ(user->password_hash, "hash");
  EXPECT_EQ(user->created_at, 6);
  EXPECT_TRUE(user->scope.is_nil());  // all groups
  EXPECT_EQ(user->totp_secret, "");
  EXPECT_FALSE(user->totp_enabled);
  EXPECT_TRUE(store->FindToken("t1").ok());
  // The new tables work on the migrated file.
  Result<Group> group = store->CreateGroup(testing::MakeGroup(1, "Servers"));
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_TRUE(store->CreateDevice(testing::MakeDevice(1, "d1", group->id)).ok());
  EXPECT_TRUE(store->CreateRole(testing::MakeRole(1, "Helpdesk")).ok());
}

TEST_F(SqliteStore, MigrateToRefusesAVersionItDoesNotKnow) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EXPECT_TRUE(IsError(sqlite::MigrateTo(db, sqlite::CurrentSchemaVersion() + 1), ErrorCode::kInternal));
  EXPECT_TRUE(IsError(sqlite::MigrateTo(db, 0), ErrorCode::kInternal));
  EXPECT_TRUE(sqlite::MigrateTo(db, 1).ok());
  sqlite3_close_v2(db);
}

TEST_F(SqliteStore, RefusesDatabaseOfANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("tether.db");
  RawDb(path).Exec("PRAGMA user_version = " + std::to_string(sqlite::CurrentSchemaVersion() + 1));
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInternal);
  EXPECT_NE(store.status().message().find("schema version"), std::string::npos) << store.status().message();
}

TEST_F(SqliteStore, ReportsUnopenableFileAsInternal) {
  TempDir dir;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir.File("no-such-dir/tether.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInternal);
  EXPECT_NE(store.status().message().find("sqlite"), std::string::npos);
}

TEST_F(SqliteStore, EnforcesForeignKeys) {
  TempDir dir;
  const std::string path = dir.File("tether.db");
  std::unique_ptr<Store> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  Result<User> user = store->CreateUser(MakeUser(/*org_id=*/99, "a@b.example"));
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(user.status().message(), "organisation 99 not found");
}

TEST_F(SqliteStore, CreatesAndFindsOrganisation) {
  Organization org = MakeOrganization("demo");
  org.preferences = Value::MapOf({{"recording", true}, {"audit_retention_days", 30}});
  Result<Organization> created = store_->CreateOrganization(org);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  EXPECT_GT(created->created_at, 0);

  Result<Organization> by_slug = store_->FindOrganization("demo");
  ASSERT_TRUE(by_slug.ok()) << by_slug.status().ToString();
  EXPECT_EQ(by_slug->id, created->id);
  EXPECT_EQ(by_slug->name, "Org demo");
  EXPECT_EQ(by_slug->plan, "standard");
  EXPECT_EQ(by_slug->seats, 5u);
  EXPECT_EQ(by_slug->preferences, org.preferences);
  EXPECT_EQ(by_slug->created_at, created->created_at);

  Result<Organization> by_id = store_->GetOrganization(created->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->slug, "demo");
}

TEST_F(SqliteStore, RefusesSecondOrganisationWithSameSlug) {
  NewOrganization("demo");
  Result<Organization> again = store_->CreateOrganization(MakeOrganization("demo"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(again.status().message(), "organisation 'demo' already exists");
}

TEST_F(SqliteStore, MissingOrganisationIsNotFound) {
  Result<Organization> by_slug = store_->FindOrganization("nope");
  ASSERT_FALSE(by_slug.ok());
  EXPECT_EQ(by_slug.status().code(), ErrorCode::kNotFound);
  Result<Organization> by_id = store_->GetOrganization(12345);
  ASSERT_FALSE(by_id.ok());
  EXPECT_EQ(by_id.status().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteStore, UpdatesOrganisation) {
  Result<Organization> org = store_->GetOrganization(NewOrganization("demo"));
  ASSERT_TRUE(org.ok());
  org->name = "Renamed";
  org->plan = "enterprise";
  org->seats = 50;
  org->preferences.Set("require_2fa", true);
  ASSERT_TRUE(store_->UpdateOrganization(*org).ok());
  Result<Organization> reread = store_->GetOrganization(org->id);
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(reread->name, "Renamed");
  EXPECT_EQ(reread->plan, "enterprise");
  EXPECT_EQ(reread->seats, 50u);
  EXPECT_EQ(reread->preferences, org->preferences);
}

TEST_F(SqliteStore, UpdateOfMissingOrganisationIsNotFound) {
  Organization ghost = MakeOrganization("ghost");
  ghost.id = 777;
  Status status = store_->UpdateOrganization(ghost);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_FALSE(status.ok());
}

TEST_F(SqliteStore, UpdateToATakenSlugIsConflict) {
  NewOrganization("first");
  Result<Organization> second = store_->GetOrganization(NewOrganization("second"));
  ASSERT_TRUE(second.ok());
  second->slug = "first";
  Status status = store_->UpdateOrganization(*second);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kConflict);
}

TEST_F(SqliteStore, CreatesUserAndGetsItById) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = MakeUser(org_id, "Tech@Example.com", "admin");
  user.hidden = true;
  Result<User> created = store_->CreateUser(user);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->email, "tech@example.com");

  Result<User> got = store_->GetUser(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->org_id, org_id);
  EXPECT_EQ(got->email, "tech@example.com");
  EXPECT_EQ(got->name, user.name);
  EXPECT_EQ(got->role_id, "admin");
  EXPECT_EQ(got->password_hash, user.password_hash);
  EXPECT_EQ(got->status, "active");
  EXPECT_TRUE(got->hidden);
  EXPECT_EQ(got->created_at, created->created_at);

  Result<User> missing = store_->GetUser(created->id + 100);
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteStore, FindsUserByEmailCaseInsensitively) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateUser(MakeUser(org_id, "Alice@Example.COM")).ok());
  Result<User> found = store_->FindUserByEmail(org_id, "aLiCe@example.com");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->email, "alice@example.com");
  Result<User> other = store_->FindUserByEmail(org_id, "bob@example.com");
  EXPECT_EQ(other.status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(other.ok());
}

TEST_F(SqliteStore, RefusesSecondUserWithSameEmailInOrganisation) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateUser(MakeUser(org_id, "a@b")).ok());
  Result<User> again = store_->CreateUser(MakeUser(org_id, "A@B"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(again.status().message(), "user 'a@b' already exists");
}

TEST_F(SqliteStore, SameEmailMayExistInAnotherOrganisation) {
  const std::int64_t first = NewOrganization("first");
  const std::int64_t second = NewOrganization("second");
  ASSERT_TRUE(store_->CreateUser(MakeUser(first, "a@b")).ok());
  Result<User> other = store_->CreateUser(MakeUser(second, "a@b"));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Result<User> found = store_->FindUserByEmail(second, "a@b");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, other->id);
}

TEST_F(SqliteStore, CountsActiveUsersWithRoles) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  ASSERT_TRUE(store_->CreateUser(MakeUser(org_id, "t1@x", "technician")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser(org_id, "t2@x", "technician")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser(org_id, "a1@x", "admin")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser(org_id, "v1@x", "viewer")).ok());
  User disabled = MakeUser(org_id, "gone@x", "technician");
  disabled.status = "disabled";
  ASSERT_TRUE(store_->CreateUser(disabled).ok());
  User support = MakeUser(org_id, "support@vendor", "admin");
  support.hidden = true;  // a support user takes no seat
  ASSERT_TRUE(store_->CreateUser(support).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser(other_org, "t3@x", "technician")).ok());

  auto count = [&](std::vector<std::string> roles) {
    Result<std::uint32_t> n = store_->CountActiveUsersWithRoles(org_id, roles);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 9999u;
  };
  EXPECT_EQ(count({"technician"}), 2u);
  EXPECT_EQ(count({"technician", "admin"}), 3u);
  EXPECT_EQ(count({"super_admin", "admin", "technician", "viewer"}), 4u);
  EXPECT_EQ(count({"nobody"}), 0u);
  EXPECT_EQ(count({}), 0u);
}

TEST_F(SqliteStore, CreatesFindsAndRevokesToken) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<User> user = store_->CreateUser(MakeUser(org_id, "a@b"));
  ASSERT_TRUE(user.ok());
  Token token;
  token.token_hash = std::string(64, 'a');
  token.user_id = user->id;
  token.org_id = org_id;
  token.created_at = 1000;
  token.expires_at = 2000;
  ASSERT_TRUE(store_->CreateToken(token).ok());

  Result<Token> found = store_->FindToken(token.token_hash);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->user_id, user->id);
  EXPECT_EQ(found->org_id, org_id);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->expires_at, 2000);
  EXPECT_FALSE(found->revoked);

  ASSERT_TRUE(store_->RevokeToken(token.token_hash).ok());
  Result<Token> revoked = store_->FindToken(token.token_hash);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->revoked);
}

TEST_F(SqliteStore, UnknownTokenIsNotFound) {
  EXPECT_EQ(store_->FindToken("feed").status().code(), ErrorCode::kNotFound);
  Status revoke = store_->RevokeToken("feed");
  EXPECT_FALSE(revoke.ok());
  EXPECT_EQ(revoke.code(), ErrorCode::kNotFound);
}

TEST_F(SqliteStore, RefusesDuplicateTokenAndTokenOfUnknownUser) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<User> user = store_->CreateUser(MakeUser(org_id, "a@b"));
  ASSERT_TRUE(user.ok());
  Token token;
  token.token_hash = "abcd";
  token.user_id = user->id;
  token.org_id = org_id;
  ASSERT_TRUE(store_->CreateToken(token).ok());
  Status duplicate = store_->CreateToken(token);
  EXPECT_EQ(duplicate.code(), ErrorCode::kConflict);
  EXPECT_FALSE(duplicate.ok());

  token.token_hash = "ef01";
  token.user_id = user->id + 1000;
  Status orphan = store_->CreateToken(token);
  EXPECT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.code(), ErrorCode::kNotFound);
}

TEST_F(SqliteStore, ReopensExistingFileWithoutLosingRows) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("tether.db");
  std::int64_t org_id = 0;
  {
    std::unique_ptr<Store> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    Result<Organization> org = store->CreateOrganization(MakeOrganization("demo"));
    ASSERT_TRUE(org.ok());
    org_id = org->id;
    Result<User> user = store->CreateUser(MakeUser(org_id, "a@b"));
    ASSERT_TRUE(user.ok());
    Token token;
    token.token_hash = "abcd";
    token.user_id = user->id;
    token.org_id = org_id;
    ASSERT_TRUE(store->CreateToken(token).ok());
    std::vector<AuditEvent> events{testing::MakeEvent(org_id, "org.create")};
    ASSERT_TRUE(store->AppendAudit(events).ok());
  }
  std::unique_ptr<Store> reopened = OpenOrDie(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(reopened->FindOrganization("demo").ok());
  EXPECT_TRUE(reopened->FindUserByEmail(org_id, "a@b").ok());
  EXPECT_TRUE(reopened->FindToken("abcd").ok());
  // The chain continues where the previous process left it.
  std::vector<AuditEvent> more{testing::MakeEvent(org_id, "user.invite")};
  ASSERT_TRUE(reopened->AppendAudit(more).ok());
  EXPECT_EQ(more[0].seq, 2u);
  Result<AuditVerification> verification = reopened->VerifyAudit(org_id);
  ASSERT_TRUE(verification.ok());
  EXPECT_TRUE(verification->ok) << verification->problem;
  EXPECT_EQ(verification->events_checked, 2u);
}

}  // namespace
}  // namespace tether::storage
