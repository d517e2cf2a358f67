// Session: tetherctl's saved login and the authenticated connection every admin command
// starts with. The login is kept as JSON in $XDG_CONFIG_HOME/tetherctl/session (default
// ~/.config/tetherctl/session), mode 0600 like an ssh key, apart from the technician
// client's file so that an admin and a technician login on one machine do not replace
// each other.
//
// Thread-safety: none needed; tetherctl runs one command on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/saved_login.h"
#include "tether/client/blocking_client.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::tools::ctl {

using protocol::Result;
using protocol::Status;

// Every wait on the broker (connect, hello, each request).
inline constexpr std::chrono::milliseconds kBrokerTimeout{15'000};
// Used by `login` when neither --broker nor a saved session names a broker (tools/start).
inline constexpr const char* kDefaultBroker = "ws://127.0.0.1:7070/v1/ws";

using SavedSession = SavedLogin;

std::string SessionPath();
Status SaveSession(const SavedSession& session);
// NotFound "not logged in ..." when there is none.
Result<SavedSession> LoadSession();
Status ForgetSession();

// The global --broker and --org, and --json.
struct Globals {
  std::string broker;
  std::string org;
  bool json = false;
};

// Connects to `url`; the failure names the URL.
Result<std::unique_ptr<client::BlockingClient>> ConnectTo(const std::string& url);

// A connection logged in with the saved token.
struct OpenSession {
  SavedSession saved;
  std::unique_ptr<client::BlockingClient> client;
  protocol::Value hello;  // the ok reply: user, privileges
};
// Loads the saved session, checks that --broker and --org (when given) name the same
// broker and organisation, connects and sends hello {kind:"token"}.
Result<OpenSession> OpenSavedSession(const Globals& globals);

}  // namespace tether::tools::ctl
