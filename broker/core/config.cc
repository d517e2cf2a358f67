// The TOML config file through toml++: flat keys, each checked for type and range.
#include "core/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <type_traits>

namespace tether::broker {
namespace {

using protocol::Status;

std::string Where(const std::string& path, const toml::node& node) {
  return path + ":" + std::to_string(node.source().begin.line);
}

// One entry per accepted key: how to apply its node to the config.
using Apply = std::function<Status(const toml::node&, BrokerConfig&, const std::string& where)>;

Apply String(std::string BrokerConfig::*field) {
  return [field](const toml::node& node, BrokerConfig& c, const std::string& where) {
    auto value = node.value<std::string>();
    if (!value) return Status::BadRequest(where + " must be a string");
    c.*field = *value;
    return Status::Ok();
  };
}

// The largest value a field of this type holds without wrapping: 65535 for a port, not
// 70000 read as 4464.
template <typename Field>
constexpr std::int64_t LargestOf() {
  if constexpr (std::is_integral_v<Field>) {
    return std::numeric_limits<Field>::max() > std::uint64_t(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : std::int64_t(std::numeric_limits<Field>::max());
  } else {
    return kMaxDurationMs / std::chrono::milliseconds(Field(1)).count();
  }
}

template <typename Field>
Apply Positive(Field BrokerConfig::*field, std::int64_t largest = LargestOf<Field>()) {
  return [field, largest](const toml::node& node, BrokerConfig& c, const std::string& where) {
    // value_exact: toml++'s value<> would turn `true` into 1 and 25.0 into 25.
    auto value = node.value_exact<std::int64_t>();
    if (!value || *value <= 0) return Status::BadRequest(where + " must be a positive integer");
    if (*value > largest) return Status::BadRequest(where + " must be at most " + std::to_string(largest));
    c.*field = Field(*value);
    return Status::Ok();
  };
}

// libwebsockets keeps keep-alive seconds in 16 bits (lws_retry_bo_t).
constexpr std::int64_t kMaxKeepAliveSeconds = 65535;

const std::map<std::string, Apply>& Keys() {
  static const std::map<std::string, Apply> kKeys = {
      {"listen", [](const toml::node& node, BrokerConfig& c, const std::string& where) {
         auto value = node.value<std::string>();
         if (!value) return Status::BadRequest(where + " must be a string HOST:PORT");
         Status s = ParseListen(*value, c);
         return s.ok() ? s : Status::BadRequest(where + " " + s.message());
       }},
      {"db", String(&BrokerConfig::db_path)},
      {"recordings_dir", String(&BrokerConfig::recordings_dir)},
      {"tls_cert", String(&BrokerConfig::tls_cert)},
      {"tls_key", String(&BrokerConfig::tls_key)},
      {"log_level", [](const toml::node& node, BrokerConfig& c, const std::string& where) {
         auto value = node.value<std::string>();
         if (!value || !ParseLogLevel(*value, &c.log_level)) {
           return Status::BadRequest(where + " must be debug, info, warn or error");
         }
         return Status::Ok();
       }},
      {"hello_timeout_ms", Positive(&BrokerConfig::hello_timeout)},
      {"token_ttl_ms", Positive(&BrokerConfig::token_ttl)},
      {"ping_interval_s", Positive(&BrokerConfig::ping_interval, kMaxKeepAliveSeconds)},
      {"ping_timeout_s", Positive(&BrokerConfig::ping_timeout, kMaxKeepAliveSeconds)},
      {"shutdown_deadline_ms", Positive(&BrokerConfig::shutdown_deadline)},
      {"max_message_bytes", Positive(&BrokerConfig::max_message_bytes)},
      {"max_connections", Positive(&BrokerConfig::max_connections)},
      {"max_connections_per_address", Positive(&BrokerConfig::max_connections_per_address)},
      {"max_handshakes_per_address", Positive(&BrokerConfig::max_handshakes_per_address)},
      {"login_failures_per_account", Positive(&BrokerConfig::login_failures_per_account)},
      {"login_failures_per_address", Positive(&BrokerConfig::login_failures_per_address)},
      {"login_failure_window_ms", Positive(&BrokerConfig::login_failure_window)},
      {"session_key_life_ms", Positive(&BrokerConfig::session_key_life)},
      {"consent_timeout_ms", Positive(&BrokerConfig::consent_timeout)},
      {"controller_grace_ms", Positive(&BrokerConfig::controller_grace)},
      {"agent_return_grace_ms", Positive(&BrokerConfig::agent_return_grace)},
      {"idle_timeout_ms", Positive(&BrokerConfig::idle_timeout)},
      {"frame_budget_bytes", Positive(&BrokerConfig::frame_budget_bytes)},
      {"key_guesses_per_address", Positive(&BrokerConfig::key_guesses_per_address)},
      {"wake_address", String(&BrokerConfig::wake_address)},
      {"max_supervisors_per_session", Positive(&BrokerConfig::max_supervisors_per_session)},
      {"max_sessions_per_user", Positive(&BrokerConfig::max_sessions_per_user)},
      {"screen_buffer_bytes", Positive(&BrokerConfig::screen_buffer_bytes)},
      {"slow_consumer_bytes", Positive(&BrokerConfig::slow_consumer_bytes)},
      {"viewer_budget_bytes", Positive(&BrokerConfig::viewer_budget_bytes)},
      {"viewer_full_rate_bytes", Positive(&BrokerConfig::viewer_full_rate_bytes)},
      {"viewer_share_percent", Positive(&BrokerConfig::viewer_share_percent, 100)},
      {"wake_port", Positive(&BrokerConfig::wake_port)},
  };
  return kKeys;
}

Status ParseFailure(const std::string& path, const toml::parse_error& error) {
  return Status::BadRequest(path + ":" + std::to_string(error.source().begin.line) + ": " +
                            std::string(error.description()));
}

Status ApplyTable(const toml::table& table, const std::string& path, BrokerConfig& config) {
  for (const auto& [key, node] : table) {
    std::string where = Where(path, node) + ": '" + std::string(key.str()) + "'";
    auto it = Keys().find(std::string(key.str()));
    if (it == Keys().end()) {
      return Status::BadRequest(Where(path, node) + ": unknown setting '" + std::string(key.str()) + "'");
    }
    Status s = it->second(node, config, where);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status ParseListen(const std::string& text, BrokerConfig& config) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::BadRequest("must be HOST:PORT");
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  if (host.front() == '[') {  // an IPv6 address: [::1]:7070
    if (host.size() < 3 || host.back() != ']') return Status::BadRequest("must be HOST:PORT or [IPV6]:PORT");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return Status::BadRequest("an IPv6 address must be in brackets: [::1]:7070");
  }
  bool digits = !port_text.empty() && port_text.size() <= 5 &&
                port_text.find_first_not_of("0123456789") == std::string::npos;
  int port = digits ? std::stoi(port_text) : -1;
  if (port < 0 || port > 65535) return Status::BadRequest("port must be a number 0..65535");
  config.listen_host = host;
  config.listen_port = static_cast<std::uint16_t>(port);
  return Status::Ok();
}

std::string RecordingsDirectory(const BrokerConfig& config) {
  if (!config.recordings_dir.empty()) return config.recordings_dir;
  std::filesystem::path db(config.db_path);
  return (db.has_parent_path() ? db.parent_path() / "recordings" : std::filesystem::path("recordings")).string();
}

bool IsLoopbackHost(const std::string& host) {
  // Parsed, not prefix-matched: "127.example.com" is a name that can point anywhere.
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return host == "localhost";
}

Status LoadConfigFile(const std::string& path, BrokerConfig& config) {
  try {
    return ApplyTable(toml::parse_file(path), path, config);
  } catch (const toml::parse_error& error) {
    return ParseFailure(path, error);
  }
}

Status LoadConfigText(std::string_view text, const std::string& name, BrokerConfig& config) {
  try {
    return ApplyTable(toml::parse(text, name), name, config);
  } catch (const toml::parse_error& error) {
    return ParseFailure(name, error);
  }
}

}  // namespace tether::broker
