// Parsing of the ws:// and wss:// URLs a Connection is given. Internal to tether_client.
#pragma once

#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::client {

struct WsUrl {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  int port = 0;      // defaults: 80 for ws, 443 for wss
  std::string path;  // starts with '/', query kept
  // The Host header value: host, bracketed when IPv6, with the port when not default.
  std::string host_header;
};

// Accepts ws://host[:port][/path] and wss://...; anything else is bad_request.
protocol::Result<WsUrl> ParseWsUrl(std::string_view url);

}  // namespace tether::client
