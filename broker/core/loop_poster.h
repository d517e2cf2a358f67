// LoopPoster: hands tasks from any thread to the event loop thread (uv_async). The
// storage thread and the thread pool answer the loop through it.
//
// Thread-safety: Post from any thread; construction, Close and the tasks run on the loop.
#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

namespace tether::broker {

class LoopPoster {
 public:
  using Task = std::function<void()>;

  explicit LoopPoster(uv_loop_t* loop);
  ~LoopPoster();
  LoopPoster(const LoopPoster&) = delete;
  LoopPoster& operator=(const LoopPoster&) = delete;

  void Post(Task task);
  // Runs what is queued, then closes the uv handle so the loop can end. Posts after
  // Close are dropped (the broker stops every producer first).
  void Close();

 private:
  static void OnAsync(uv_async_t* handle);
  void RunQueued();

  uv_async_t* async_;  // owned; freed in its close callback, after the loop lets go
  std::mutex mutex_;   // guards queue_ and closed_
  std::vector<Task> queue_;
  bool closed_ = false;
};

// Runs `work` on the libuv thread pool (CPU-heavy work such as password hashing must
// not run on the loop), then `done` on the loop.
void RunOnThreadPool(uv_loop_t* loop, std::function<void()> work, std::function<void()> done);

}  // namespace tether::broker
