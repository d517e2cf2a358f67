// The retention passes of audit_retention.h.
#include "audit/audit_retention.h"

#include <string>
#include <utility>
#include <vector>

#include "broker.h"
#include "core/log.h"
#include "policy/preferences.h"

namespace tether::broker {
namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

// Every chain with its retention, read on the storage thread. An organisation that
// cannot be read keeps its events this pass (pruning is never the safe default).
std::vector<std::pair<std::int64_t, std::uint64_t>> ListTargets(storage::Store& store) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> targets;
  auto chains = store.AuditChains();
  if (!chains.ok()) {
    Log(LogLevel::kError, "audit_retention_failed", {{"error", chains.status().message()}});
    return targets;
  }
  for (std::int64_t chain : *chains) {
    if (chain == storage::kSystemChain) {
      targets.emplace_back(chain, AuditRetention::kSystemChainRetentionDays);
      continue;
    }
    auto org = store.GetOrganization(chain);
    if (!org.ok()) continue;
    const protocol::Value preferences = policy::EffectivePreferences(org->preferences);  // outlives `days`
    const protocol::Value* days = preferences.Find("audit_retention_days");
    if (days != nullptr && days->is_uint() && days->as_uint() > 0) targets.emplace_back(chain, days->as_uint());
  }
  return targets;
}

}  // namespace

void AuditRetention::OnTick() {
  if (running_ || broker_.shutting_down() || broker_.clock().NowMs() < next_pass_at_) return;
  StartPass();
}

void AuditRetention::StartPass() {
  running_ = true;
  using Targets = std::vector<std::pair<std::int64_t, std::uint64_t>>;
  broker_.OnStorage<Targets>(&ListTargets, [this](Targets targets) {
    for (const auto& [chain, days] : targets) pending_.push_back(Target{chain, days});
    PruneNext();
  });
}

void AuditRetention::PruneNext() {
  if (pending_.empty() || broker_.shutting_down()) return FinishPass();
  const Target target = pending_.front();
  pending_.pop_front();
  const std::int64_t now = broker_.clock().NowMs();
  const std::int64_t older_than = now - static_cast<std::int64_t>(target.retention_days) * kDayMs;
  storage::AuditEvent record;
  record.time = now;
  record.actor_kind = "system";
  record.actor_id = "tether-broker";  // what the broker does by itself (PROTOCOL.md §8.1)
  record.outcome = kOutcomeOk;
  record.details = protocol::Value::MapOf(
      {{"retention_days", target.retention_days}, {"older_than", static_cast<std::uint64_t>(older_than)}});
  broker_.OnStorage<storage::Result<storage::AuditPruning>>(
      [target, older_than, record = std::move(record)](storage::Store& store) {
        return store.PruneAudit(target.chain, older_than, kStepEvents, record);
      },
      [this, target](storage::Result<storage::AuditPruning> pruning) {
        if (!pruning.ok()) {
          Log(LogLevel::kError, "audit_prune_failed",
              {{"chain", std::to_string(target.chain)}, {"error", pruning.status().message()}});
        } else if (pruning->count > 0) {
          Log(LogLevel::kInfo, "audit_pruned",
              {{"chain", std::to_string(target.chain)},
               {"count", std::to_string(pruning->count)},
               {"through_seq", std::to_string(pruning->through_seq)}});
          // The bound cut the step short: this chain goes again after the others.
          if (pruning->more) pending_.push_back(target);
        }
        PruneNext();
      });
}

void AuditRetention::FinishPass() {
  pending_.clear();
  running_ = false;
  next_pass_at_ = broker_.clock().NowMs() + kPassIntervalMs;
}

}  // namespace tether::broker
