// The SQLite store: opening a file (pragmas and migrations), organisations, login tokens
// and the helpers the other sqlite_*.cc files share (blobs, scopes, time, emails).
#include "sqlite_store.h"

#include <openssl/rand.h>

#include <chrono>
#include <climits>
#include <string>
#include <utility>

#include "migrations.h"
#include "tether/protocol/codec.h"

namespace tether::storage::sqlite {
namespace {

// Another process (tetherctl next to a running broker) may hold the write lock briefly.
constexpr int kBusyTimeoutMs = 5000;

Result<std::string> QueryText(sqlite3* db, const char* sql) {
  Result<Statement> statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return statement.status();
  Result<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal(std::string("sqlite: no row from ") + sql);
  return statement->Text(0);
}

// Durability settings of ARCHITECTURE.md: WAL so readers never block the writer, and
// synchronous=FULL so that a committed audit event survives a power cut (WAL's default,
// NORMAL, may lose the last transactions, which would break "durable before confirmed").
Status ConfigureConnection(sqlite3* db) {
  sqlite3_extended_result_codes(db, 1);  // tells UNIQUE from FOREIGN KEY failures
  if (sqlite3_busy_timeout(db, kBusyTimeoutMs) != SQLITE_OK) return SqliteError(db, "busy_timeout");
  Result<std::string> mode = QueryText(db, "PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal" && *mode != "memory") {  // an in-memory database has no journal file
    return Status::Internal("sqlite: could not enable WAL (journal_mode is '" + *mode + "')");
  }
  if (Status s = Exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"); !s.ok()) return s;
  Result<std::string> foreign_keys = QueryText(db, "PRAGMA foreign_keys");
  if (!foreign_keys.ok()) return foreign_keys.status();
  if (*foreign_keys != "1") return Status::Internal("sqlite: foreign keys are not supported by this SQLite");
  return Status::Ok();
}

constexpr const char* kOrganizationColumns =
    "id, slug, name, plan, seats, preferences, created_at FROM organizations ";

Result<Organization> ReadOrganization(const Statement& row) {
  Organization org;
  org.id = row.Int(0);
  org.slug = row.Text(1);
  org.name = row.Text(2);
  org.plan = row.Text(3);
  org.seats = static_cast<std::uint32_t>(row.Int(4));
  Result<protocol::Value> preferences = DecodeBlob(row.Blob(5));
  if (!preferences.ok()) {
    return Status::Internal("organisation " + std::to_string(org.id) +
                            ": stored preferences unreadable: " + preferences.status().message());
  }
  org.preferences = std::move(*preferences);
  org.created_at = row.Int(6);
  return org;
}

// Runs a SELECT of one organisation; `what` names it in the not_found message.
Result<Organization> QueryOrganization(Statement& statement, const std::string& what) {
  Result<bool> row = statement.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("organisation " + what + " not found");
  return ReadOrganization(statement);
}

}  // namespace

std::int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// ASCII only: that is what every mail system folds; the rest of an address is left as given.
std::string LowerCaseEmail(std::string_view email) {
  std::string lower(email);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string CountOf(std::uint32_t n, std::string_view noun) {
  std::string text = std::to_string(n) + " ";
  text += noun;
  if (n != 1) text += "s";
  return text;
}

void BindGroupId(Statement& statement, int index, std::int64_t group_id) {
  if (group_id == 0) {
    statement.BindNull(index);
  } else {
    statement.Bind(index, group_id);
  }
}

Result<std::string> RandomId(std::string_view prefix, std::size_t random_bytes, std::string_view what) {
  std::vector<unsigned char> random(random_bytes);
  if (random_bytes > static_cast<std::size_t>(INT_MAX) ||
      RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Status::Internal(std::string(what) + ": no random bytes (RAND_bytes failed)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  for (unsigned char byte : random) {
    id += kHex[byte >> 4];
    id += kHex[byte & 0x0f];
  }
  return id;
}

std::vector<std::uint8_t> EncodeBlob(const protocol::Value& value) { return protocol::Encode(value); }

Result<protocol::Value> DecodeBlob(std::span<const std::uint8_t> blob) {
  // Every element takes at least one byte, so the blob's size bounds every count without
  // ever refusing what Encode wrote, and a damaged header cannot make msgpack reserve more.
  const std::size_t bound = blob.size() > 0 ? blob.size() : 1;
  protocol::DecodeLimits limits;
  limits.max_depth = 64;
  limits.max_array_elements = bound;
  limits.max_map_entries = bound;
  limits.max_string_bytes = bound;
  limits.max_binary_bytes = bound;
  return protocol::Decode(blob, limits);
}

void BindScope(Statement& statement, int index, const protocol::Value& scope) {
  if (scope.is_nil()) {
    statement.BindNull(index);
  } else {
    statement.Bind(index, EncodeBlob(scope));
  }
}

Result<protocol::Value> ReadScope(const Statement& row, int column, const std::string& what) {
  if (row.IsNull(column)) return protocol::Value();
  Result<protocol::Value> scope = DecodeBlob(row.Blob(column));
  if (!scope.ok()) return Status::Internal(what + ": stored scope unreadable: " + scope.status().message());
  return scope;
}

Result<Organization> SqliteStore::CreateOrganization(Organization org) {
  if (org.created_at == 0) org.created_at = NowMs();
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO organizations (slug, name, plan, seats, preferences, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.status();
  const std::vector<std::uint8_t> preferences = EncodeBlob(org.preferences);
  insert->Bind(1, org.slug).Bind(2, org.name).Bind(3, org.plan);
  insert->Bind(4, std::int64_t{org.seats}).Bind(5, preferences).Bind(6, org.created_at);
  if (Status s = insert->Run(); !s.ok()) {
    if (IsUniqueViolation(insert->error_code())) {
      return Status::Conflict("organisation '" + org.slug + "' already exists");
    }
    return s;
  }
  org.id = sqlite3_last_insert_rowid(db_.get());
  return org;
}

Result<Organization> SqliteStore::FindOrganization(std::string_view slug) {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kOrganizationColumns + "WHERE slug = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, slug);
  return QueryOrganization(*select, "'" + std::string(slug) + "'");
}

Result<Organization> SqliteStore::GetOrganization(std::int64_t org_id) {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kOrganizationColumns + "WHERE id = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, org_id);
  return QueryOrganization(*select, std::to_string(org_id));
}

Status SqliteStore::UpdateOrganization(const Organization& org) {
  Result<Statement> update = Statement::Prepare(
      db_.get(),
      "UPDATE organizations SET slug = ?2, name = ?3, plan = ?4, seats = ?5, preferences = ?6 "
      "WHERE id = ?1");
  if (!update.ok()) return update.status();
  const std::vector<std::uint8_t> preferences = EncodeBlob(org.preferences);
  update->Bind(1, org.id).Bind(2, org.slug).Bind(3, org.name).Bind(4, org.plan);
  update->Bind(5, std::int64_t{org.seats}).Bind(6, preferences);
  if (Status s = update->Run(); !s.ok()) {
    if (IsUniqueViolation(update->error_code())) {
      return Status::Conflict("organisation '" + org.slug + "' already exists");
    }
    return s;
  }
  if (sqlite3_changes(db_.get()) == 0) {
    return Status::NotFound("organisation " + std::to_string(org.id) + " not found");
  }
  return Status::Ok();
}

Status SqliteStore::CreateToken(const Token& token) {
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO tokens (token_hash, user_id, org_id, created_at, expires_at, revoked) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.status();
  const std::int64_t created_at = token.created_at != 0 ? token.created_at : NowMs();
  insert->Bind(1, token.token_hash).Bind(2, token.user_id).Bind(3, token.org_id);
  insert->Bind(4, created_at).Bind(5, token.expires_at).BindBool(6, token.revoked);
  if (Status s = insert->Run(); !s.ok()) {
    // The hash is not secret, but it is no use to anyone reading the message either.
    if (IsUniqueViolation(insert->error_code())) return Status::Conflict("token already exists");
    if (IsForeignKeyViolation(insert->error_code())) {
      return Status::NotFound("user " + std::to_string(token.user_id) + " not found");
    }
    return s;
  }
  return Status::Ok();
}

Result<Token> SqliteStore::FindToken(std::string_view token_hash) {
  Result<Statement> select = Statement::Prepare(
      db_.get(),
      "SELECT token_hash, user_id, org_id, created_at, expires_at, revoked FROM tokens "
      "WHERE token_hash = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, token_hash);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("token not found");
  Token token;
  token.token_hash = select->Text(0);
  token.user_id = select->Int(1);
  token.org_id = select->Int(2);
  token.created_at = select->Int(3);
  token.expires_at = select->Int(4);
  token.revoked = select->Bool(5);
  return token;
}

Status SqliteStore::Atomically(const std::function<Status()>& work) {
  const bool outermost = !InTransaction();
  Status status = [&] {
    Transaction transaction(db_.get());
    if (Status s = transaction.Begin(); !s.ok()) return s;
    if (Status s = work(); !s.ok()) return s;  // rolled back as `transaction` goes
    return transaction.Commit();
  }();
  if (outermost) {
    // Audit tips cached inside the transaction are the database's now, or never were.
    if (!status.ok()) {
      for (std::int64_t chain : tips_in_open_transaction_) tips_.erase(chain);
    }
    tips_in_open_transaction_.clear();
  }
  return status;
}

bool SqliteStore::InTransaction() { return sqlite3_get_autocommit(db_.get()) == 0; }

Status SqliteStore::RevokeToken(std::string_view token_hash) {
  Result<Statement> update =
      Statement::Prepare(db_.get(), "UPDATE tokens SET revoked = 1 WHERE token_hash = ?1");
  if (!update.ok()) return update.status();
  update->Bind(1, token_hash);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return Status::NotFound("token not found");
  return Status::Ok();
}

}  // namespace tether::storage::sqlite

namespace tether::storage {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  sqlite::Connection db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) return sqlite::SqliteError(raw, "open '" + path + "'");
  if (Status s = sqlite::ConfigureConnection(db.get()); !s.ok()) return s;
  if (Status s = sqlite::Migrate(db.get()); !s.ok()) return s;
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(std::move(db)));
}

Result<std::unique_ptr<Store>> OpenSqliteReader(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite::Connection db(raw);
  if (rc != SQLITE_OK) return sqlite::SqliteError(raw, "open '" + path + "' read-only");
  sqlite3_extended_result_codes(db.get(), 1);
  // The writer checkpoints the WAL now and then; a reader waits for it rather than fail.
  if (sqlite3_busy_timeout(db.get(), sqlite::kBusyTimeoutMs) != SQLITE_OK) {
    return sqlite::SqliteError(db.get(), "busy_timeout");
  }
  // No migration here: the writer migrated on open. A reader of another version would
  // misread the schema, so it refuses.
  Result<std::string> version = sqlite::QueryText(db.get(), "PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version != std::to_string(sqlite::CurrentSchemaVersion())) {
    return Status::Internal("sqlite: '" + path + "' has schema version " + *version + ", this build reads " +
                            std::to_string(sqlite::CurrentSchemaVersion()));
  }
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(std::move(db)));
}

}  // namespace tether::storage
