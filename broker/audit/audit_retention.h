// AuditRetention: prunes each organisation's audit chain of events older than its
// `audit_retention_days` (PROTOCOL.md §8 "Retention"). A pass runs at start-up and then
// every hour of the broker's clock (so `--test-clock` + `test.clock.advance` drive it);
// it prunes one chain at a time, in bounded steps that are separate storage jobs, so
// audit commits queued meanwhile go in between steps and never wait long.
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <deque>

namespace tether::broker {

class Broker;

class AuditRetention {
 public:
  // Events per pruning step (one transaction): a few milliseconds of hashing and deleting.
  static constexpr std::size_t kStepEvents = 500;
  static constexpr std::int64_t kPassIntervalMs = 3600 * 1000;
  // The system chain belongs to no organisation: it keeps the default retention.
  static constexpr std::uint64_t kSystemChainRetentionDays = 365;

  explicit AuditRetention(Broker& broker) : broker_(broker) {}

  // Called by the broker's periodic sweep: starts a pass when one is due and none runs.
  void OnTick();
  bool running() const { return running_; }

 private:
  struct Target {
    std::int64_t chain = 0;
    std::uint64_t retention_days = 0;
  };

  void StartPass();
  void PruneNext();
  void FinishPass();

  Broker& broker_;
  bool running_ = false;
  std::int64_t next_pass_at_ = 0;  // the broker clock's ms; 0: at start-up
  std::deque<Target> pending_;
};

}  // namespace tether::broker
