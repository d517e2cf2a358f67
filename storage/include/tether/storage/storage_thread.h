// StorageThread: the one thread that owns the Store in the broker (ARCHITECTURE.md
// "Threads"). The event loop never waits on disk: it submits jobs here and gets each
// answer back through `post_to_owner`, which the broker wires to a uv_async so that
// completions run on the loop thread.
//
// Audit appends use group commit: events that arrive while a commit is in flight wait
// and then go together in the next transaction, so thousands of events per second cost
// a few fsyncs. Each event's completion runs only after its transaction committed
// (durable before confirmed).
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
#include <thread>
#include <vector>

#include "tether/storage/store.h"

namespace tether::storage {

class StorageThread {
 public:
  using Task = std::function<void()>;
  // Delivers a completion to the owner's thread (in the broker: the event loop).
  using PostToOwner = std::function<void(Task)>;

  StorageThread(std::unique_ptr<Store> store, PostToOwner post_to_owner);
  ~StorageThread();  // Stop()s
  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  // Runs `job(store)` on the storage thread, then `done(result)` through post_to_owner.
  template <typename R>
  void Submit(std::function<R(Store&)> job, std::function<void(R)> done) {
    Enqueue([job = std::move(job), done = std::move(done), this](Store& store) mutable {
      auto shared = std::make_shared<R>(job(store));
      post_to_owner_([done = std::move(done), shared]() mutable { done(std::move(*shared)); });
    });
  }

  // Appends one audit event in the next group commit; `done` gets the event as stored
  // (seq and hashes filled) or the failure.
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
  std::uint64_t audit_commits() const;
  std::uint64_t audit_events() const;

 private:
  using Job = std::function<void(Store&)>;
  struct PendingAudit {
    AuditEvent event;
    std::function<void(Result<AuditEvent>)> done;
  };

  void Enqueue(Job job);
  void Run();
  void CommitAuditBatch(std::vector<PendingAudit>& batch);

  std::unique_ptr<Store> store_;
  PostToOwner post_to_owner_;

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
