// Broker: the services every connection and handler shares — configuration, clock,
// storage, audit, rate limits, metrics and the registry of live connections. One
// instance per process, owned by main and living on the loop thread.
//
// Thread-safety: loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "audit/audit_log.h"
#include "audit/audit_retention.h"
#include "auth/failure_limiter.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/heap_trimmer.h"
#include "core/loop_poster.h"
#include "http/metrics.h"
#include "recording/recorder.h"
#include "tether/storage/storage_thread.h"

namespace tether::broker {

class Connection;
class SessionService;
class SupportAccess;

class Broker {
 public:
  // `test_clock` is non-null only under --test-clock (it is then also `clock`). `poster`
  // carries the recorder's notices back to the loop.
  Broker(const BrokerConfig& config, Clock& clock, TestClock* test_clock,
         storage::StorageThread& storage, uv_loop_t* loop, LoopPoster& poster);
  ~Broker();

  const BrokerConfig& config() const { return config_; }
  Clock& clock() { return clock_; }
  TestClock* test_clock() { return test_clock_; }
  storage::StorageThread& storage() { return storage_; }
  AuditLog& audit() { return audit_; }
  uv_loop_t* loop() { return loop_; }
  Metrics& metrics() { return metrics_; }
  auth::FailureLimiter& account_failures() { return account_failures_; }
  auth::FailureLimiter& address_failures() { return address_failures_; }
  auth::FailureLimiter& key_guesses() { return key_guesses_; }
  SessionService& sessions() { return *sessions_; }
  SupportAccess& support_access() { return *support_access_; }
  Recorder& recorder() { return *recorder_; }

  // The periodic sweep of deadlines — sessions, support access expiry, audit retention —
  // a few times a second, on the loop, against clock(); it also returns the heap that
  // bursts of connections freed (HeapTrimmer).
  void StartTimers();
  void StopTimers();
  // Shutdown, after the sessions ended: writes and closes every recording (the writer
  // thread finishes its queue), before the loop poster closes.
  void StopRecorder() { recorder_->Stop(); }

  // Runs `job` on the storage thread and `done` on the loop with its result.
  template <typename R>
  void OnStorage(std::function<R(storage::Store&)> job, std::function<void(R)> done) {
    storage_.Submit<R>(std::move(job), std::move(done));
  }

  // Runs a read-only `job` on the reader thread (its own SQLite connection), or on the
  // storage thread when there is none (an in-memory database), and `done` on the loop.
  template <typename R>
  void OnReader(std::function<R(storage::Store&)> job, std::function<void(R)> done) {
    storage::StorageThread& thread = reader_ != nullptr ? *reader_ : storage_;
    thread.Submit<R>(std::move(job), std::move(done));
  }
  // Set by main before the loop runs; it must outlive every job submitted to it.
  void set_reader(storage::StorageThread* reader) { reader_ = reader; }

  // The connection registry. Connections register themselves while they live.
  std::uint64_t NextConnectionId() { return ++last_connection_id_; }
  void Register(Connection* connection);
  void Unregister(Connection* connection);
  Connection* FindConnection(std::uint64_t id) const;
  std::size_t connection_count() const { return connections_.size(); }
  // A hello succeeded: the connection no longer counts as a handshake of its address.
  void HandshakeDone(const std::string& address);

  // Why a WebSocket upgrade from `address` is refused (PROTOCOL.md §1 "refused
  // handshakes"): shutting down or the global cap (503), or the address's connection or
  // handshake limit (429). nullopt: accept it.
  struct Refusal {
    unsigned http_status;
    const char* reason;
  };
  std::optional<Refusal> AdmissionRefusal(const std::string& address) const;
  void ForEachConnection(const std::function<void(Connection&)>& visit);

  // Online unattended devices: one live connection each (a newer one replaces the older).
  // Returns the connection it replaced (0 if none).
  std::uint64_t DeviceOnline(const std::string& device_id, std::uint64_t connection_id);
  void DeviceOffline(const std::string& device_id, std::uint64_t connection_id);
  Connection* DeviceConnection(const std::string& device_id) const;

  // SHA-256 of the broker's TLS certificate (hex), "" without TLS: given to enrolling agents.
  const std::string& certificate_fingerprint() const { return certificate_fingerprint_; }
  void set_certificate_fingerprint(std::string fingerprint) { certificate_fingerprint_ = std::move(fingerprint); }

  // Metrics as of now (the storage counters are copied in).
  std::string RenderMetrics();

  bool shutting_down() const { return shutting_down_; }
  // Stops accepting, ends every session (broker_shutdown, audited), then closes every
  // connection with 1001 after what is queued for it.
  void BeginShutdown();

 private:
  BrokerConfig config_;
  Clock& clock_;
  TestClock* test_clock_;
  storage::StorageThread& storage_;
  storage::StorageThread* reader_ = nullptr;  // not owned
  AuditLog audit_;
  AuditRetention retention_{*this};
  uv_loop_t* loop_;
  Metrics metrics_;
  auth::FailureLimiter account_failures_;
  auth::FailureLimiter address_failures_;
  auth::FailureLimiter key_guesses_;
  std::unique_ptr<SessionService> sessions_;
  std::unique_ptr<SupportAccess> support_access_;
  std::unique_ptr<Recorder> recorder_;  // after sessions_: its notices go to them
  uv_timer_t* sweep_timer_ = nullptr;  // owned; freed in its close callback
  HeapTrimmer heap_trimmer_;
  std::unordered_map<std::uint64_t, Connection*> connections_;
  // Per source address: open connections, and those of them with no successful hello yet.
  struct AddressUse {
    std::size_t connections = 0;
    std::size_t handshakes = 0;
  };
  std::unordered_map<std::string, AddressUse> addresses_;
  std::uint64_t last_connection_id_ = 0;
  std::unordered_map<std::string, std::uint64_t> online_devices_;
  std::string certificate_fingerprint_;
  bool shutting_down_ = false;
};

}  // namespace tether::broker
