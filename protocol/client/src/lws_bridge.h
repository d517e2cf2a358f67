// The libwebsockets callback of tether_client, kept thin (STYLE.md): it finds the
// Connection in the wsi's user data, forwards the event and returns. Internal.
#pragma once

#include <libwebsockets.h>

namespace tether::client {

// Our local protocol name; what is offered to the server is ConnectOptions::subprotocol.
inline constexpr char kClientProtocolName[] = "tether-client";

class ConnectionLwsBridge {
 public:
  static int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in,
                      size_t len);
};

}  // namespace tether::client
