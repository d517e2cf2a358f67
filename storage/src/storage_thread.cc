// The storage thread: runs Store jobs in submission order and appends audit events in
// group commits, handing every answer back through post_to_owner (storage_thread.h).
#include "tether/storage/storage_thread.h"

#include <cstdio>
#include <exception>
#include <utility>

namespace tether::storage {
namespace {

// One key=value line on stderr, the broker's log format. Used only for misuse and for
// jobs that break their no-throw contract: nothing on the normal path logs here.
void LogError(const char* message, const char* detail = "") {
  std::fprintf(stderr, "level=error component=storage_thread msg=\"%s\" detail=\"%s\"\n", message, detail);
}

// The StorageThread whose Run() is on this thread's stack, if any. Lets Stop() recognise a
// call from one of its own jobs without reading thread_, which a concurrent join() writes.
thread_local const StorageThread* current_storage_thread = nullptr;

}  // namespace

StorageThread::StorageThread(std::unique_ptr<Store> store, PostToOwner post_to_owner)
    : store_(std::move(store)), post_to_owner_(std::move(post_to_owner)) {
  thread_ = std::thread([this] { Run(); });
}

StorageThread::~StorageThread() { Stop(); }

void StorageThread::Enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      // A programming error: the owner must stop submitting before it calls Stop().
      LogError("Submit after Stop: job dropped, its completion will never run");
      return;
    }
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void StorageThread::AppendAudit(AuditEvent event, std::function<void(Result<AuditEvent>)> done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      LogError("AppendAudit after Stop: event dropped, its completion will never run",
               event.action.c_str());
      return;
    }
    audits_.push_back(PendingAudit{std::move(event), std::move(done)});
  }
  wake_.notify_one();
}

void StorageThread::Stop() {
  if (current_storage_thread == this) {
    // From a job: the thread cannot join itself. It stops once the queues are empty; the
    // owner still has to call Stop() (or destroy this) from its own thread to join.
    std::lock_guard lock(mutex_);
    stopping_ = true;
    return;
  }
  std::call_once(joined_, [this] {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  });
}

std::uint64_t StorageThread::audit_commits() const {
  std::lock_guard lock(mutex_);
  return audit_commits_;
}

std::uint64_t StorageThread::audit_events() const {
  std::lock_guard lock(mutex_);
  return audit_events_;
}

// Each turn takes everything queued at once: the jobs run in order, then every audit
// event that was waiting goes into one transaction. Events arriving meanwhile queue up
// for the next turn, which is what makes a commit's fsync serve many events.
void StorageThread::Run() {
  current_storage_thread = this;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty() || !audits_.empty(); });
    if (jobs_.empty() && audits_.empty()) return;  // stopping, and everything is drained
    std::deque<Job> jobs;
    jobs.swap(jobs_);
    std::vector<PendingAudit> audits;
    audits.swap(audits_);
    lock.unlock();
    for (Job& job : jobs) {
      // Jobs must not throw; if one does anyway, the thread that holds every pending
      // audit event must survive it. That job's completion is lost, and we say so.
      try {
        job(*store_);
      } catch (const std::exception& e) {
        LogError("storage job threw; its completion will never run", e.what());
      } catch (...) {
        LogError("storage job threw; its completion will never run", "unknown exception");
      }
    }
    if (!audits.empty()) CommitAuditBatch(audits);
    lock.lock();
  }
}

void StorageThread::CommitAuditBatch(std::vector<PendingAudit>& batch) {
  std::vector<AuditEvent> events;
  events.reserve(batch.size());
  for (PendingAudit& pending : batch) events.push_back(std::move(pending.event));
  const Status status = store_->AppendAudit(events);
  if (status.ok()) {
    // Counted before any completion is posted, so a completion sees its own commit.
    std::lock_guard lock(mutex_);
    ++audit_commits_;
    audit_events_ += events.size();
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Result<AuditEvent> result = status.ok() ? Result<AuditEvent>(std::move(events[i])) : Result<AuditEvent>(status);
    post_to_owner_([done = std::move(batch[i].done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }
}

}  // namespace tether::storage
