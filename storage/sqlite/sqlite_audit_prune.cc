// Retention of an audit chain (PROTOCOL.md §8 "Retention"): the oldest events go, the
// checkpoint keeps the last one's hash so that the rest still verifies, and the pruning
// is itself an event of the chain, all in one transaction.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

// The seq the next pruning step removes through: the newest of a run of events that are
// all older than `older_than`, starting after the checkpoint, at most `max_events` long.
// Returns `after` when nothing is old enough. `more` says the bound cut the run short.
Result<std::uint64_t> PruneThrough(sqlite3* db, std::int64_t chain, std::uint64_t after, std::int64_t older_than,
                                   std::size_t max_events, bool* more) {
  // The first event young enough to keep; everything before it goes (the time index).
  Result<Statement> select = Statement::Prepare(
      db, "SELECT (SELECT MIN(seq) FROM audit_events WHERE chain = ?1 AND time >= ?2), "
          "(SELECT MAX(seq) FROM audit_events WHERE chain = ?1)");
  if (!select.ok()) return select.status();
  select->Bind(1, chain).Bind(2, older_than);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (select->IsNull(1)) return after;  // an empty chain
  const std::uint64_t newest = static_cast<std::uint64_t>(select->Int(1));
  const std::uint64_t wanted = select->IsNull(0) ? newest : static_cast<std::uint64_t>(select->Int(0)) - 1;
  if (wanted <= after) return after;
  const std::uint64_t bounded = after + max_events;
  *more = wanted > bounded;
  return *more ? bounded : wanted;
}

// The rows about to go are checked first: pruning must not launder a broken link into a
// checkpoint that the rest of the chain then agrees with.
Result<RowProblem> CheckPrunedRange(sqlite3* db, std::int64_t chain, const std::string& checkpoint_hash,
                                    std::uint64_t after, std::uint64_t through, AuditEvent* last) {
  Result<Statement> select = Statement::Prepare(
      db, std::string("SELECT ") + kAuditColumns + "WHERE chain = ?1 AND seq <= ?2 ORDER BY seq");
  if (!select.ok()) return select.status();
  select->Bind(1, chain).Bind(2, static_cast<std::int64_t>(through));
  std::string previous_hash = checkpoint_hash;
  for (std::uint64_t expected = after + 1; expected <= through; ++expected) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return RowProblem{expected, "seq " + std::to_string(expected) + " missing"};
    Result<AuditEvent> event = ReadAuditRow(*select);
    if (!event.ok()) return RowProblem{expected, "details unreadable at seq " + std::to_string(expected)};
    RowProblem problem = CheckAuditRow(*event, expected, previous_hash);
    if (!problem.problem.empty()) return problem;
    previous_hash = event->hash;
    *last = std::move(*event);
  }
  return RowProblem{};
}

Status DeleteThrough(sqlite3* db, std::int64_t chain, std::uint64_t through) {
  Result<Statement> remove = Statement::Prepare(db, "DELETE FROM audit_events WHERE chain = ?1 AND seq <= ?2");
  if (!remove.ok()) return remove.status();
  remove->Bind(1, chain).Bind(2, static_cast<std::int64_t>(through));
  return remove->Run();
}

Status WriteCheckpoint(sqlite3* db, const AuditEvent& last, std::int64_t pruned_at) {
  Result<Statement> upsert = Statement::Prepare(
      db, "INSERT INTO audit_checkpoints (chain, seq, hash, time, pruned_at) VALUES (?1, ?2, ?3, ?4, ?5) "
          "ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, time = excluded.time, "
          "pruned_at = excluded.pruned_at");
  if (!upsert.ok()) return upsert.status();
  upsert->Bind(1, last.chain).Bind(2, static_cast<std::int64_t>(last.seq)).Bind(3, last.hash);
  upsert->Bind(4, last.time).Bind(5, pruned_at);
  return upsert->Run();
}

// The checkpoint's seq and hash, 0 / "" when the chain was never pruned.
Result<std::pair<std::uint64_t, std::string>> ReadCheckpoint(sqlite3* db, std::int64_t chain) {
  Result<Statement> select = Statement::Prepare(db, "SELECT seq, hash FROM audit_checkpoints WHERE chain = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, chain);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::pair<std::uint64_t, std::string>(0, "");
  return std::pair<std::uint64_t, std::string>(static_cast<std::uint64_t>(select->Int(0)), select->Text(1));
}

}  // namespace

Result<AuditPruning> SqliteStore::PruneAuditStep(std::int64_t chain, std::int64_t older_than, std::size_t max_events,
                                                 AuditEvent record, ChainTips& batch_tips) {
  const std::string where = "audit chain " + std::to_string(chain) + ": not pruned: ";
  AuditPruning pruning;
  Result<std::pair<std::uint64_t, std::string>> checkpoint = ReadCheckpoint(db_.get(), chain);
  if (!checkpoint.ok()) return checkpoint.status();
  const std::uint64_t after = checkpoint->first;
  Result<std::uint64_t> through = PruneThrough(db_.get(), chain, after, older_than, max_events, &pruning.more);
  if (!through.ok()) return through.status();
  if (*through == after) return pruning;

  AuditEvent last;
  Result<RowProblem> problem = CheckPrunedRange(db_.get(), chain, checkpoint->second, after, *through, &last);
  if (!problem.ok()) return problem.status();
  if (!problem->problem.empty()) return Status::Internal(where + problem->problem);
  if (Status s = DeleteThrough(db_.get(), chain, *through); !s.ok()) return Status::Internal(where + s.message());
  if (Status s = WriteCheckpoint(db_.get(), last, record.time); !s.ok()) return Status::Internal(where + s.message());

  pruning.count = *through - after;
  pruning.from_seq = after + 1;
  pruning.through_seq = *through;
  record.chain = chain;
  record.action = kAuditPrunedAction;
  record.details.Set("count", pruning.count);
  record.details.Set("from_seq", pruning.from_seq);
  record.details.Set("through_seq", pruning.through_seq);
  record.details.Set("through_hash", last.hash);
  std::vector<AuditEvent> appended = {std::move(record)};
  if (Status s = InsertAuditBatch(appended, batch_tips); !s.ok()) return s;
  pruning.event = std::move(appended.front());
  return pruning;
}

Result<AuditPruning> SqliteStore::PruneAudit(std::int64_t chain, std::int64_t older_than, std::size_t max_events,
                                             AuditEvent record) {
  if (max_events == 0) return AuditPruning{};
  ChainTips batch_tips;
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<AuditPruning> pruning = PruneAuditStep(chain, older_than, max_events, std::move(record), batch_tips);
  Status status = pruning.ok() ? transaction.Commit() : pruning.status();
  if (!status.ok()) {
    ForgetTips(batch_tips);
    return status;
  }
  CommitTips(batch_tips);
  return pruning;
}

}  // namespace tether::storage::sqlite
