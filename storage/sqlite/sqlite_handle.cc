// The SQLite RAII wrappers: every SQLite return code is checked here and becomes a Status.
#include "sqlite_handle.h"

#include <climits>
#include <mutex>

namespace tether::storage::sqlite {

Status SqliteError(sqlite3* db, std::string_view what) {
  std::string message = "sqlite: ";
  message += what;
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Status::Internal(std::move(message));
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = "sqlite: ";
  message += error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return Status::Internal(std::move(message));
}

namespace {

// Which connection has which cache. Locked only to attach, detach and look up: the
// statements themselves are used by the connection's one thread.
std::mutex cache_registry_mutex;
std::unordered_map<sqlite3*, StatementCache*>& CacheRegistry() {
  static auto* registry = new std::unordered_map<sqlite3*, StatementCache*>();  // never destroyed
  return *registry;
}

}  // namespace

StatementCache::StatementCache(sqlite3* db) : db_(db) {
  std::lock_guard lock(cache_registry_mutex);
  CacheRegistry()[db] = this;
}

StatementCache::~StatementCache() {
  {
    std::lock_guard lock(cache_registry_mutex);
    CacheRegistry().erase(db_);
  }
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
}

StatementCache* StatementCache::For(sqlite3* db) {
  std::lock_guard lock(cache_registry_mutex);
  auto it = CacheRegistry().find(db);
  return it == CacheRegistry().end() ? nullptr : it->second;
}

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const noexcept {
  if (cached_in_use == nullptr) {
    sqlite3_finalize(stmt);
    return;
  }
  sqlite3_reset(stmt);  // ends any read it had open
  sqlite3_clear_bindings(stmt);
  *cached_in_use = false;
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) return Status::Internal("sqlite: statement too long");
  StatementCache* cache = StatementCache::For(db);
  StatementCache::Entry* entry = nullptr;
  if (cache != nullptr) {
    auto it = cache->entries_.find(std::string(sql));
    if (it != cache->entries_.end() && !it->second.in_use) {
      it->second.in_use = true;
      return Statement(db, it->second.stmt, &it->second.in_use);
    }
    if (it == cache->entries_.end() && cache->entries_.size() < StatementCache::kMaxStatements) {
      entry = &cache->entries_[std::string(sql)];
    }
  }
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    entry != nullptr ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  if (entry != nullptr && (rc != SQLITE_OK || raw == nullptr)) {
    cache->entries_.erase(std::string(sql));  // keep no failed entry
    entry = nullptr;
  }
  if (entry != nullptr) {
    entry->stmt = raw;
    entry->in_use = true;
    return Statement(db, raw, &entry->in_use);
  }
  Statement statement(db, raw);  // owns raw from here, whatever happened
  if (rc != SQLITE_OK) return SqliteError(db, "prepare");
  if (raw == nullptr) return Status::Internal("sqlite: prepare: empty statement");
  return statement;
}

void Statement::NoteBind(int rc) {
  if (rc == SQLITE_OK || error_code_ != SQLITE_OK) return;
  error_code_ = rc;
  bind_error_ = sqlite3_errmsg(db_);
}

Statement& Statement::Bind(int index, std::int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_.get(), index, value));
  return *this;
}

Statement& Statement::BindBool(int index, bool value) { return Bind(index, std::int64_t{value ? 1 : 0}); }

namespace {

// A zero-length text or blob must still bind as one, not as NULL (which a null pointer
// means to SQLite): give SQLite a non-null pointer.
const char* NonNull(const char* data) {
  static const char kEmpty = 0;
  return data == nullptr ? &kEmpty : data;
}

}  // namespace

// SQLITE_TRANSIENT: SQLite copies now, so the caller's buffer need not outlive the step.
// SQLITE_STATIC (BindUnowned): no copy; the buffer must outlive the statement's use.
Statement& Statement::Bind(int index, std::string_view text) { return BindText(index, text, SQLITE_TRANSIENT); }

Statement& Statement::Bind(int index, std::span<const std::uint8_t> blob) {
  return BindBlob(index, blob, SQLITE_TRANSIENT);
}

Statement& Statement::BindUnowned(int index, std::string_view text) { return BindText(index, text, SQLITE_STATIC); }

Statement& Statement::BindUnowned(int index, std::span<const std::uint8_t> blob) {
  return BindBlob(index, blob, SQLITE_STATIC);
}

Statement& Statement::BindText(int index, std::string_view text, sqlite3_destructor_type lifetime) {
  NoteBind(sqlite3_bind_text64(stmt_.get(), index, NonNull(text.data()), text.size(), lifetime, SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const std::uint8_t> blob, sqlite3_destructor_type lifetime) {
  NoteBind(sqlite3_bind_blob64(stmt_.get(), index, NonNull(reinterpret_cast<const char*>(blob.data())), blob.size(),
                               lifetime));
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBind(sqlite3_bind_null(stmt_.get(), index));
  return *this;
}

Result<bool> Statement::Step() {
  if (error_code_ != SQLITE_OK && !bind_error_.empty()) {
    return Status::Internal("sqlite: bind: " + bind_error_);
  }
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  error_code_ = rc;  // extended: the store enables extended result codes on open
  return SqliteError(db_, "step");
}

Status Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step already reported.
  (void)sqlite3_reset(stmt_.get());
  error_code_ = SQLITE_OK;
  bind_error_.clear();
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

std::vector<std::uint8_t> Statement::Blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  if (data == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column));
  return std::vector<std::uint8_t>(data, data + size);
}

namespace {
constexpr const char* kSavepoint = "tether_nested";
}  // namespace

Transaction::~Transaction() {
  // A failed COMMIT may already have rolled back (e.g. on SQLITE_FULL): only roll back a
  // transaction that is still open, and there is nobody left to report a failure to.
  if (!open_ || sqlite3_get_autocommit(db_) != 0) return;
  if (nested_) {
    (void)Exec(db_, std::string("ROLLBACK TO ") + kSavepoint + "; RELEASE " + kSavepoint);
  } else {
    (void)Exec(db_, "ROLLBACK");
  }
}

Status Transaction::Begin() {
  nested_ = sqlite3_get_autocommit(db_) == 0;
  Status status = Exec(db_, nested_ ? std::string("SAVEPOINT ") + kSavepoint : std::string("BEGIN IMMEDIATE"));
  open_ = status.ok();
  return status;
}

Status Transaction::Commit() {
  Status status = Exec(db_, nested_ ? std::string("RELEASE ") + kSavepoint : std::string("COMMIT"));
  if (status.ok()) open_ = false;
  return status;
}

}  // namespace tether::storage::sqlite
