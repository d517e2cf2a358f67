// Rate-limited malloc_trim (see heap_trimmer.h for why).
#include "core/heap_trimmer.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>

namespace tether::broker {

HeapTrimmer::HeapTrimmer(Limits limits, std::function<void()> trim, std::function<std::int64_t()> now_us)
    : limits_(limits), trim_(std::move(trim)), now_us_(std::move(now_us)) {}

HeapTrimmer::HeapTrimmer()
    : HeapTrimmer(
          Limits{}, [] { malloc_trim(0); },
          [] {
            using namespace std::chrono;
            return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
          }) {}

bool HeapTrimmer::MaybeTrim() {
  if (churn_ < limits_.min_churn) return false;
  std::int64_t start = now_us_();
  if (start < next_allowed_us_) return false;
  trim_();
  std::int64_t end = now_us_();
  last_pause_us_ = end - start;
  next_allowed_us_ = end + std::max(limits_.min_interval_us, last_pause_us_ * limits_.pause_factor);
  churn_ = 0;
  ++trims_;
  return true;
}

}  // namespace tether::broker
