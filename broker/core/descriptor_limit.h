// The descriptor limit: every connection holds a socket, so the number of connections the
// broker accepts must fit the process's RLIMIT_NOFILE, with room left for what else holds
// descriptors (the database and its WAL, the listening socket, the loop's own, open
// recordings, and the sockets of handshakes being refused). At start-up the broker raises
// its soft limit to the hard one and lowers max_connections to fit, so that near the
// limit a new connection is refused with the documented 503 "at capacity" instead of
// accept() failing with EMFILE (lws then logs and retries while the client waits).
//
// Thread-safety: called once, before the loop runs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tether::broker {

struct DescriptorLimit {
  std::uint64_t soft = 0;  // after raising: what the process may open
  std::uint64_t hard = 0;
  bool raised = false;     // the soft limit was below the hard one and was raised
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit (as far as the kernel allows) and
// returns what the process then has.
DescriptorLimit RaiseDescriptorLimit();

// Descriptors kept for everything but client connections: a quarter of a small limit,
// at most 256.
std::uint64_t ReservedDescriptors(std::uint64_t limit);

// The connections that fit `limit` descriptors beside the reserve, at most `configured`.
std::size_t ConnectionsWithin(std::uint64_t limit, std::size_t configured);

}  // namespace tether::broker
