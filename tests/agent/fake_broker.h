// FakeBroker: a test-only WebSocket server that plays the broker's side of sessions for
// the agent's end-to-end tests, until the real broker has them. It runs libwebsockets on
// its own uv loop and thread (the pattern of tests/client/script_server), listens on
// 127.0.0.1 on a free port, and:
//   - answers `hello` with the reply the test set (ok fields, or an error then close
//     4401), every other request with `ok`;
//   - records everything the agent sends (control messages decoded, data frames raw);
//   - sends what the test pushes (events, frames) to the newest connection;
//   - drops every connection on demand (close 1001, as a broker restart would).
//
// Thread-safety: every public method may be called from the test thread while the
// server runs; the server's own state lives on its thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::agent::testing {

using protocol::Value;

class FakeBroker {
 public:
  struct Received {
    int connection = 0;             // 1 for the first connection, 2 for the next, ...
    std::optional<Value> control;   // a control message
    std::vector<std::uint8_t> frame;  // or a data frame (the whole message)
  };

  static std::unique_ptr<FakeBroker> Start();
  ~FakeBroker();

  std::string url() const;
  // The answer to every hello from now on: ok with `fields`, or the error then 4401.
  void SetHelloReply(Value fields);
  void SetHelloError(protocol::ErrorCode code, std::string message);
  // To the newest connection.
  void Push(Value event);
  void PushFrame(std::vector<std::uint8_t> frame);
  // Close frame 1001 "shutdown" on every open connection.
  void DropConnections();

  std::vector<Received> received() const;
  // The first control message of type `t` (after `skip` earlier ones), if any.
  std::optional<Value> Find(const std::string& t, std::size_t skip = 0) const;
  std::size_t Count(const std::string& t) const;
  int connections() const;

  struct State;  // lives on the server thread

 private:
  FakeBroker() = default;
  std::unique_ptr<State> state_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tether::agent::testing
