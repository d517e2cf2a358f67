#include "url.h"

#include <charconv>

namespace tether::client {
namespace {

using protocol::Result;
using protocol::Status;

Status BadUrl(std::string_view url, std::string_view why) {
  return Status::BadRequest("bad url '" + std::string(url) + "': " + std::string(why));
}

bool ConsumePrefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

}  // namespace

Result<WsUrl> ParseWsUrl(std::string_view url) {
  WsUrl out;
  std::string_view rest = url;
  if (ConsumePrefix(rest, "wss://")) {
    out.tls = true;
  } else if (!ConsumePrefix(rest, "ws://")) {
    return BadUrl(url, "scheme must be ws:// or wss://");
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));

  std::string_view port_text;
  if (ConsumePrefix(authority, "[")) {  // IPv6 literal: [::1]:8080
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unclosed '['");
    out.host = std::string(authority.substr(0, close));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !ConsumePrefix(after, ":")) return BadUrl(url, "junk after ']'");
    port_text = after;
  } else {
    std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return BadUrl(url, "missing host");

  out.port = out.tls ? 443 : 80;
  bool explicit_port = !port_text.empty();
  if (explicit_port) {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(),
                                     out.port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || out.port < 1 ||
        out.port > 65535) {
      return BadUrl(url, "bad port");
    }
  }
  bool v6 = out.host.find(':') != std::string::npos;
  out.host_header = v6 ? "[" + out.host + "]" : out.host;
  if (explicit_port) out.host_header += ":" + std::to_string(out.port);
  return out;
}

}  // namespace tether::client
