// ScriptServer: a test-only WebSocket server that stands in for the broker in the
// tether_client tests. It runs libwebsockets on its own uv loop and thread, listens on
// 127.0.0.1 (port 0 = any free port), and answers each control message by its "t":
//
//   "echo" (and any other t)  → {"t":"ok","re":id,"echo":<the request>}
//   "fail"                    → error with the request's "code" and "message"
//   "hold"                    → held; once "release_after" requests are held, all are
//                               answered {"t":"ok","re":id,"tag":<tag>} in reverse order
//   "emit"                    → "count" events {"t":"event","event":"tick","n":i}, then ok
//   "close_me"                → close frame with "code" (default 4401) and "reason"
//   "ignore"                  → nothing
//
// Data frames are echoed back unchanged; text messages are answered with close 1003;
// undecodable ones with an error without "re". With `reject_http_status` set it is not a
// WebSocket server at all: every request is answered with that HTTP status.
//
// Thread-safety: Start and the destructor from one test thread; the server's own state
// lives on its thread.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <utility>

namespace tether::client::testing {

struct ScriptServerOptions {
  int port = 0;  // 0: any free port
  std::string cert_file{};  // with key_file: wss
  std::string key_file{};
  int reject_http_status = 0;
};

class ScriptServer {
 public:
  // nullptr when the server could not listen (e.g. the port is taken).
  static std::unique_ptr<ScriptServer> Start(ScriptServerOptions options = {});
  // Stops abruptly: lws sends no close frames, so clients see their TCP connection die.
  ~ScriptServer();

  int port() const { return port_; }
  std::string url(const std::string& path = "/v1/ws") const;
  int connections_accepted() const;
  // The code and reason of the last close frame a client sent (0 before any).
  std::pair<int, std::string> last_client_close() const;

  struct State;  // lives on the server thread

 private:
  ScriptServer() = default;
  std::unique_ptr<State> state_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace tether::client::testing
