// FailureLimiter: counts failed attempts per key (an account, an address) in a sliding
// window, so that guessing passwords or session keys is rate limited (PROTOCOL.md:
// `rate_limited`, close 4429). Memory is bounded: at most `max_keys` keys are tracked,
// the least recently failed one is forgotten first.
//
// Thread-safety: loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>

namespace tether::broker::auth {

class FailureLimiter {
 public:
  FailureLimiter(std::size_t max_failures, std::int64_t window_ms, std::size_t max_keys = 100000)
      : max_failures_(max_failures), window_ms_(window_ms), max_keys_(max_keys) {}

  // True when `key` already has max_failures failures within the window ending at now_ms:
  // the attempt must be refused without being tried.
  bool IsBlocked(const std::string& key, std::int64_t now_ms);
  void RecordFailure(const std::string& key, std::int64_t now_ms);
  // A success does not erase failures: a guesser who also knows one password is still
  // limited. (Forgetting on success is how limiters get bypassed.)

  std::size_t tracked_keys() const { return entries_.size(); }

 private:
  struct Entry {
    std::deque<std::int64_t> failures;  // times, oldest first
    std::list<std::string>::iterator lru_position;
  };
  void Prune(Entry& entry, std::int64_t now_ms) const;

  std::size_t max_failures_;
  std::int64_t window_ms_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently failed first
};

}  // namespace tether::broker::auth
