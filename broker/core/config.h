// BrokerConfig: every setting of tether-broker, with the defaults of ARCHITECTURE.md
// ("tether-broker with no arguments listens on 127.0.0.1 with an embedded SQLite file").
// Precedence: defaults, then the TOML file, then command-line flags.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/log.h"
#include "tether/protocol/status.h"

namespace tether::broker {

struct BrokerConfig {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 7070;
  std::string db_path = "var/tether.db";
  std::string recordings_dir;  // "" : "recordings" beside the database file
  std::string tls_cert;  // both set: wss://
  std::string tls_key;
  bool test_clock = false;  // enables test.clock.advance; loopback only

  std::chrono::milliseconds hello_timeout{10'000};
  std::chrono::milliseconds token_ttl{12 * 3600 * 1000};
  std::chrono::seconds ping_interval{30};
  std::chrono::seconds ping_timeout{60};
  std::chrono::milliseconds shutdown_deadline{10'000};
  std::size_t max_message_bytes = 1 << 20;
  std::size_t max_connections = 10'000;
  // Per source address (PROTOCOL.md §1): open WebSocket connections, and those of them
  // without a successful hello yet. Both refuse the upgrade with HTTP 429. Behind a
  // reverse proxy every client has the proxy's address: raise them there.
  std::size_t max_connections_per_address = 1'000;
  std::size_t max_handshakes_per_address = 100;

  // Sessions (PROTOCOL.md "Sessions").
  std::chrono::milliseconds session_key_life{10 * 60 * 1000};
  std::chrono::milliseconds consent_timeout{60'000};
  std::chrono::milliseconds controller_grace{30'000};
  std::chrono::milliseconds agent_return_grace{30'000};
  std::chrono::milliseconds idle_timeout{0};  // 0: sessions never end for idleness
  std::size_t frame_budget_bytes = 1 << 20;  // per connection, before the sender pauses
  // Supervision (PROTOCOL.md "Data frames"): at most this many view participants per
  // session; the terminal output kept for a new supervisor; the bytes a lagging
  // supervisor may lose before it is removed (slow_consumer).
  std::size_t max_supervisors_per_session = 64;
  // Sessions not yet ended (scheduled ones too) one user may control at once; beyond it
  // session.create, session.connect and session.schedule answer limit_reached.
  std::size_t max_sessions_per_user = 50;
  std::size_t screen_buffer_bytes = 64 * 1024;
  std::size_t slow_consumer_bytes = 8 << 20;
  // A view participant's own output budget (never above frame_budget_bytes), and the
  // controller's queue past which the broker stops queueing output for view participants
  // so that they never slow the controller down (PROTOCOL.md §5.5).
  std::size_t viewer_budget_bytes = 256 * 1024;
  // While a session's output runs faster than viewer_full_rate_bytes a second, the share
  // (percent) of its controller's bytes its view participants together may be sent.
  std::size_t viewer_full_rate_bytes = 4 << 20;
  std::size_t viewer_share_percent = 10;
  // Wake-on-LAN: where the waking agent sends the magic packet.
  std::string wake_address = "255.255.255.255";
  std::uint16_t wake_port = 9;
  // Wrong attended keys tolerated per address per hour (README states the bound).
  std::size_t key_guesses_per_address = 10;

  // Failed logins tolerated per window before rate_limited (PROTOCOL.md close 4429).
  std::size_t login_failures_per_account = 5;
  std::size_t login_failures_per_address = 20;
  std::chrono::milliseconds login_failure_window{60'000};

  LogLevel log_level = LogLevel::kInfo;
};

// The longest duration any setting takes, from the file or the command line. Durations end
// up added to epoch-millisecond times (a token's expiry): ten years keeps every such sum
// far from overflowing, and is longer than any timeout means.
constexpr std::int64_t kMaxDurationMs = 10LL * 365 * 24 * 3600 * 1000;

// Applies the settings of a TOML file over `config`. Errors name the file, the line and
// the problem ("broker.toml:4: 'listen' must be HOST:PORT"); unknown keys are errors.
protocol::Status LoadConfigFile(const std::string& path, BrokerConfig& config);
// The same for settings already in memory; `name` stands for the file in errors.
protocol::Status LoadConfigText(std::string_view text, const std::string& name, BrokerConfig& config);
// Parses "HOST:PORT" into the config's listen fields.
protocol::Status ParseListen(const std::string& text, BrokerConfig& config);
// Where session recordings are written: recordings_dir, else "recordings" beside the
// database file.
std::string RecordingsDirectory(const BrokerConfig& config);
// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

}  // namespace tether::broker
