// Command: what every `tether` command shares — the saved login, the exit-status and
// error conventions, and the blocking "connect, hello, one request" path of the simple
// commands (org, devices, logout).
//
// Conventions: exit 0 done; 1 the broker or the system refused ("tether <cmd>: <code>:
// <message>" on stderr); 2 a usage error. stdout carries results (tables, JSON, the
// remote terminal); progress and diagnostics go to stderr, like ssh's.
//
// Thread-safety: none needed; one command per process.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/reply.h"
#include "common/saved_login.h"
#include "tether/client/blocking_client.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::tools::cli {

using protocol::Result;
using protocol::Status;
using protocol::Value;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Every blocking wait on the broker (connect, hello, each request).
inline constexpr std::chrono::milliseconds kBrokerTimeout{15'000};
inline constexpr const char* kDefaultBroker = "ws://127.0.0.1:7070/v1/ws";
inline constexpr const char* kHowToLogIn = "not logged in: run 'tether login --org SLUG --email E' first";

// $XDG_CONFIG_HOME/tether/token.
std::string LoginPath();
// The saved login, or not_found saying how to log in.
Result<SavedLogin> LoadSavedLogin();

// "tether <command>: <code>: <message>" on stderr; returns kExitFailed.
int Fail(std::string_view command, const Status& status);
// "tether <command>: <message>" on stderr; returns kExitFailed.
int FailWith(std::string_view command, std::string_view message);

// A blocking connection to `url`; the failure names the URL.
Result<std::unique_ptr<client::BlockingClient>> ConnectTo(const std::string& url);
// Connects with the saved login and sends hello {kind:"token"}.
Result<std::unique_ptr<client::BlockingClient>> ConnectWithSavedLogin(SavedLogin* saved_out = nullptr);

using tools::PrintJson;
using tools::ResultOf;
// One line of compact JSON on stdout, flushed (for scripts that read as it runs).
void PrintJsonLine(const Value& value);

}  // namespace tether::tools::cli
