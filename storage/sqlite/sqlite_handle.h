// RAII over the SQLite C API for the SQLite store: a connection, a prepared statement and
// a write transaction. SQLite's error codes stop here and become Status values, so the
// store above never sees a raw return code it could forget to check.
//
// Thread-safety: like the sqlite3* they wrap, used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tether/protocol/status.h"

namespace tether::storage::sqlite {

using protocol::Result;
using protocol::Status;

struct ConnectionCloser {
  // close_v2: a statement someone forgot would otherwise make close fail and leak the db.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
// Owns one SQLite connection.
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

// Status::Internal "sqlite: <what>: <SQLite's message for the last failure on db>".
Status SqliteError(sqlite3* db, std::string_view what);

// Runs one or more statements that return no rows (schema, pragmas, BEGIN/COMMIT).
Status Exec(sqlite3* db, const std::string& sql);

// Extended result codes the store turns into conflict / not_found instead of internal.
inline bool IsUniqueViolation(int code) {
  return code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
}
inline bool IsForeignKeyViolation(int code) { return code == SQLITE_CONSTRAINT_FOREIGNKEY; }

// One prepared statement, finalized (or, from a StatementCache, reset and handed back)
// when it goes out of scope. Ending it promptly matters: a half-stepped SELECT keeps a read
// transaction open, which pins the WAL.
class Statement {
 public:
  // Prepares the first statement of `sql` on `db`, which must outlive the Statement. When
  // a StatementCache is attached to `db`, a free cached statement for the same SQL is
  // handed out instead of parsing it again.
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binding by 1-based index. A failed bind is remembered and reported by the next Step,
  // so call sites can chain binds without checking each one.
  Statement& Bind(int index, std::int64_t value);
  Statement& BindBool(int index, bool value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, std::span<const std::uint8_t> blob);
  Statement& BindNull(int index);
  // As Bind, but SQLite reads the bytes where they are (SQLITE_STATIC) instead of copying
  // them: the caller keeps them alive and unchanged until the statement has been stepped
  // and is rebound or finalized. For loops that insert many rows of many values (audit
  // appends), where the copies cost more than the insert's own work.
  Statement& BindUnowned(int index, std::string_view text);
  Statement& BindUnowned(int index, std::span<const std::uint8_t> blob);

  // Advances one row: true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps to the end of a statement that returns no rows (INSERT, UPDATE, DELETE).
  Status Run();
  // Makes the statement ready to run again (bindings are kept until rebound).
  void Reset();
  // The extended result code of the last failed Step or bind (SQLITE_OK if none failed).
  int error_code() const { return error_code_; }

  // Columns of the current row, 0-based. NULL reads as 0, "" or no bytes.
  std::int64_t Int(int column) const;
  bool Bool(int column) const { return Int(column) != 0; }
  // True when the column of the current row is SQL NULL (which Int/Text/Blob hide).
  bool IsNull(int column) const;
  std::string Text(int column) const;
  std::vector<std::uint8_t> Blob(int column) const;

 private:
  // Finalizes a statement of its own; one lent by a StatementCache is reset, its
  // bindings cleared, and marked free again.
  struct Finalizer {
    bool* cached_in_use = nullptr;
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* cached_in_use = nullptr)
      : db_(db), stmt_(stmt, Finalizer{cached_in_use}) {}
  void NoteBind(int rc);
  // A zero-length text or blob binds as one, never as NULL; `lifetime` is SQLite's.
  Statement& BindText(int index, std::string_view text, sqlite3_destructor_type lifetime);
  Statement& BindBlob(int index, std::span<const std::uint8_t> blob, sqlite3_destructor_type lifetime);

  sqlite3* db_ = nullptr;  // not owned
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int error_code_ = SQLITE_OK;
  std::string bind_error_;  // SQLite's message for the first failed bind
};

// The prepared statements of one connection, kept for reuse: parsing SQL is most of the
// cost of a small query. While it lives, Statement::Prepare on its connection lends out a
// cached statement for the same SQL when one is free, and otherwise prepares one
// (SQLITE_PREPARE_PERSISTENT) and keeps it — up to kMaxStatements distinct SQL texts;
// beyond that, and while the cached one is in use, statements are prepared and finalized
// as without a cache. Destroy it before the connection closes, and after every Statement
// it lent out.
class StatementCache {
 public:
  static constexpr std::size_t kMaxStatements = 256;

  explicit StatementCache(sqlite3* db);  // attaches to `db`
  ~StatementCache();                     // detaches and finalizes what it keeps
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

 private:
  friend class Statement;
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;  // lent to a live Statement
  };
  // The cache attached to `db`, or null.
  static StatementCache* For(sqlite3* db);

  sqlite3* db_;  // not owned
  std::unordered_map<std::string, Entry> entries_;  // nodes never move: Statements point at in_use
};

// A write transaction, rolled back when it goes out of scope uncommitted. BEGIN IMMEDIATE
// takes the write lock up front: a deferred transaction that upgrades from read to write
// can fail with SQLITE_BUSY without the busy timeout ever being consulted.
// Inside another transaction it is a savepoint: its Commit releases the savepoint (the
// outer transaction decides whether anything becomes durable) and going out of scope
// uncommitted rolls back only what was written since its Begin. That is what lets
// Store::Atomically wrap store calls that open transactions of their own.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin();
  Status Commit();

 private:
  sqlite3* db_;  // not owned
  bool open_ = false;
  bool nested_ = false;  // a savepoint inside an outer transaction
};

}  // namespace tether::storage::sqlite
