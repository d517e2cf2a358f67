// The storage thread: runs each turn's Store jobs in submission order and its audit
// events as a group commit, in one transaction, and hands every answer back through
// post_to_owner once it is durable (storage_thread.h).
#include "tether/storage/storage_thread.h"

#include <cstdio>
#include <exception>
#include <iterator>
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

StorageThread::StorageThread(std::unique_ptr<Store> store, PostToOwner post_to_owner, Turns turns)
    : store_(std::move(store)), post_to_owner_(std::move(post_to_owner)), turns_(turns) {
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

// Each turn takes everything queued at once. Events arriving while a turn runs queue up
// for the next one, which is what makes a commit's fsync serve many events (and jobs).
void StorageThread::Run() {
  current_storage_thread = this;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty() || !audits_.empty(); });
    if (jobs_.empty() && audits_.empty()) return;  // stopping, and everything is drained
    Turn turn;
    turn.jobs.swap(jobs_);
    std::vector<PendingAudit> audits;
    audits.swap(audits_);
    lock.unlock();
    turn.events.reserve(audits.size());
    turn.audit_dones.reserve(audits.size());
    for (PendingAudit& pending : audits) {
      turn.events.push_back(std::move(pending.event));
      turn.audit_dones.push_back(std::move(pending.done));
    }
    std::vector<Task> completions =
        turns_ == Turns::kOneTransaction ? RunInOneTransaction(turn) : RunJobByJob(turn);
    // One post for the whole turn: one wake-up of the owner, completions in order.
    if (!completions.empty()) {
      post_to_owner_([completions = std::move(completions)]() mutable {
        for (Task& completion : completions) completion();
      });
    }
    lock.lock();
  }
}

std::optional<StorageThread::Task> StorageThread::RunJob(Job& job) {
  // Jobs must not throw; if one does anyway, the thread that holds every pending audit
  // event must survive it. That job's completion is lost, and we say so.
  try {
    return job(*store_);
  } catch (const std::exception& e) {
    LogError("storage job threw; its completion will never run", e.what());
  } catch (...) {
    LogError("storage job threw; its completion will never run", "unknown exception");
  }
  return std::nullopt;
}

std::vector<StorageThread::Task> StorageThread::RunInOneTransaction(Turn& turn) {
  std::vector<Task> completions;
  Status appended = Status::Ok();
  const Status committed = store_->Atomically([&]() -> Status {
    for (Job& job : turn.jobs) {
      std::optional<Task> completion;
      // A savepoint per job: one that throws midway is undone, the others are not.
      (void)store_->Atomically([&]() -> Status {
        completion = RunJob(job);
        return completion ? Status::Ok() : Status::Internal("the job threw");
      });
      if (!store_->InTransaction()) return Status::Internal("the turn's transaction was rolled back by SQLite");
      if (completion) completions.push_back(std::move(*completion));
    }
    // A failed append undoes only its own savepoint: the jobs still commit.
    appended = store_->AppendAudit(turn.events);
    if (!store_->InTransaction()) return Status::Internal("the turn's transaction was rolled back by SQLite");
    return Status::Ok();
  });
  if (!committed.ok()) {
    // Nothing of the turn was written: run it again the old way, every job on its own.
    LogError("a turn's transaction failed; its jobs run again one by one", committed.message().c_str());
    return RunJobByJob(turn);
  }
  std::vector<Task> audited = AuditCompletions(turn, appended);
  completions.insert(completions.end(), std::make_move_iterator(audited.begin()),
                     std::make_move_iterator(audited.end()));
  return completions;
}

std::vector<StorageThread::Task> StorageThread::RunJobByJob(Turn& turn) {
  std::vector<Task> completions;
  for (Job& job : turn.jobs) {
    if (std::optional<Task> completion = RunJob(job)) completions.push_back(std::move(*completion));
  }
  std::vector<Task> audited = AuditCompletions(turn, store_->AppendAudit(turn.events));
  completions.insert(completions.end(), std::make_move_iterator(audited.begin()),
                     std::make_move_iterator(audited.end()));
  return completions;
}

std::vector<StorageThread::Task> StorageThread::AuditCompletions(Turn& turn, const Status& appended) {
  std::vector<Task> completions;
  if (turn.events.empty()) return completions;
  if (appended.ok()) {
    // Counted before any completion is posted, so a completion sees its own commit.
    std::lock_guard lock(mutex_);
    ++audit_commits_;
    audit_events_ += turn.events.size();
  }
  completions.reserve(turn.events.size());
  for (std::size_t i = 0; i < turn.events.size(); ++i) {
    Result<AuditEvent> result = appended.ok() ? Result<AuditEvent>(std::move(turn.events[i])) : Result<AuditEvent>(appended);
    completions.push_back([done = std::move(turn.audit_dones[i]), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }
  return completions;
}

}  // namespace tether::storage
