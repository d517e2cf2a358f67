// Helpers shared by the storage tests: a temporary directory that cleans up after itself,
// direct SQLite access to a store's file (to tamper with it as an attacker with file
// access would), and builders for the records the tests store.
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

inline std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store.value()) : nullptr;
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

}  // namespace tether::storage::testing
