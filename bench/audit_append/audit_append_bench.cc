// audit-append-bench: durable audit events per second through the broker's own
// StorageThread (group commit) on a fresh SQLite file. Many appends are kept in flight,
// as many clients of one broker would: each completion (run only once its transaction
// committed) starts the next append, so the figure counts durable events only. As in the
// broker, the completions run on an owner thread (the broker's event loop), which also
// builds the next event; the storage thread only stores.
//
//   audit-append-bench DB_PATH [SECONDS] [IN_FLIGHT]
// prints one JSON line: {"events":N,"seconds":S,"events_per_s":R,"commits":C,
//   "storage_cpu_s":U,"storage_runqueue_s":Q,"events_per_storage_cpu_s":E}
// storage_cpu_s is the storage thread's CPU time and storage_runqueue_s the time it was
// ready to run but waited for a CPU (/proc schedstat): on a shared machine, what the
// storage thread could do with a core of its own is E, and what it lost to others is Q.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <future>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tether/storage/storage_thread.h"
#include "tether/storage/store.h"

namespace {

using tether::storage::AuditEvent;
using tether::storage::StorageThread;
using Clock = std::chrono::steady_clock;

// One event shaped like the broker's commonest one, a device login.
AuditEvent SampleEvent(std::uint64_t n) {
  AuditEvent event;
  event.time = 1767225600000 + static_cast<std::int64_t>(n);
  event.actor_kind = "device";
  event.actor_id = "d_4c1e9a0b7d2f3e5a6c8b1d0e";
  event.action = "auth.login";
  event.target = event.actor_id;
  event.source = "127.0.0.1";
  event.outcome = "ok";
  event.details = tether::protocol::Value::MapOf({{"kind", tether::protocol::Value(std::string("device"))}});
  return event;
}

// The broker's event loop, reduced to what the bench needs: tasks posted from the storage
// thread run here in order, as completions do on the loop thread through its uv_async.
class OwnerThread {
 public:
  OwnerThread() : thread_([this] { Run(); }) {}
  ~OwnerThread() { Stop(); }

  void Post(StorageThread::Task task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    wake_.notify_one();
  }

  // Runs what is queued, then joins.
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      std::deque<StorageThread::Task> tasks;
      tasks.swap(tasks_);
      lock.unlock();
      for (StorageThread::Task& task : tasks) task();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<StorageThread::Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after every member above exists
};

// The calling thread's CPU time and run-queue wait, in seconds.
struct ThreadTimes {
  double cpu_s = 0;
  double runqueue_s = -1;  // -1 when /proc/thread-self/schedstat cannot be read
};

ThreadTimes CurrentThreadTimes() {
  ThreadTimes times;
  timespec cpu{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  times.cpu_s = static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) / 1e9;
  std::ifstream schedstat("/proc/thread-self/schedstat");  // on-CPU ns, run-queue ns, slices
  unsigned long long on_cpu_ns = 0, waiting_ns = 0;
  if (schedstat >> on_cpu_ns >> waiting_ns) times.runqueue_s = static_cast<double>(waiting_ns) / 1e9;
  return times;
}

class AppendLoop {
 public:
  AppendLoop(StorageThread& storage, Clock::time_point deadline)
      : storage_(storage), deadline_(deadline) {}

  void Start(int in_flight) {
    for (int i = 0; i < in_flight; ++i) AppendOne();
  }

  // Blocks until every append started before the deadline has completed.
  void Wait() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return outstanding_ == 0; });
  }

  std::uint64_t durable() const { return durable_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  void AppendOne() {
    {
      std::lock_guard lock(mutex_);
      ++outstanding_;
    }
    storage_.AppendAudit(SampleEvent(next_++), [this](tether::storage::Result<AuditEvent> result) {
      (result.ok() ? durable_ : failed_).fetch_add(1);
      if (Clock::now() < deadline_) AppendOne();
      std::lock_guard lock(mutex_);
      if (--outstanding_ == 0) done_.notify_all();
    });
  }

  StorageThread& storage_;
  Clock::time_point deadline_;
  std::atomic<std::uint64_t> next_{0};
  std::atomic<std::uint64_t> durable_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::mutex mutex_;
  std::condition_variable done_;
  int outstanding_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: audit-append-bench DB_PATH [SECONDS] [IN_FLIGHT]\n");
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  const int in_flight = argc > 3 ? std::atoi(argv[3]) : 4096;
  if (seconds <= 0 || seconds > 600 || in_flight < 1 || in_flight > 1000000) {
    std::fprintf(stderr, "SECONDS must be in (0, 600] and IN_FLIGHT in [1, 1000000]\n");
    return 2;
  }
  auto store = tether::storage::OpenSqliteStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", argv[1], store.status().message().c_str());
    return 1;
  }
  OwnerThread owner;
  StorageThread storage(std::move(store.value()), [&owner](StorageThread::Task task) { owner.Post(std::move(task)); });
  const auto start = Clock::now();
  AppendLoop loop(storage, start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds)));
  loop.Start(in_flight);
  loop.Wait();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  // A last job on the storage thread reads its own times, after every commit.
  std::promise<ThreadTimes> storage_times;
  storage.Submit<ThreadTimes>([](tether::storage::Store&) { return CurrentThreadTimes(); },
                              [&storage_times](ThreadTimes times) { storage_times.set_value(times); });
  const ThreadTimes times = storage_times.get_future().get();
  storage.Stop();
  owner.Stop();
  std::printf("{\"events\":%llu,\"failed\":%llu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"commits\":%llu,"
              "\"storage_cpu_s\":%.3f,\"storage_runqueue_s\":%.3f,\"events_per_storage_cpu_s\":%.0f}\n",
              static_cast<unsigned long long>(loop.durable()),
              static_cast<unsigned long long>(loop.failed()), elapsed, loop.durable() / elapsed,
              static_cast<unsigned long long>(storage.audit_commits()), times.cpu_s, times.runqueue_s,
              times.cpu_s > 0 ? loop.durable() / times.cpu_s : 0.0);
  return loop.failed() == 0 ? 0 : 1;
}
