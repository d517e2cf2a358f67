// The writer thread of the recordings: batches of jobs, whole lines per write().
#include "recording/recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

namespace tether::broker {
namespace {

constexpr std::int64_t kSyncIntervalMs = 1000;

std::int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Recorder::Recorder(std::string directory, std::size_t budget_bytes, Post post, Events events,
                   std::function<void()> before_write)
    : directory_(std::move(directory)),
      budget_(budget_bytes),
      post_(std::move(post)),
      events_(std::move(events)),
      before_write_(std::move(before_write)),
      thread_([this] { Run(); }) {}

Recorder::~Recorder() { Stop(); }

std::string Recorder::PathOf(const std::string& session_id) const { return directory_ + "/" + session_id + ".cast"; }

void Recorder::Enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (job.kind == Job::Kind::kOpen) writing_.insert(job.session_id);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void Recorder::Open(const std::string& session_id, std::int64_t org_id, const AsciicastHeader& header) {
  Job job;
  job.org_id = org_id;
  job.kind = Job::Kind::kOpen;
  job.session_id = session_id;
  job.header = header;
  Enqueue(std::move(job));
}

bool Recorder::Output(const std::string& session_id, std::int64_t at_ms, std::span<const std::uint8_t> bytes) {
  Job job;
  job.kind = Job::Kind::kOutput;
  job.session_id = session_id;
  job.at_ms = at_ms;
  job.bytes.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  bool over = false;
  {
    std::lock_guard lock(mutex_);
    std::size_t& queued = queued_[session_id];
    queued += bytes.size();
    over = queued > budget_;
    if (over) wants_drain_.insert(session_id);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return over;
}

void Recorder::Resize(const std::string& session_id, std::int64_t at_ms, std::uint32_t cols, std::uint32_t rows) {
  Job job;
  job.kind = Job::Kind::kResize;
  job.session_id = session_id;
  job.at_ms = at_ms;
  job.header.cols = cols;
  job.header.rows = rows;
  Enqueue(std::move(job));
}

void Recorder::Close(const std::string& session_id, std::int64_t at_ms, std::function<void()> closed) {
  Job job;
  job.closed = std::move(closed);
  job.kind = Job::Kind::kClose;
  job.session_id = session_id;
  job.at_ms = at_ms;
  Enqueue(std::move(job));
}

bool Recorder::Writing(const std::string& session_id) const {
  std::lock_guard lock(mutex_);
  return writing_.count(session_id) > 0;
}

void Recorder::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Recorder::Run() {
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) break;  // stopping, and everything is written
      batch.swap(jobs_);
    }
    if (before_write_) before_write_();
    std::unordered_map<std::string, std::size_t> written;
    for (Job& job : batch) {
      if (job.kind == Job::Kind::kOutput) written[job.session_id] += job.bytes.size();
      Apply(job);
    }
    for (auto& [session_id, file] : files_) Flush(session_id, file);
    Release(written);
  }
  // Stopping with recordings still open (their sessions did not end): close them whole.
  while (!files_.empty()) CloseFile(files_.begin()->first, files_.begin()->second, 0);
}

void Recorder::Apply(Job& job) {
  if (job.kind == Job::Kind::kOpen) {
    File& file = files_[job.session_id];
    file.org_id = job.org_id;
    std::error_code ignored;
    std::filesystem::create_directories(directory_, ignored);
    // O_EXCL: a recording is never appended to another file, nor follows a symlink.
    file.fd = ::open(PathOf(job.session_id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (file.fd < 0) return Fail(job.session_id, file, "cannot create " + PathOf(job.session_id) + ": " + std::strerror(errno));
    file.encoder = AsciicastEncoder(job.header.start_ms);
    file.buffer = AsciicastEncoder::Header(job.header);
    file.last_sync_ms = SteadyMs();
    return;
  }
  auto it = files_.find(job.session_id);
  if (it == files_.end()) {
    if (job.closed) post_(std::move(job.closed));  // nothing was open (a second Close)
    return;
  }
  File& file = it->second;
  switch (job.kind) {
    case Job::Kind::kOutput:
      if (!file.failed) {
        file.buffer += file.encoder.Output(job.at_ms, std::span(reinterpret_cast<const std::uint8_t*>(job.bytes.data()),
                                                                job.bytes.size()));
      }
      break;
    case Job::Kind::kResize:
      if (!file.failed) file.buffer += file.encoder.Resize(job.at_ms, job.header.cols, job.header.rows);
      break;
    case Job::Kind::kClose:
      CloseFile(job.session_id, file, job.at_ms, std::move(job.closed));
      break;
    case Job::Kind::kOpen:
      break;
  }
}

void Recorder::Flush(const std::string& session_id, File& file) {
  if (file.failed || file.buffer.empty()) return;
  std::size_t done = 0;
  while (done < file.buffer.size()) {
    ssize_t n = ::write(file.fd, file.buffer.data() + done, file.buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(session_id, file, "cannot write " + PathOf(session_id) + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  file.buffer.clear();
  if (SteadyMs() - file.last_sync_ms >= kSyncIntervalMs) {
    ::fdatasync(file.fd);
    file.last_sync_ms = SteadyMs();
  }
}

void Recorder::Fail(const std::string& session_id, File& file, const std::string& error) {
  if (file.failed) return;
  file.failed = true;
  file.buffer.clear();
  if (file.fd >= 0) ::close(file.fd);
  file.fd = -1;
  if (events_.failed) {
    post_([failed = events_.failed, session_id, org_id = file.org_id, error] { failed(session_id, org_id, error); });
  }
}

void Recorder::CloseFile(std::string session_id, File& file, std::int64_t at_ms, std::function<void()> closed) {
  if (!file.failed) {
    file.buffer += file.encoder.Finish(at_ms);
    Flush(session_id, file);
  }
  if (!file.failed) {
    ::fdatasync(file.fd);
    ::close(file.fd);
  }
  files_.erase(session_id);  // `file` is gone from here on
  {
    std::lock_guard lock(mutex_);
    writing_.erase(session_id);
  }
  if (closed) post_(std::move(closed));
}

void Recorder::Release(const std::unordered_map<std::string, std::size_t>& written) {
  std::vector<std::string> drained;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [session_id, bytes] : written) {
      auto it = queued_.find(session_id);
      if (it == queued_.end()) continue;
      it->second -= std::min(it->second, bytes);
      std::size_t left = it->second;
      if (left == 0) queued_.erase(it);
      if (left <= budget_ / 2 && wants_drain_.erase(session_id) > 0) drained.push_back(session_id);
    }
  }
  for (const std::string& session_id : drained) {
    if (events_.drained) post_([on_drained = events_.drained, session_id] { on_drained(session_id); });
  }
}

}  // namespace tether::broker
