// StorageThread: the one thread that owns the Store in the broker (ARCHITECTURE.md
// "Threads"). The event loop never waits on disk: it submits jobs here and gets each
// answer back through `post_to_owner`, which the broker wires to a uv_async so that
// completions run on the loop thread.
//
// The thread works in turns: each turn takes everything queued — jobs and audit events —
// and, with Turns::kOneTransaction, runs it all in ONE write transaction: the jobs in
// submission order, each in a savepoint of its own (a job that throws leaves nothing
// behind; a store call that fails undoes only its own writes, as it always does), then
// every audit event that was waiting (group commit), then one commit — one fsync for the
// whole turn. Work arriving meanwhile waits for the next turn. The turn holds SQLite's
// write lock while it runs: another process writing the file (tetherctl beside a running
// broker) waits for it, within its busy timeout.
//
// Durable before confirmed: no completion of a turn — job or audit event — is posted
// before the turn's transaction committed, so whatever a completion confirms is on disk.
// The completions of a turn are posted together, jobs' in submission order, then the
// audit events'. If the turn's transaction cannot commit (or SQLite rolled it back
// midway, e.g. on a full disk), nothing of it was written: the jobs that ran in it run
// again, each on its own as with Turns::kJobByJob, and the audit events in a transaction
// of their own. A job must therefore act only through the Store (it may run twice; only
// the last run's result reaches its completion).
//
// Turns::kJobByJob runs each job on its own (its store calls commit as they go) and the
// audit events in one transaction after them: for a read-only store, where a write
// transaction cannot be opened.
//
// Thread-safety: Submit, AppendAudit and Stop may be called from any thread. The
// completions run wherever `post_to_owner` runs them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tether/storage/store.h"

namespace tether::storage {

class StorageThread {
 public:
  using Task = std::function<void()>;
  // Delivers a completion to the owner's thread (in the broker: the event loop).
  using PostToOwner = std::function<void(Task)>;

  enum class Turns { kOneTransaction, kJobByJob };

  StorageThread(std::unique_ptr<Store> store, PostToOwner post_to_owner, Turns turns = Turns::kOneTransaction);
  ~StorageThread();  // Stop()s
  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  // Runs `job(store)` on the storage thread in the next turn, then `done(result)` through
  // post_to_owner once the turn committed.
  template <typename R>
  void Submit(std::function<R(Store&)> job, std::function<void(R)> done) {
    auto shared_done = std::make_shared<std::function<void(R)>>(std::move(done));
    Enqueue([job = std::move(job), shared_done](Store& store) -> Task {
      auto result = std::make_shared<R>(job(store));
      return [shared_done, result] { (*shared_done)(std::move(*result)); };
    });
  }

  // Appends one audit event in the next turn's group commit; `done` gets the event as
  // stored (seq and hashes filled) or the failure.
  void AppendAudit(AuditEvent event, std::function<void(Result<AuditEvent>)> done);

  // Finishes every queued job and audit event, then joins the thread. Idempotent; a
  // second caller waits until the first has joined. post_to_owner must keep working until
  // Stop returns: the drained work still posts its completions.
  // Submit or AppendAudit after Stop is a programming error: the work is dropped with an
  // error log line and its completion never runs (post_to_owner may be gone by then).
  // Called from a job, Stop only marks the thread stopping; the owner still joins it.
  void Stop();

  // How many group commits ran and how many events they held (for /metrics and tests).
  // Only commits that succeeded count; a failed one reaches each event's `done` instead.
  // A turn with audit events is one group commit.
  std::uint64_t audit_commits() const;
  std::uint64_t audit_events() const;

 private:
  // Runs on the storage thread and returns the completion to post after the commit.
  using Job = std::function<Task(Store&)>;
  using AuditDone = std::function<void(Result<AuditEvent>)>;
  struct PendingAudit {
    AuditEvent event;
    AuditDone done;
  };
  // What one turn took from the queues.
  struct Turn {
    std::deque<Job> jobs;
    std::vector<AuditEvent> events;
    std::vector<AuditDone> audit_dones;
  };

  void Enqueue(Job job);
  void Run();
  // Each returns the turn's completions, in the order they are to run.
  std::vector<Task> RunInOneTransaction(Turn& turn);
  std::vector<Task> RunJobByJob(Turn& turn);
  // The job's completion, or nothing when it threw (logged: its completion is lost).
  std::optional<Task> RunJob(Job& job);
  // Completions of the turn's audit events: stored (counted as a group commit) or failed.
  std::vector<Task> AuditCompletions(Turn& turn, const Status& appended);

  std::unique_ptr<Store> store_;
  PostToOwner post_to_owner_;
  Turns turns_;

  mutable std::mutex mutex_;  // guards jobs_, audits_, stopping_ and the two counters
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::vector<PendingAudit> audits_;
  bool stopping_ = false;
  std::uint64_t audit_commits_ = 0;
  std::uint64_t audit_events_ = 0;
  std::once_flag joined_;  // Stop joins exactly once, whoever calls it

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace tether::storage
