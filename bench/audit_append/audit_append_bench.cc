// audit-append-bench: durable audit events per second through the broker's own
// StorageThread (group commit) on a fresh SQLite file. Many appends are kept in flight,
// as many clients of one broker would: each completion (run only once its transaction
// committed) starts the next append, so the figure counts durable events only.
//
//   audit-append-bench DB_PATH [SECONDS] [IN_FLIGHT]
// prints one JSON line: {"events":N,"seconds":S,"events_per_s":R,"commits":C}
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

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
  // Completions run on the storage thread itself: the bench has no event loop to post to.
  StorageThread storage(std::move(store.value()), [](StorageThread::Task task) { task(); });
  const auto start = Clock::now();
  AppendLoop loop(storage, start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds)));
  loop.Start(in_flight);
  loop.Wait();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  storage.Stop();
  std::printf("{\"events\":%llu,\"failed\":%llu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"commits\":%llu}\n",
              static_cast<unsigned long long>(loop.durable()),
              static_cast<unsigned long long>(loop.failed()), elapsed, loop.durable() / elapsed,
              static_cast<unsigned long long>(storage.audit_commits()));
  return loop.failed() == 0 ? 0 : 1;
}
