// The shared services and the connection registry.
#include "broker.h"

#include <algorithm>
#include <vector>

#include "connection.h"
#include "sessions/session_service.h"
#include "support/support_access.h"

namespace tether::broker {

Broker::Broker(const BrokerConfig& config, Clock& clock, TestClock* test_clock,
               storage::StorageThread& storage, uv_loop_t* loop, LoopPoster& poster)
    : config_(config),
      clock_(clock),
      test_clock_(test_clock),
      storage_(storage),
      audit_(storage),
      loop_(loop),
      account_failures_(config.login_failures_per_account, config.login_failure_window.count()),
      address_failures_(config.login_failures_per_address, config.login_failure_window.count()),
      key_guesses_(config.key_guesses_per_address, 3600 * 1000) {
  SessionTimeouts timeouts;
  timeouts.key_life_ms = config.session_key_life.count();
  timeouts.consent_ms = config.consent_timeout.count();
  timeouts.controller_grace_ms = config.controller_grace.count();
  timeouts.agent_return_ms = config.agent_return_grace.count();
  timeouts.idle_ms = config.idle_timeout.count();
  SupervisionLimits supervision;
  supervision.max_supervisors = config.max_supervisors_per_session;
  supervision.screen_bytes = config.screen_buffer_bytes;
  supervision.slow_consumer_bytes = config.slow_consumer_bytes;
  supervision.viewer_budget_bytes = std::min(config.viewer_budget_bytes, config.frame_budget_bytes);
  supervision.viewer_full_rate_bytes = config.viewer_full_rate_bytes;
  supervision.viewer_share_percent = config.viewer_share_percent;
  sessions_ = std::make_unique<SessionService>(*this, timeouts, config.frame_budget_bytes, supervision);
  support_access_ = std::make_unique<SupportAccess>(*this);
  Recorder::Events events;
  events.drained = [this](const std::string& session_id) { sessions_->OnRecordingDrained(session_id); };
  events.failed = [this](const std::string& session_id, std::int64_t org_id, const std::string& error) {
    sessions_->OnRecordingFailed(session_id, org_id, error);
  };
  // A recording's queue gets the same budget as a receiving connection (Relay).
  recorder_ = std::make_unique<Recorder>(RecordingsDirectory(config), config.frame_budget_bytes,
                                         [&poster](std::function<void()> task) { poster.Post(std::move(task)); },
                                         std::move(events));
}

Broker::~Broker() = default;

void Broker::StartTimers() {
  sweep_timer_ = new uv_timer_t{};
  uv_timer_init(loop_, sweep_timer_);
  sweep_timer_->data = this;
  uv_timer_start(
      sweep_timer_,
      [](uv_timer_t* t) {
        auto* broker = static_cast<Broker*>(t->data);
        broker->sessions().Sweep();
        broker->support_access().Sweep();
        broker->retention_.OnTick();
        broker->heap_trimmer_.MaybeTrim();
      },
      250, 250);
}

void Broker::StopTimers() {
  if (sweep_timer_ == nullptr) return;
  uv_timer_stop(sweep_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(sweep_timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  sweep_timer_ = nullptr;
}

void Broker::Register(Connection* connection) {
  connections_[connection->id()] = connection;
  AddressUse& use = addresses_[connection->peer_address()];
  ++use.connections;
  ++use.handshakes;
  ++metrics_.connections_open;
  ++metrics_.connections_total;
  heap_trimmer_.NoteChurn();
}

void Broker::Unregister(Connection* connection) {
  if (connections_.erase(connection->id()) == 0) return;
  --metrics_.connections_open;
  heap_trimmer_.NoteChurn();
  auto it = addresses_.find(connection->peer_address());
  if (it == addresses_.end()) return;
  --it->second.connections;
  if (!connection->has_identity()) --it->second.handshakes;
  if (it->second.connections == 0) addresses_.erase(it);
}

void Broker::HandshakeDone(const std::string& address) {
  auto it = addresses_.find(address);
  if (it != addresses_.end() && it->second.handshakes > 0) --it->second.handshakes;
}

std::optional<Broker::Refusal> Broker::AdmissionRefusal(const std::string& address) const {
  if (shutting_down_) return Refusal{503, "the broker is shutting down"};
  if (connections_.size() >= config_.max_connections) return Refusal{503, "the broker is at capacity"};
  auto it = addresses_.find(address);
  if (it == addresses_.end()) return std::nullopt;
  if (it->second.connections >= config_.max_connections_per_address) {
    return Refusal{429, "too many connections from your address"};
  }
  if (it->second.handshakes >= config_.max_handshakes_per_address) {
    return Refusal{429, "too many unauthenticated connections from your address"};
  }
  return std::nullopt;
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
  metrics_.queued_bytes = 0;
  metrics_.queued_bytes_max = 0;
  for (const auto& [id, connection] : connections_) {
    std::uint64_t queued = connection->queued_bytes();
    metrics_.queued_bytes += queued;
    metrics_.queued_bytes_max = std::max(metrics_.queued_bytes_max, queued);
  }
  metrics_.paused_senders = sessions_->relay().paused_senders();
  metrics_.sessions_live = sessions_->registry().size();
  metrics_.heap_trims = heap_trimmer_.trims();
  metrics_.heap_trim_pause_us = static_cast<std::uint64_t>(heap_trimmer_.last_pause_us());
  ReadHeapUsage(metrics_);
  return RenderPrometheus(metrics_);
}

void Broker::BeginShutdown() {
  shutting_down_ = true;
  // ARCHITECTURE.md: commit the broker_shutdown end of every open session, tell the
  // participants (session.ended), then close every connection with 1001.
  sessions_->EndAll(EndReason::kBrokerShutdown, [this] {
    ForEachConnection([](Connection& connection) { connection.Close(CloseReason::kShutdown); });
  });
}

std::uint64_t Broker::DeviceOnline(const std::string& device_id, std::uint64_t connection_id) {
  std::uint64_t& slot = online_devices_[device_id];
  std::uint64_t replaced = slot != connection_id ? slot : 0;
  slot = connection_id;
  return replaced;
}

void Broker::DeviceOffline(const std::string& device_id, std::uint64_t connection_id) {
  auto it = online_devices_.find(device_id);
  if (it != online_devices_.end() && it->second == connection_id) online_devices_.erase(it);
}

Connection* Broker::DeviceConnection(const std::string& device_id) const {
  auto it = online_devices_.find(device_id);
  return it == online_devices_.end() ? nullptr : FindConnection(it->second);
}

Connection* ConnectionRef::Get() const { return broker ? broker->FindConnection(id) : nullptr; }

}  // namespace tether::broker
