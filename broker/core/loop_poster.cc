// uv_async with a mutex-guarded queue; uv_queue_work for CPU-heavy jobs.
#include "core/loop_poster.h"

#include <memory>

namespace tether::broker {

LoopPoster::LoopPoster(uv_loop_t* loop) : async_(new uv_async_t{}) {
  uv_async_init(loop, async_, &LoopPoster::OnAsync);
  async_->data = this;
}

LoopPoster::~LoopPoster() { Close(); }

void LoopPoster::Post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    queue_.push_back(std::move(task));
  }
  uv_async_send(async_);
}

void LoopPoster::OnAsync(uv_async_t* handle) { static_cast<LoopPoster*>(handle->data)->RunQueued(); }

void LoopPoster::RunQueued() {
  std::vector<Task> tasks;
  {
    std::lock_guard lock(mutex_);
    tasks.swap(queue_);
  }
  for (Task& task : tasks) task();
}

void LoopPoster::Close() {
  if (async_ == nullptr) return;
  RunQueued();
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(async_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); });
  async_ = nullptr;
}

namespace {

struct PoolJob {
  uv_work_t request{};
  std::function<void()> work;
  std::function<void()> done;
};

}  // namespace

void RunOnThreadPool(uv_loop_t* loop, std::function<void()> work, std::function<void()> done) {
  auto job = std::make_unique<PoolJob>();
  job->work = std::move(work);
  job->done = std::move(done);
  job->request.data = job.get();
  int rc = uv_queue_work(
      loop, &job->request, [](uv_work_t* req) { static_cast<PoolJob*>(req->data)->work(); },
      [](uv_work_t* req, int) {
        std::unique_ptr<PoolJob> owned(static_cast<PoolJob*>(req->data));
        owned->done();
      });
  if (rc == 0) {
    job.release();  // the after-work callback owns it now
  } else {
    job->work();  // the pool refused (loop closing): do it here rather than lose it
    job->done();
  }
}

}  // namespace tether::broker
