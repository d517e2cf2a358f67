// The saved session file and the token login.
#include "tetherctl/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace tether::tools::ctl {

using protocol::ErrorCode;
using protocol::Value;

std::string SessionPath() { return ConfigFilePath("tetherctl", "session"); }

Status SaveSession(const SavedSession& session) { return SaveLogin(SessionPath(), session); }

Result<SavedSession> LoadSession() {
  return LoadLogin(SessionPath(), "run 'tetherctl --broker URL --org SLUG login --email E'");
}

Status ForgetSession() { return ForgetLogin(SessionPath()); }

Result<std::unique_ptr<client::BlockingClient>> ConnectTo(const std::string& url) {
  client::ConnectOptions options;
  options.url = url;
  return client::BlockingClient::Connect(options, kBrokerTimeout);
}

Result<OpenSession> OpenSavedSession(const Globals& globals) {
  auto saved = LoadSession();
  if (!saved.ok()) return saved.status();
  // A token belongs to one broker and one organisation: refuse to send it elsewhere
  // rather than silently acting on a different organisation than the one asked for.
  if ((!globals.org.empty() && globals.org != saved->org) ||
      (!globals.broker.empty() && globals.broker != saved->broker)) {
    return Status::Unauthenticated("the saved session is for organisation '" + saved->org + "' on " +
                                   saved->broker + "; log in to the one you named first");
  }
  auto client = ConnectTo(saved->broker);
  if (!client.ok()) return client.status();
  auto hello = (*client)->Hello(Value::MapOf({{"kind", "token"}, {"token", saved->token}}), kBrokerTimeout);
  if (!hello.ok()) {
    const Status& status = hello.status();
    if (status.code() == ErrorCode::kUnauthenticated || status.code() == ErrorCode::kExpired) {
      return Status(status.code(), status.message() + " (run 'tetherctl login' again)");
    }
    return status;
  }
  return OpenSession{std::move(saved).value(), std::move(client).value(), std::move(hello).value()};
}

}  // namespace tether::tools::ctl
