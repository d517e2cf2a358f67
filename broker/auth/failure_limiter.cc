// Sliding-window failure counts with least-recently-failed eviction.
#include "auth/failure_limiter.h"

namespace tether::broker::auth {

void FailureLimiter::Prune(Entry& entry, std::int64_t now_ms) const {
  while (!entry.failures.empty() && entry.failures.front() <= now_ms - window_ms_) {
    entry.failures.pop_front();
  }
}

bool FailureLimiter::IsBlocked(const std::string& key, std::int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  Prune(it->second, now_ms);
  return it->second.failures.size() >= max_failures_;
}

void FailureLimiter::RecordFailure(const std::string& key, std::int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = entries_.emplace(key, Entry{{}, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru_position);
  }
  Prune(it->second, now_ms);
  it->second.failures.push_back(now_ms);
  // Only the last max_failures matter for the decision; older ones are dead weight.
  while (it->second.failures.size() > max_failures_) it->second.failures.pop_front();
}

}  // namespace tether::broker::auth
