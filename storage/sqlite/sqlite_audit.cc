// The SQLite store's audit chains: append in one transaction per batch (with the chain
// head record), read back and search (the chain's definition is in
// tether/storage/audit_chain.h; verification and retention have files of their own).
#include <climits>
#include <functional>
#include <string>
#include <utility>

#include "sqlite_store.h"
#include "tether/protocol/codec.h"
#include "tether/storage/audit_chain.h"

namespace tether::storage::sqlite {
namespace {

std::int64_t ClampToInt64(std::uint64_t value) {
  return value > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(value);
}

// Unowned: `event` and `details` stay as they are until the row is inserted, and copying
// ten strings per row into SQLite cost more than the insert itself.
void BindAuditRow(Statement& insert, const AuditEvent& event, const std::vector<std::uint8_t>& details) {
  insert.Bind(1, event.chain).Bind(2, static_cast<std::int64_t>(event.seq)).Bind(3, event.time);
  insert.BindUnowned(4, event.actor_kind).BindUnowned(5, event.actor_id).BindBool(6, event.support);
  insert.BindUnowned(7, event.action).BindUnowned(8, event.target).BindUnowned(9, event.session_id);
  insert.BindUnowned(10, event.source).BindUnowned(11, event.outcome).BindUnowned(12, details);
  insert.BindUnowned(13, event.prev_hash).BindUnowned(14, event.hash);
}

// Inside the caller's transaction: the head record of every chain in `tips` (PROTOCOL.md
// §8 "Verification"), so that the newest rows cannot go without the head disagreeing.
Status WriteHeads(sqlite3* db, const SqliteStore::ChainTips& tips) {
  Result<Statement> upsert = Statement::Prepare(
      db, "INSERT INTO audit_heads (chain, seq, hash) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
  if (!upsert.ok()) return upsert.status();
  for (const auto& [chain, tip] : tips) {
    upsert->Bind(1, chain).Bind(2, static_cast<std::int64_t>(tip.seq)).Bind(3, tip.hash);
    if (Status s = upsert->Run(); !s.ok()) {
      return Status::Internal("audit chain " + std::to_string(chain) + " head: " + s.message());
    }
    upsert->Reset();
  }
  return Status::Ok();
}

}  // namespace

const char* const kAuditColumns =
    "chain, seq, time, actor_kind, actor_id, support, action, target, session_id, source, "
    "outcome, details, prev_hash, hash FROM audit_events ";

Result<AuditEvent> ReadAuditRow(const Statement& row) {
  AuditEvent event;
  event.chain = row.Int(0);
  event.seq = static_cast<std::uint64_t>(row.Int(1));
  event.time = row.Int(2);
  event.actor_kind = row.Text(3);
  event.actor_id = row.Text(4);
  event.support = row.Bool(5);
  event.action = row.Text(6);
  event.target = row.Text(7);
  event.session_id = row.Text(8);
  event.source = row.Text(9);
  event.outcome = row.Text(10);
  Result<protocol::Value> details = DecodeBlob(row.Blob(11));
  if (!details.ok()) {
    return Status::Internal("audit chain " + std::to_string(event.chain) + " seq " +
                            std::to_string(event.seq) + ": details unreadable: " +
                            details.status().message());
  }
  event.details = std::move(*details);
  event.prev_hash = row.Text(12);
  event.hash = row.Text(13);
  return event;
}

namespace {

// The first row of `sql` (bound to `chain`) as a tip; seq 0 / "" when there is none.
Result<SqliteStore::ChainTip> SelectTip(sqlite3* db, const char* sql, std::int64_t chain) {
  Result<Statement> select = Statement::Prepare(db, sql);
  if (!select.ok()) return select.status();
  select->Bind(1, chain);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  SqliteStore::ChainTip tip;
  if (*row) {
    tip.seq = static_cast<std::uint64_t>(select->Int(0));
    tip.hash = select->Text(1);
  }
  return tip;
}

}  // namespace

// The head record normally. When it is ahead of the rows (the newest rows were removed),
// the next event still follows the head, so the gap stays visible to verification. When
// the rows are ahead (the head record was removed or rolled back), appending can only
// continue after the newest row.
Result<SqliteStore::ChainTip> SqliteStore::LoadTip(std::int64_t chain) {
  if (auto cached = tips_.find(chain); cached != tips_.end()) return cached->second;
  Result<ChainTip> head = SelectTip(db_.get(), "SELECT seq, hash FROM audit_heads WHERE chain = ?1", chain);
  if (!head.ok()) return head.status();
  Result<ChainTip> newest = SelectTip(
      db_.get(), "SELECT seq, hash FROM audit_events WHERE chain = ?1 ORDER BY seq DESC LIMIT 1", chain);
  if (!newest.ok()) return newest.status();
  return head->seq >= newest->seq ? std::move(*head) : std::move(*newest);
}

Status SqliteStore::InsertAuditBatch(std::vector<AuditEvent>& events, ChainTips& batch_tips) {
  // One hasher and one details buffer for the whole batch: nothing per event is built
  // but what the stored event keeps (its two hashes). Declared before the statement,
  // which holds unowned pointers into `details`, so that they outlive it.
  ChainHasher hasher;
  std::vector<std::uint8_t> details;
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO audit_events (chain, seq, time, actor_kind, actor_id, support, action, target, "
      "session_id, source, outcome, details, prev_hash, hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!insert.ok()) return insert.status();
  for (AuditEvent& event : events) {
    auto tip = batch_tips.find(event.chain);
    if (tip == batch_tips.end()) {
      Result<ChainTip> loaded = LoadTip(event.chain);
      if (!loaded.ok()) return loaded.status();
      tip = batch_tips.emplace(event.chain, std::move(*loaded)).first;
    }
    const auto where = [&event] {
      return "audit chain " + std::to_string(event.chain) + " seq " + std::to_string(event.seq);
    };
    event.seq = tip->second.seq + 1;
    event.prev_hash = tip->second.hash;
    event.hash = hasher.Hash(event.prev_hash, event);
    if (event.hash.empty()) return Status::Internal(where() + ": cannot hash (stored prev_hash malformed?)");
    details.clear();
    protocol::MsgpackWriter(details).Write(event.details);  // EncodeBlob, into a reused buffer
    BindAuditRow(*insert, event, details);
    if (Status s = insert->Run(); !s.ok()) {
      if (IsUniqueViolation(insert->error_code())) {
        return Status::Internal(where() + " is already taken (another process appended to this chain)");
      }
      return Status::Internal(where() + ": " + s.message());
    }
    insert->Reset();
    tip->second.seq = event.seq;
    tip->second.hash.assign(event.hash);  // into the tip's own buffer: no allocation
  }
  return WriteHeads(db_.get(), batch_tips);
}

void SqliteStore::CommitTips(ChainTips& batch_tips) {
  const bool nested = InTransaction();  // only a savepoint was released: see Atomically
  for (auto& [chain, tip] : batch_tips) {
    if (nested) tips_in_open_transaction_.insert(chain);
    tips_[chain] = std::move(tip);
  }
}

void SqliteStore::ForgetTips(const ChainTips& batch_tips) {
  // The transaction rolled back; the database is the truth again, so forget what the
  // cache knew of these chains rather than trust it.
  for (const auto& [chain, tip] : batch_tips) tips_.erase(chain);
}

namespace {

// What appending fills in an event, set aside so that a failed append can give the caller
// its events back untouched (moving two strings, where copying every event would copy
// all of its strings and details).
struct Stamp {
  std::uint64_t seq = 0;
  std::string prev_hash;
  std::string hash;
};

std::vector<Stamp> TakeStamps(std::vector<AuditEvent>& events) {
  std::vector<Stamp> stamps;
  stamps.reserve(events.size());
  for (AuditEvent& event : events) {
    stamps.push_back(Stamp{event.seq, std::move(event.prev_hash), std::move(event.hash)});
  }
  return stamps;
}

void RestoreStamps(std::vector<AuditEvent>& events, std::vector<Stamp>& stamps) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i].seq = stamps[i].seq;
    events[i].prev_hash = std::move(stamps[i].prev_hash);
    events[i].hash = std::move(stamps[i].hash);
  }
}

}  // namespace

Status SqliteStore::AppendAudit(std::vector<AuditEvent>& events) {
  if (events.empty()) return Status::Ok();
  // The caller's events are stamped in place, and given back untouched unless all are durable.
  std::vector<Stamp> stamps = TakeStamps(events);
  ChainTips batch_tips;
  Transaction transaction(db_.get());
  Status status = transaction.Begin();
  if (status.ok()) status = InsertAuditBatch(events, batch_tips);
  if (status.ok()) status = transaction.Commit();
  if (!status.ok()) {
    ForgetTips(batch_tips);
    RestoreStamps(events, stamps);
    return status;
  }
  CommitTips(batch_tips);
  return Status::Ok();
}

Result<std::vector<AuditEvent>> SqliteStore::ReadAudit(std::int64_t chain, std::uint64_t from_seq,
                                                       std::size_t limit) {
  std::vector<AuditEvent> events;
  if (limit == 0) return events;
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kAuditColumns + "WHERE chain = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3");
  if (!select.ok()) return select.status();
  select->Bind(1, chain).Bind(2, ClampToInt64(from_seq)).Bind(3, ClampToInt64(limit));
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return events;
    Result<AuditEvent> event = ReadAuditRow(*select);
    if (!event.ok()) return event.status();
    events.push_back(std::move(*event));
  }
}

// Built from the filters that are set; every value is bound, never spliced into the SQL.
// The action prefix compares with substr() rather than LIKE, so '%' and '_' in it are
// plain characters.
Result<std::vector<AuditEvent>> SqliteStore::QueryAudit(const AuditQuery& query) {
  std::vector<AuditEvent> events;
  if (query.limit == 0) return events;
  std::string sql = std::string("SELECT ") + kAuditColumns + "WHERE chain = ?1";
  std::vector<std::function<void(Statement&, int)>> binds;
  auto add = [&](const std::string& condition, std::function<void(Statement&, int)> bind) {
    int index = static_cast<int>(binds.size()) + 2;
    std::string c = condition;
    std::string numbered = "?" + std::to_string(index);
    for (std::size_t at = c.find('?'); at != std::string::npos; at = c.find('?', at + numbered.size())) {
      c.replace(at, 1, numbered);
    }
    sql += " AND " + c;
    binds.push_back(std::move(bind));
  };
  if (query.from) add("time >= ?", [v = *query.from](Statement& s, int i) { s.Bind(i, v); });
  if (query.to) add("time < ?", [v = *query.to](Statement& s, int i) { s.Bind(i, v); });
  if (query.actor) add("actor_id = ?", [v = *query.actor](Statement& s, int i) { s.Bind(i, v); });
  if (query.support_only) add("support = ?", [](Statement& s, int i) { s.Bind(i, std::int64_t{1}); });
  if (query.session_id) add("session_id = ?", [v = *query.session_id](Statement& s, int i) { s.Bind(i, v); });
  if (query.action_prefix) {
    add("substr(action, 1, length(?)) = ?", [v = *query.action_prefix](Statement& s, int i) { s.Bind(i, v); });
  }
  if (query.outcome) add("outcome = ?", [v = *query.outcome](Statement& s, int i) { s.Bind(i, v); });
  if (query.target) add("target = ?", [v = *query.target](Statement& s, int i) { s.Bind(i, v); });
  if (query.before_seq != 0) {
    add("seq < ?", [v = ClampToInt64(query.before_seq)](Statement& s, int i) { s.Bind(i, v); });
  }
  if (query.after_seq != 0) {
    add("seq > ?", [v = ClampToInt64(query.after_seq)](Statement& s, int i) { s.Bind(i, v); });
  }
  sql += query.oldest_first ? " ORDER BY seq" : " ORDER BY seq DESC";
  sql += " LIMIT ?" + std::to_string(binds.size() + 2);
  Result<Statement> select = Statement::Prepare(db_.get(), sql);
  if (!select.ok()) return select.status();
  select->Bind(1, query.chain);
  for (std::size_t i = 0; i < binds.size(); ++i) binds[i](*select, static_cast<int>(i) + 2);
  select->Bind(static_cast<int>(binds.size()) + 2, ClampToInt64(query.limit));
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return events;
    Result<AuditEvent> event = ReadAuditRow(*select);
    if (!event.ok()) return event.status();
    events.push_back(std::move(*event));
  }
}

}  // namespace tether::storage::sqlite
