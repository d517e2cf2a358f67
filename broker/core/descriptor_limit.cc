// RLIMIT_NOFILE at start-up (see descriptor_limit.h).
#include "core/descriptor_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>

namespace tether::broker {
namespace {

// An unlimited hard limit is still bounded by the kernel's per-process maximum.
std::uint64_t KernelMaximum() {
  std::uint64_t nr_open = 1 << 20;
  std::ifstream("/proc/sys/fs/nr_open") >> nr_open;
  return nr_open;
}

}  // namespace

DescriptorLimit RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  DescriptorLimit result{limit.rlim_cur, limit.rlim_max, false};
  rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(KernelMaximum()) : limit.rlim_max;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised{wanted, limit.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      result.soft = wanted;
      result.raised = true;
    }
  }
  return result;
}

std::uint64_t ReservedDescriptors(std::uint64_t limit) { return std::min<std::uint64_t>(256, limit / 4); }

std::size_t ConnectionsWithin(std::uint64_t limit, std::size_t configured) {
  std::uint64_t room = limit - ReservedDescriptors(limit);
  return static_cast<std::size_t>(std::min<std::uint64_t>(configured, room));
}

}  // namespace tether::broker
