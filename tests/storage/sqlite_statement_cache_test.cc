// StatementCache: a statement prepared again on a connection with a cache is the kept one,
// reset and with its bindings cleared; one still in use is not lent twice; without a
// cache every Prepare is a statement of its own.
#include <gtest/gtest.h>

#include "sqlite_handle.h"

namespace tether::storage::sqlite {
namespace {

Connection OpenMemory() {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
  return Connection(raw);
}

// The value of `SELECT ?1` after binding `value`, or of an unbound one when nullopt.
std::optional<std::int64_t> SelectBound(Statement& select) {
  Result<bool> row = select.Step();
  EXPECT_TRUE(row.ok() && *row);
  if (select.IsNull(0)) return std::nullopt;
  return select.Int(0);
}

int SqliteStatementsOpen(sqlite3* db) {
  int open = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr; s = sqlite3_next_stmt(db, s)) ++open;
  return open;
}

TEST(StatementCache, ReusesTheStatementResetAndWithoutItsBindings) {
  Connection db = OpenMemory();
  StatementCache cache(db.get());
  {
    Result<Statement> first = Statement::Prepare(db.get(), "SELECT ?1");
    ASSERT_TRUE(first.ok());
    first->Bind(1, std::int64_t{42});
    EXPECT_EQ(SelectBound(*first), 42);  // left half-stepped on purpose
  }
  Result<Statement> again = Statement::Prepare(db.get(), "SELECT ?1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(SelectBound(*again), std::nullopt);  // the old binding is gone
  EXPECT_EQ(SqliteStatementsOpen(db.get()), 1);  // the same statement, not a second one
}

TEST(StatementCache, AStatementInUseIsNotLentTwice) {
  Connection db = OpenMemory();
  StatementCache cache(db.get());
  Result<Statement> outer = Statement::Prepare(db.get(), "SELECT ?1");
  Result<Statement> inner = Statement::Prepare(db.get(), "SELECT ?1");
  ASSERT_TRUE(outer.ok() && inner.ok());
  outer->Bind(1, std::int64_t{1});
  inner->Bind(1, std::int64_t{2});
  EXPECT_EQ(SelectBound(*outer), 1);
  EXPECT_EQ(SelectBound(*inner), 2);
}

TEST(StatementCache, WithoutACacheEveryStatementIsFinalized) {
  Connection db = OpenMemory();
  {
    Result<Statement> select = Statement::Prepare(db.get(), "SELECT 1");
    ASSERT_TRUE(select.ok());
  }
  EXPECT_EQ(SqliteStatementsOpen(db.get()), 0);
}

TEST(StatementCache, AFailedPrepareIsReportedAndNotKept) {
  Connection db = OpenMemory();
  StatementCache cache(db.get());
  Result<Statement> broken = Statement::Prepare(db.get(), "SELEKT 1");
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(SqliteStatementsOpen(db.get()), 0);
}

}  // namespace
}  // namespace tether::storage::sqlite
