// SpawnedBroker: a private tether-broker for one tether-sim run (`--spawn`): a temporary
// directory, a database made by `tetherctl init` (organisation "sim", its Super Admin
// with a random password), the broker on a free loopback port with --test-clock; stopped
// with SIGTERM (then SIGKILL) by Stop() or when destroyed, and the directory removed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "org_setup.h"
#include "tether/protocol/status.h"

namespace tether::sim {

struct SpawnOptions {
  std::string broker_bin;
  std::string tetherctl_bin;
  std::vector<std::string> broker_args;  // extra flags, e.g. --consent-timeout-ms
  bool keep_dir = false;                 // leave the directory (database, log) for a look
};

class SpawnedBroker {
 public:
  static protocol::Result<std::unique_ptr<SpawnedBroker>> Start(const SpawnOptions& options);
  ~SpawnedBroker();
  SpawnedBroker(const SpawnedBroker&) = delete;
  SpawnedBroker& operator=(const SpawnedBroker&) = delete;

  // SIGTERM and wait (SIGKILL after 15 s). The broker must exit 0: any other end (a crash
  // at shutdown, a sanitizer's report in a sanitizer build) is an error with its log.
  protocol::Status Stop();

  const OwnerLogin& owner() const { return owner_; }
  const std::string& dir() const { return dir_; }
  // The end of the broker's log, for a report when something went wrong.
  std::string LogTail(std::size_t bytes = 2000) const;

 private:
  SpawnedBroker() = default;

  std::string dir_;
  pid_t pid_ = -1;
  bool keep_dir_ = false;
  OwnerLogin owner_;
};

}  // namespace tether::sim
