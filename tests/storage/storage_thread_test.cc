// The storage thread: jobs in order, completions on the owner's thread, audit group
// commit, one transaction per turn (a failing job undoes only itself), durable-before-
// confirmed for jobs and audit events, and a Stop that finishes queued work.
#include "tether/storage/storage_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <stdexcept>

#include "storage_test_support.h"

namespace tether::storage {
namespace {

using testing::MakeEvent;
using testing::MakeOrganization;
using testing::OpenOrDie;
using testing::RawDb;
using testing::TempDir;

// Stands in for the broker's event loop: one thread running posted tasks in order. Tasks
// run under the loop's lock, so WaitUntil can read what they write without a race.
class OwnerLoop {
 public:
  OwnerLoop() { thread_ = std::thread([this] { Run(); }); }
  ~OwnerLoop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  StorageThread::PostToOwner Poster() {
    return [this](StorageThread::Task task) {
      {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
      }
      changed_.notify_all();
    };
  }
  std::thread::id thread_id() const { return thread_.get_id(); }

  // Waits up to 10 s for `condition`, evaluated under the lock the tasks run under.
  bool WaitUntil(const std::function<bool()>& condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), condition);
  }

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      StorageThread::Task task = std::move(tasks_.front());
      tasks_.pop_front();
      task();
      changed_.notify_all();
    }
  }

  std::mutex mutex_;  // guards tasks_, stop_, and whatever the tasks touch
  std::condition_variable changed_;
  std::deque<StorageThread::Task> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

// A job that holds the storage thread until released, so that work queues up behind it.
class Blocker {
 public:
  void SubmitTo(StorageThread& storage) {
    storage.Submit<int>(
        [this](Store&) {
          started_.set_value();
          release_future_.wait();
          return 0;
        },
        [](int) {});
    started_.get_future().wait();
  }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
  std::shared_future<void> release_future_ = release_.get_future().share();
};

// A storage thread on a database file (another connection sees what it committed) and a
// Blocker: what a test queues between Hold() and Release() runs in one turn.
struct FileThread {
  void Hold() { blocker.SubmitTo(storage); }
  void Release() { blocker.Release(); }

  TempDir dir;
  const std::string path = dir.File("tether.db");
  OwnerLoop loop;
  StorageThread storage{OpenOrDie(path), loop.Poster()};
  Blocker blocker;
};

std::string CountOrganizations(const std::string& path, const std::string& slug) {
  return RawDb(path).QueryText("SELECT COUNT(*) FROM organizations WHERE slug = '" + slug + "'");
}

TEST(StorageThread, RunsJobAndDeliversItsResult) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  std::optional<Result<Organization>> result;
  storage.Submit<Result<Organization>>(
      [](Store& store) { return store.CreateOrganization(MakeOrganization("demo")); },
      [&](Result<Organization> r) { result = std::move(r); });
  ASSERT_TRUE(loop.WaitUntil([&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->slug, "demo");
  EXPECT_GT((*result)->id, 0);
}

TEST(StorageThread, CompletionsRunOnOwnerThread) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  std::thread::id job_thread, job_done_thread, audit_done_thread;
  int completions = 0;
  storage.Submit<int>(
      [&](Store&) {
        job_thread = std::this_thread::get_id();
        return 1;
      },
      [&](int) {
        job_done_thread = std::this_thread::get_id();
        ++completions;
      });
  storage.AppendAudit(MakeEvent(1, "a"), [&](Result<AuditEvent>) {
    audit_done_thread = std::this_thread::get_id();
    ++completions;
  });
  ASSERT_TRUE(loop.WaitUntil([&] { return completions == 2; }));
  EXPECT_EQ(job_done_thread, loop.thread_id());
  EXPECT_EQ(audit_done_thread, loop.thread_id());
  EXPECT_NE(job_thread, loop.thread_id());
  EXPECT_NE(job_thread, std::this_thread::get_id());
}

TEST(StorageThread, RunsJobsInSubmissionOrder) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  std::vector<int> ran;        // written by jobs on the storage thread only
  std::vector<int> completed;  // written by completions on the loop thread only
  for (int i = 0; i < 50; ++i) {
    storage.Submit<int>(
        [&ran, i](Store&) {
          ran.push_back(i);
          return i;
        },
        [&completed](int i) { completed.push_back(i); });
  }
  ASSERT_TRUE(loop.WaitUntil([&] { return completed.size() == 50; }));
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(ran[i], i);
    EXPECT_EQ(completed[i], i);
  }
}

TEST(StorageThread, GroupsAuditsArrivingDuringACommit) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  Blocker blocker;
  blocker.SubmitTo(storage);  // the storage thread is busy from here on
  constexpr int kEvents = 100;
  std::vector<std::uint64_t> seqs(kEvents, 0);
  int completions = 0;
  for (int i = 0; i < kEvents; ++i) {
    AuditEvent event = MakeEvent(1, "session.input");
    event.details.Set("i", i);
    storage.AppendAudit(std::move(event), [&, i](Result<AuditEvent> stored) {
      ++completions;
      ASSERT_TRUE(stored.ok()) << stored.status().ToString();
      ASSERT_NE(stored->details.Find("i"), nullptr);
      EXPECT_EQ(*stored->details.Find("i"), Value(i));
      seqs[i] = stored->seq;
    });
  }
  blocker.Release();
  ASSERT_TRUE(loop.WaitUntil([&] { return completions == kEvents; }));
  EXPECT_EQ(storage.audit_events(), std::uint64_t{kEvents});
  EXPECT_LT(storage.audit_commits(), storage.audit_events());
  EXPECT_EQ(storage.audit_commits(), 1u);  // all 100 queued behind one job: one transaction
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(seqs[i], static_cast<std::uint64_t>(i + 1)) << i;
}

TEST(StorageThread, AuditCompletionRunsAfterTheEventIsCommitted) {
  TempDir dir;
  const std::string path = dir.File("tether.db");
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(path), loop.Poster());
  std::string rows_seen_by_another_connection;
  bool done = false;
  storage.AppendAudit(MakeEvent(3, "auth.login"), [&](Result<AuditEvent> stored) {
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    rows_seen_by_another_connection =
        RawDb(path).QueryText("SELECT COUNT(*) FROM audit_events WHERE chain = 3 AND seq = " +
                              std::to_string(stored->seq));
    done = true;
  });
  ASSERT_TRUE(loop.WaitUntil([&] { return done; }));
  EXPECT_EQ(rows_seen_by_another_connection, "1");
}

// The batch fails as a whole, and alone: a job of the same turn still commits.
TEST(StorageThread, FailedAuditAppendFailsEveryEventOfTheBatchButNotTheTurnsJobs) {
  FileThread t;
  auto& [dir, path, loop, storage, blocker] = t;
  RawDb(path).Exec(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_events WHEN NEW.action = 'boom' "
      "BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
  t.Hold();
  std::optional<Status> job_status;
  storage.Submit<Status>([](Store& store) { return store.CreateOrganization(MakeOrganization("kept")).status(); },
                         [&](Status s) { job_status = s; });
  std::vector<Status> statuses;
  for (const char* action : {"fine", "boom", "fine"}) {
    storage.AppendAudit(MakeEvent(1, action), [&](Result<AuditEvent> stored) { statuses.push_back(stored.status()); });
  }
  blocker.Release();
  ASSERT_TRUE(loop.WaitUntil([&] { return job_status.has_value() && statuses.size() == 3; }));
  for (const Status& status : statuses) {
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.code(), protocol::ErrorCode::kInternal);
  }
  EXPECT_TRUE(job_status->ok()) << job_status->ToString();
  EXPECT_EQ(CountOrganizations(path, "kept"), "1");
  EXPECT_EQ(storage.audit_commits(), 0u);
  EXPECT_EQ(storage.audit_events(), 0u);

  std::optional<std::uint64_t> next_seq;
  storage.AppendAudit(MakeEvent(1, "fine"), [&](Result<AuditEvent> stored) {
    next_seq = stored.ok() ? stored->seq : 0;
  });
  ASSERT_TRUE(loop.WaitUntil([&] { return next_seq.has_value(); }));
  EXPECT_EQ(*next_seq, 1u);  // nothing of the failed batch was kept
}

TEST(StorageThread, StopDrainsQueuedWork) {
  TempDir dir;
  const std::string path = dir.File("tether.db");
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(path), loop.Poster());
  Blocker blocker;
  blocker.SubmitTo(storage);
  int completions = 0;
  for (int i = 0; i < 10; ++i) {
    storage.Submit<int>([](Store&) { return 0; }, [&](int) { ++completions; });
    storage.AppendAudit(MakeEvent(1, "queued"), [&](Result<AuditEvent> stored) {
      EXPECT_TRUE(stored.ok());
      ++completions;
    });
  }
  std::thread stopper([&] { storage.Stop(); });
  blocker.Release();
  stopper.join();  // Stop returned: everything queued has run and posted its completion
  EXPECT_EQ(storage.audit_events(), 10u);
  storage.Stop();  // idempotent
  ASSERT_TRUE(loop.WaitUntil([&] { return completions == 20; }));
  std::unique_ptr<Store> reader = OpenOrDie(path);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->ReadAudit(1, 0, 100)->size(), 10u);
}

TEST(StorageThread, WorkSubmittedAfterStopIsDropped) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  storage.Stop();
  bool job_ran = false;
  bool completion_ran = false;
  storage.Submit<int>(
      [&](Store&) {
        job_ran = true;
        return 0;
      },
      [&](int) { completion_ran = true; });
  storage.AppendAudit(MakeEvent(1, "late"), [&](Result<AuditEvent>) { completion_ran = true; });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bool completion_seen = true;
  loop.WaitUntil([&] {  // read under the loop's lock
    completion_seen = completion_ran;
    return true;
  });
  EXPECT_FALSE(job_ran);
  EXPECT_FALSE(completion_seen);
}

TEST(StorageThread, StopCalledFromAJobDoesNotDeadlock) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  bool done = false;
  storage.Submit<int>(
      [&](Store&) {
        storage.Stop();  // cannot join itself: only marks the thread stopping
        return 1;
      },
      [&](int) { done = true; });
  ASSERT_TRUE(loop.WaitUntil([&] { return done; }));
  storage.Stop();  // the owner joins
}

TEST(StorageThread, JobThatThrowsDoesNotStopTheThread) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  bool later_done = false;
  storage.Submit<int>([](Store&) -> int { throw std::runtime_error("job broke its contract"); },
                      [](int) {});
  storage.Submit<int>([](Store&) { return 7; }, [&](int) { later_done = true; });
  EXPECT_TRUE(loop.WaitUntil([&] { return later_done; }));
}

// Whether a job submitted to a thread with these turns runs inside a transaction.
bool JobRunsInATransaction(StorageThread::Turns turns) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster(), turns);
  std::optional<bool> inside;
  storage.Submit<bool>([](Store& store) { return store.InTransaction(); }, [&](bool b) { inside = b; });
  EXPECT_TRUE(loop.WaitUntil([&] { return inside.has_value(); }));
  return inside.value_or(false);
}

TEST(StorageThread, JobsRunInsideTheTurnsTransactionUnlessTurnsAreJobByJob) {
  EXPECT_TRUE(JobRunsInATransaction(StorageThread::Turns::kOneTransaction));
  EXPECT_FALSE(JobRunsInATransaction(StorageThread::Turns::kJobByJob));
}

TEST(StorageThread, CompletionsOfATurnRunJobsFirstThenAuditEventsEachInOrder) {
  OwnerLoop loop;
  StorageThread storage(OpenOrDie(":memory:"), loop.Poster());
  Blocker blocker;
  blocker.SubmitTo(storage);
  std::vector<std::string> completed;
  for (const char* name : {"1", "2"}) {
    storage.Submit<int>([](Store&) { return 0; }, [&completed, name](int) { completed.push_back(std::string("job") + name); });
    storage.AppendAudit(MakeEvent(1, name), [&completed, name](Result<AuditEvent>) {
      completed.push_back(std::string("audit") + name);
    });
  }
  blocker.Release();
  ASSERT_TRUE(loop.WaitUntil([&] { return completed.size() == 4; }));
  EXPECT_EQ(completed, (std::vector<std::string>{"job1", "job2", "audit1", "audit2"}));
  EXPECT_EQ(storage.audit_commits(), 1u);
}

// A later job of the same turn holds the commit back for a while: a completion posted
// before the commit would run meanwhile and not find its row in the file.
TEST(StorageThread, JobCompletionRunsOnlyAfterTheTurnCommitted) {
  FileThread t;
  auto& [dir, path, loop, storage, blocker] = t;
  t.Hold();
  std::promise<void> first_completed;
  std::string rows_seen_by_another_connection;
  storage.Submit<Result<Organization>>(
      [](Store& store) { return store.CreateOrganization(MakeOrganization("first")); },
      // The path by value: a lambda may not capture a structured binding (clang, C++20).
      [&, file = path](Result<Organization>) {
        rows_seen_by_another_connection = CountOrganizations(file, "first");
        first_completed.set_value();
      });
  storage.Submit<int>(
      [future = first_completed.get_future().share()](Store&) {
        (void)future.wait_for(std::chrono::milliseconds(100));  // time for a wrong early post to show
        return 0;
      },
      [](int) {});
  blocker.Release();
  ASSERT_TRUE(loop.WaitUntil([&] { return !rows_seen_by_another_connection.empty(); }));
  EXPECT_EQ(rows_seen_by_another_connection, "1");
}

TEST(StorageThread, AFailingJobUndoesOnlyItsOwnWrites) {
  FileThread t;
  auto& [dir, path, loop, storage, blocker] = t;
  t.Hold();
  int completions = 0;
  std::optional<Status> duplicate;
  auto create = [](const char* slug) {
    return [slug](Store& store) { return store.CreateOrganization(MakeOrganization(slug)).status(); };
  };
  storage.Submit<Status>(create("before"), [&](Status) { ++completions; });
  storage.Submit<Status>(create("before"), [&](Status s) {  // refused by the store: conflict
    duplicate = s;
    ++completions;
  });
  storage.Submit<int>(
      [](Store& store) -> int {
        (void)store.CreateOrganization(MakeOrganization("thrower"));
        throw std::runtime_error("job broke its contract after writing");
      },
      [](int) {});
  storage.Submit<Status>(create("after"), [&](Status) { ++completions; });
  storage.AppendAudit(MakeEvent(1, "fine"), [&](Result<AuditEvent> stored) {
    EXPECT_TRUE(stored.ok());
    ++completions;
  });
  blocker.Release();
  ASSERT_TRUE(loop.WaitUntil([&] { return completions == 4; }));
  ASSERT_TRUE(duplicate.has_value());
  EXPECT_EQ(duplicate->code(), protocol::ErrorCode::kConflict);
  EXPECT_EQ(CountOrganizations(path, "before"), "1");
  EXPECT_EQ(CountOrganizations(path, "thrower"), "0");
  EXPECT_EQ(CountOrganizations(path, "after"), "1");
  EXPECT_EQ(RawDb(path).QueryText("SELECT COUNT(*) FROM audit_events WHERE chain = 1"), "1");
}

}  // namespace
}  // namespace tether::storage
