// Verification of an audit chain (PROTOCOL.md §8 "Verification"): every row from the
// retention checkpoint (or seq 1) is re-hashed and linked to the one before, and the end
// of the walk is compared with the chain head record, all in one read snapshot.
#include <optional>
#include <string>
#include <utility>

#include "sqlite_store.h"
#include "tether/storage/audit_chain.h"

namespace tether::storage::sqlite {
namespace {

// A read transaction: the rows, the head and the checkpoint are read from one snapshot
// even while the writer (another connection) commits. Ended when it goes out of scope.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(sqlite3* db) : db_(db) {}
  ~ReadSnapshot() {
    if (open_) (void)Exec(db_, "COMMIT");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  Status Begin() {
    // Already inside a transaction (the storage thread's turn): that is the snapshot.
    if (sqlite3_get_autocommit(db_) == 0) return Status::Ok();
    Status status = Exec(db_, "BEGIN");
    open_ = status.ok();
    return status;
  }

 private:
  sqlite3* db_;  // not owned
  bool open_ = false;
};

struct ChainRecord {
  std::uint64_t seq = 0;
  std::string hash;
};

// The head or checkpoint row of `chain` from `table`, nullopt when it has none.
Result<std::optional<ChainRecord>> ReadChainRecord(sqlite3* db, const std::string& table, std::int64_t chain) {
  Result<Statement> select = Statement::Prepare(db, "SELECT seq, hash FROM " + table + " WHERE chain = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, chain);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ChainRecord>();
  return std::optional<ChainRecord>(ChainRecord{static_cast<std::uint64_t>(select->Int(0)), select->Text(1)});
}

// The end of an intact walk against the head record: rows removed from or added at the
// end, or a rewritten newest row.
RowProblem CheckAgainstHead(std::uint64_t last_seq, const std::string& last_hash,
                            const std::optional<ChainRecord>& head) {
  if (!head) {
    if (last_seq == 0) return {};
    return {last_seq, "chain head record missing (the rows end at seq " + std::to_string(last_seq) + ")"};
  }
  const std::string head_seq = std::to_string(head->seq);
  if (head->seq > last_seq) {
    return {last_seq + 1, "seq " + std::to_string(last_seq + 1) + " missing (the chain head is at seq " + head_seq + ")"};
  }
  if (head->seq < last_seq) {
    return {head->seq + 1, "seq " + std::to_string(head->seq + 1) + " is past the chain head (seq " + head_seq + ")"};
  }
  if (head->hash != last_hash) return {last_seq, "hash mismatch at seq " + head_seq + " (differs from the chain head)"};
  return {};
}

// The checkpoint against the newest audit.pruned event, which was appended in the same
// transaction that moved it: a checkpoint moved on its own (to hide removed rows) disagrees.
RowProblem CheckCheckpoint(const std::optional<ChainRecord>& checkpoint, const std::optional<AuditEvent>& pruned) {
  if (!checkpoint) return {};
  const std::string where = "checkpoint at seq " + std::to_string(checkpoint->seq);
  if (!pruned) return {checkpoint->seq, where + " has no audit.pruned event after it"};
  const protocol::Value* seq = pruned->details.Find("through_seq");
  const protocol::Value* hash = pruned->details.Find("through_hash");
  const bool agrees = seq != nullptr && seq->is_uint() && seq->as_uint() == checkpoint->seq && hash != nullptr &&
                      hash->is_string() && hash->as_string() == checkpoint->hash;
  if (!agrees) {
    return {checkpoint->seq, where + " does not match the newest audit.pruned event (seq " +
                                 std::to_string(pruned->seq) + ")"};
  }
  return {};
}

AuditVerification Broken(AuditVerification result, RowProblem problem) {
  result.ok = false;
  result.first_bad_seq = problem.seq;
  result.problem = std::move(problem.problem);
  return result;
}

}  // namespace

RowProblem CheckAuditRow(const AuditEvent& event, std::uint64_t expected_seq, const std::string& previous_hash) {
  const std::string expected = std::to_string(expected_seq);
  if (event.seq < expected_seq) {  // a row at or below the checkpoint, or seq 0
    return {expected_seq, "unexpected seq " + std::to_string(static_cast<std::int64_t>(event.seq)) +
                              " before seq " + expected};
  }
  if (event.seq > expected_seq) return {expected_seq, "seq " + expected + " missing"};
  if (event.prev_hash != previous_hash) {
    if (expected_seq == 1) return {1, "prev_hash at seq 1 is not empty"};
    return {expected_seq, "prev_hash at seq " + expected + " does not match the hash of seq " +
                              std::to_string(expected_seq - 1)};
  }
  if (ChainHash(event.prev_hash, CanonicalAuditEncoding(event)) != event.hash) {
    return {expected_seq, "hash mismatch at seq " + expected};
  }
  return {};
}

Result<std::vector<std::int64_t>> SqliteStore::AuditChains() {
  // A chain whose every row was deleted still has its head record: it is listed, and fails.
  Result<Statement> select = Statement::Prepare(
      db_.get(),
      "SELECT chain FROM audit_heads UNION SELECT chain FROM audit_checkpoints "
      "UNION SELECT DISTINCT chain FROM audit_events ORDER BY 1");
  if (!select.ok()) return select.status();
  std::vector<std::int64_t> chains;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return chains;
    chains.push_back(select->Int(0));
  }
}

Result<AuditVerification> SqliteStore::VerifyAudit(std::int64_t chain) {
  AuditVerification result;
  result.chain = chain;
  ReadSnapshot snapshot(db_.get());
  if (Status s = snapshot.Begin(); !s.ok()) return s;
  Result<std::optional<ChainRecord>> head = ReadChainRecord(db_.get(), "audit_heads", chain);
  if (!head.ok()) return head.status();
  Result<std::optional<ChainRecord>> checkpoint = ReadChainRecord(db_.get(), "audit_checkpoints", chain);
  if (!checkpoint.ok()) return checkpoint.status();
  if (*head) {
    result.head_seq = (*head)->seq;
    result.head_hash = (*head)->hash;
  }
  if (*checkpoint) {
    result.checkpoint_seq = (*checkpoint)->seq;
    result.checkpoint_hash = (*checkpoint)->hash;
  }

  // One statement walks the whole chain, one row in memory at a time.
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kAuditColumns + "WHERE chain = ?1 ORDER BY seq");
  if (!select.ok()) return select.status();
  select->Bind(1, chain);
  std::string previous_hash = result.checkpoint_hash;  // "" from seq 1
  std::optional<AuditEvent> newest_pruned;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::uint64_t expected_seq = result.checkpoint_seq + result.events_checked + 1;
    Result<AuditEvent> event = ReadAuditRow(*select);
    if (!event.ok()) return Broken(std::move(result), {expected_seq, "details unreadable at seq " + std::to_string(expected_seq)});
    RowProblem problem = CheckAuditRow(*event, expected_seq, previous_hash);
    if (!problem.problem.empty()) return Broken(std::move(result), std::move(problem));
    ++result.events_checked;
    previous_hash = event->hash;
    if (event->action == kAuditPrunedAction) newest_pruned = std::move(*event);
  }
  const std::uint64_t last_seq = result.checkpoint_seq + result.events_checked;
  if (RowProblem p = CheckAgainstHead(last_seq, previous_hash, *head); !p.problem.empty()) {
    return Broken(std::move(result), std::move(p));
  }
  if (RowProblem p = CheckCheckpoint(*checkpoint, newest_pruned); !p.problem.empty()) {
    return Broken(std::move(result), std::move(p));
  }
  return result;
}

}  // namespace tether::storage::sqlite
