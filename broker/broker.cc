// The shared services and the connection registry.
#include "broker.h"

#include <vector>

#include "connection.h"

namespace tether::broker {

Broker::Broker(const BrokerConfig& config, Clock& clock, TestClock* test_clock,
               storage::StorageThread& storage, uv_loop_t* loop)
    : config_(config),
      clock_(clock),
      test_clock_(test_clock),
      storage_(storage),
      audit_(storage),
      loop_(loop),
      account_failures_(config.login_failures_per_account, config.login_failure_window.count()),
      address_failures_(config.login_failures_per_address, config.login_failure_window.count()) {}

void Broker::Register(Connection* connection) {
  connections_[connection->id()] = connection;
  ++metrics_.connections_open;
  ++metrics_.connections_total;
}

void Broker::Unregister(Connection* connection) {
  if (connections_.erase(connection->id()) > 0) --metrics_.connections_open;
}

Connection* Broker::FindConnection(std::uint64_t id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void Broker::ForEachConnection(const std::function<void(Connection&)>& visit) {
  // Copy the ids first: a visit may close a connection and so change the map.
  std::vector<std::uint64_t> ids;
  ids.reserve(connections_.size());
  for (const auto& [id, connection] : connections_) ids.push_back(id);
  for (std::uint64_t id : ids) {
    if (Connection* connection = FindConnection(id)) visit(*connection);
  }
}

std::string Broker::RenderMetrics() {
  metrics_.audit_commits = storage_.audit_commits();
  metrics_.audit_events = storage_.audit_events();
  return RenderPrometheus(metrics_);
}

void Broker::BeginShutdown() {
  shutting_down_ = true;
  ForEachConnection([](Connection& connection) { connection.Close(CloseReason::kShutdown); });
}

Connection* ConnectionRef::Get() const { return broker ? broker->FindConnection(id) : nullptr; }

}  // namespace tether::broker
