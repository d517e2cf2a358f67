// LwsServer: the broker's libwebsockets context on the broker's own libuv loop — the only
// code of the broker that includes libwebsockets besides LwsTransport. It answers the
// handshake (404 wrong path, 400 unknown subprotocol, 503 over the connection cap or
// shutting down), serves /healthz and /metrics, and hands each WebSocket to an
// LwsTransport.
//
// Thread-safety: loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>

#include "core/config.h"
#include "tether/protocol/status.h"

struct lws_context;

namespace tether::broker {

class Broker;

class LwsServer {
 public:
  // Listens as `config` says; the context lives on `loop`.
  static protocol::Result<std::unique_ptr<LwsServer>> Start(Broker& broker, uv_loop_t* loop,
                                                            const BrokerConfig& config);
  ~LwsServer();
  LwsServer(const LwsServer&) = delete;
  LwsServer& operator=(const LwsServer&) = delete;

  // The port actually bound (differs from the config's when that was 0).
  std::uint16_t port() const { return port_; }

  // First stage of the multi-stage shutdown (STACK-NOTES.md): destroys the context;
  // FinishDestroy must be called after uv_run returned.
  void BeginDestroy();
  void FinishDestroy();

 private:
  explicit LwsServer(Broker& broker) : broker_(broker) {}

  Broker& broker_;
  lws_context* context_ = nullptr;  // lws nulls it through info.pcontext when fully gone
  std::uint16_t port_ = 0;
};

}  // namespace tether::broker
