// `tether login`, `tether org`, `tether logout`: the saved login and the organisation.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "tether/command.h"
#include "tether/commands.h"

namespace tether::tools::cli {
namespace {

// Reads a password: from the terminal with echo off, or the first line of stdin.
std::string ReadPassword() {
  bool tty = ::isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::fprintf(stderr, "Password: ");
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  return password;
}

}  // namespace

int RunLogin(const std::string& broker, const std::string& org, const std::string& email) {
  std::string password = ReadPassword();
  auto client = ConnectTo(broker);
  if (!client.ok()) return Fail("login", client.status());
  auto reply = (*client)->Hello(
      Value::MapOf({{"kind", "password"}, {"org", org}, {"email", email}, {"password", password}}), kBrokerTimeout);
  if (!reply.ok()) return Fail("login", reply.status());
  const Value* token = reply->Find("token");
  const Value* expires_at = reply->Find("expires_at");
  if (token == nullptr || !token->is_string() || expires_at == nullptr || !expires_at->is_uint()) {
    return FailWith("login", "the broker's answer holds no token");
  }
  SavedLogin saved{broker, org, email, token->as_string(), expires_at->as_uint()};
  Status stored = SaveLogin(LoginPath(), saved);
  if (!stored.ok()) return Fail("login", stored);
  Value shown = Value::MapOf({{"user", reply->Find("user") ? *reply->Find("user") : Value()},
                              {"privileges", reply->Find("privileges") ? *reply->Find("privileges") : Value()},
                              {"expires_at", saved.expires_at}});
  PrintJson(shown);
  std::fprintf(stderr, "logged in; token saved in %s\n", LoginPath().c_str());
  return kExitOk;
}

int RunOrg() {
  auto client = ConnectWithSavedLogin();
  if (!client.ok()) return Fail("org", client.status());
  auto reply = (*client)->Call(Value::MapOf({{"t", "org.get"}}), kBrokerTimeout);
  if (!reply.ok()) return Fail("org", reply.status());
  PrintJson(ResultOf(*reply));
  return kExitOk;
}

int RunLogout() {
  auto client = ConnectWithSavedLogin();
  if (!client.ok()) return Fail("logout", client.status());
  auto reply = (*client)->Call(Value::MapOf({{"t", "auth.logout"}}), kBrokerTimeout);
  if (!reply.ok()) return Fail("logout", reply.status());
  (void)ForgetLogin(LoginPath());
  std::fprintf(stderr, "logged out\n");
  return kExitOk;
}

}  // namespace tether::tools::cli
