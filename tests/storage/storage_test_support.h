// Helpers shared by the storage tests: a temporary directory that cleans up after itself,
// direct SQLite access to a store's file (to tamper with it as an attacker with file
// access would), builders for the records the tests store, and the SqliteStore fixture.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tether/storage/store.h"

namespace tether::storage::testing {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tether-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A second, raw connection to a store's file.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    db_.reset(db);
    sqlite3_busy_timeout(db, 5000);
  }
  // Runs SQL that returns no rows; fails the test on error.
  void Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
  }
  // The first column of the first row as text ("" when there is none).
  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr), SQLITE_OK) << sql;
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, &sqlite3_finalize);
    if (raw == nullptr || sqlite3_step(raw) != SQLITE_ROW) return "";
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    return text != nullptr ? text : "";
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

// Passes when `status` is an error of `code` and, when `message` is given, says exactly
// that. (Status::code() of an ok status is internal, so checking the code alone is not
// enough.) Use as EXPECT_TRUE(IsError(...)).
inline ::testing::AssertionResult IsError(const Status& status, protocol::ErrorCode code,
                                          const std::string& message = "") {
  if (status.ok()) return ::testing::AssertionFailure() << "ok, expected " << protocol::WireName(code);
  if (status.code() != code || (!message.empty() && status.message() != message)) {
    return ::testing::AssertionFailure() << status.ToString() << ", expected " << protocol::WireName(code)
                                         << (message.empty() ? "" : ": " + message);
  }
  return ::testing::AssertionSuccess();
}

inline std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store.value()) : nullptr;
}

// Verification by a store that never appended to `path`: only the file speaks.
inline AuditVerification VerifyFile(const std::string& path, std::int64_t chain) {
  std::unique_ptr<Store> fresh = OpenOrDie(path);
  if (fresh == nullptr) return {};
  Result<AuditVerification> verification = fresh->VerifyAudit(chain);
  EXPECT_TRUE(verification.ok()) << verification.status().ToString();
  return verification.ok() ? *verification : AuditVerification{};
}

inline Organization MakeOrganization(const std::string& slug) {
  Organization org;
  org.slug = slug;
  org.name = "Org " + slug;
  org.plan = "standard";
  org.seats = 5;
  return org;
}

inline User MakeUser(std::int64_t org_id, const std::string& email, const std::string& role_id = "technician") {
  User user;
  user.org_id = org_id;
  user.email = email;
  user.name = "Name of " + email;
  user.role_id = role_id;
  user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  return user;
}

inline Role MakeRole(std::int64_t org_id, const std::string& name) {
  Role role;
  role.org_id = org_id;
  role.name = name;
  role.description = "Description of " + name;
  role.privileges = {"remote_support", "unattended_access"};
  role.created_by = 1;
  return role;
}

inline Group MakeGroup(std::int64_t org_id, const std::string& name, const std::string& department = "") {
  Group group;
  group.org_id = org_id;
  group.name = name;
  group.department = department;
  group.created_by = 1;
  return group;
}

inline Device MakeDevice(std::int64_t org_id, const std::string& id, std::int64_t group_id = 0) {
  Device device;
  device.id = id;
  device.org_id = org_id;
  device.group_id = group_id;
  device.name = "Computer " + id;
  device.os = "linux";
  device.mac = "00:11:22:33:44:55";
  device.secret_hash = std::string(64, 'd');
  device.created_at = 1000;
  device.last_seen = 2000;
  return device;
}

// A deployment key of `group_id` (0: the default group), created at 1000 by user 1.
inline DeployKey MakeDeployKey(std::int64_t org_id, const std::string& key_hash, std::int64_t group_id = 0) {
  DeployKey key;
  key.key_hash = key_hash;
  key.org_id = org_id;
  key.group_id = group_id;
  key.created_by = 1;
  key.created_at = 1000;
  return key;
}

// An open unattended session, active since 2000: every field differs from its default,
// so a column read into the wrong field shows.
inline SessionRecord MakeSession(std::int64_t org_id, const std::string& id, std::int64_t created_at = 1000) {
  SessionRecord session;
  session.id = id;
  session.org_id = org_id;
  session.mode = "unattended";
  session.state = "active";
  session.controller_id = 7;
  session.device_id = "d_0123456789abcdef01234567";
  session.agent_name = "Front desk";
  session.title = "Weekly check";
  session.scheduled_at = 500;
  session.created_at = created_at;
  session.started_at = 2000;
  session.recorded = true;
  return session;
}

// An invitation sent at 1000, expiring at 10000, unused.
inline Invitation MakeInvitation(std::int64_t org_id, const std::string& token_hash, const std::string& email,
                                 const std::string& role_id = "technician") {
  Invitation invitation;
  invitation.token_hash = token_hash;
  invitation.org_id = org_id;
  invitation.kind = "invite";
  invitation.email = email;
  invitation.role_id = role_id;
  invitation.created_by = 1;
  invitation.created_at = 1000;
  invitation.expires_at = 10000;
  return invitation;
}

// A password reset of `user_id`, sent at 1000, expiring at 10000, unused.
inline Invitation MakeReset(std::int64_t org_id, const std::string& token_hash, std::int64_t user_id) {
  Invitation reset = MakeInvitation(org_id, token_hash, "", "");
  reset.kind = "reset";
  reset.user_id = user_id;
  return reset;
}

inline AuditEvent MakeEvent(std::int64_t chain, const std::string& action) {
  AuditEvent event;
  event.chain = chain;
  event.time = 1700000000000;
  event.actor_kind = "user";
  event.actor_id = "42";
  event.action = action;
  event.target = "user:7";
  event.session_id = "s-1";
  event.source = "127.0.0.1";
  event.outcome = "ok";
  event.details = Value::MapOf({{"reason", "test"}, {"n", 1}});
  return event;
}

// The fixture of the SqliteStore.<behaviour> tests, shared by every file of the suite
// (GoogleTest wants one fixture class per suite): an in-memory store, or one on a file
// that a RawDb can open beside it.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(":memory:");
    ASSERT_NE(store_, nullptr);
  }
  // Replaces the in-memory store with one on a file of a fresh directory; returns its path.
  std::string UseFileStore() {
    EXPECT_TRUE(dir_.ok());
    const std::string path = dir_.File("tether.db");
    store_ = OpenOrDie(path);
    return path;
  }
  std::int64_t NewOrganization(const std::string& slug) {
    Result<Organization> org = store_->CreateOrganization(MakeOrganization(slug));
    EXPECT_TRUE(org.ok()) << org.status().ToString();
    return org.ok() ? org->id : 0;
  }
  User NewUser(std::int64_t org_id, const std::string& email, const std::string& role_id = "technician") {
    Result<User> user = store_->CreateUser(MakeUser(org_id, email, role_id));
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return user.ok() ? *user : User{};
  }
  void NewToken(const User& user, const std::string& token_hash) {
    Token token;
    token.token_hash = token_hash;
    token.user_id = user.id;
    token.org_id = user.org_id;
    token.expires_at = 4102444800000;  // 2100
    Status status = store_->CreateToken(token);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  bool Revoked(const std::string& token_hash) {
    Result<Token> token = store_->FindToken(token_hash);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() && token->revoked;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace tether::storage::testing
