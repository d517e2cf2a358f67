// tether: the technician's command-line client. This version logs in (saving the token),
// shows the organisation, and logs out; sessions come with the session issue.
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tether/client/blocking_client.h"
#include "common/saved_login.h"

namespace {

using tether::protocol::Value;
using namespace std::chrono_literals;
namespace tc = tether::client;
namespace tt = tether::tools;

constexpr auto kTimeout = 15s;
constexpr const char* kHowToLogIn = "run 'tether login --org SLUG --email E' first";

std::string LoginPath() { return tt::ConfigFilePath("tether", "token"); }

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

void PrintJson(const Value& value) { std::cout << nlohmann::json::parse(value.ToJson()).dump(2) << "\n"; }

int Fail(const std::string& what, const tether::protocol::Status& status) {
  std::fprintf(stderr, "tether %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

tether::protocol::Result<std::unique_ptr<tc::BlockingClient>> ConnectTo(const std::string& url) {
  tc::ConnectOptions options;
  options.url = url;
  return tc::BlockingClient::Connect(options, kTimeout);
}

int Login(const std::string& broker, const std::string& org, const std::string& email) {
  std::string password = ReadPassword();
  auto client = ConnectTo(broker);
  if (!client.ok()) return Fail("login", client.status());
  auto reply = (*client)->Hello(
      Value::MapOf({{"kind", "password"}, {"org", org}, {"email", email}, {"password", password}}), kTimeout);
  if (!reply.ok()) return Fail("login", reply.status());
  tt::SavedLogin saved{broker, org, email, reply->Find("token")->as_string(), reply->Find("expires_at")->as_uint()};
  auto stored = tt::SaveLogin(LoginPath(), saved);
  if (!stored.ok()) return Fail("login", stored);
  Value shown = Value::MapOf({{"user", *reply->Find("user")}, {"privileges", *reply->Find("privileges")},
                              {"expires_at", saved.expires_at}});
  PrintJson(shown);
  std::fprintf(stderr, "logged in; token saved in %s\n", LoginPath().c_str());
  return 0;
}

// Connects with the saved token, then runs `request` and prints its answer.
int WithSavedLogin(const std::string& what, const Value& request, bool forget_after) {
  auto saved = tt::LoadLogin(LoginPath(), kHowToLogIn);
  if (!saved.ok()) return Fail(what, saved.status());
  auto client = ConnectTo(saved->broker);
  if (!client.ok()) return Fail(what, client.status());
  auto hello = (*client)->Hello(Value::MapOf({{"kind", "token"}, {"token", saved->token}}), kTimeout);
  if (!hello.ok()) return Fail(what, hello.status());
  auto reply = (*client)->Call(request, kTimeout);
  if (!reply.ok()) return Fail(what, reply.status());
  if (forget_after) {
    (void)tt::ForgetLogin(LoginPath());
    std::fprintf(stderr, "logged out\n");
    return 0;
  }
  Value shown = *reply;
  shown.as_map().erase(shown.as_map().begin(), shown.as_map().begin() + 2);  // drop "t" and "re"
  PrintJson(shown);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tether: the Tether technician's client"};
  app.require_subcommand(1);
  std::string broker = "ws://127.0.0.1:7070/v1/ws", org, email;
  CLI::App* login = app.add_subcommand("login", "log in (password from the terminal or stdin) and save the token");
  login->add_option("--broker", broker, "broker URL (default ws://127.0.0.1:7070/v1/ws)");
  login->add_option("--org", org, "organisation slug")->required();
  login->add_option("--email", email, "your email")->required();
  CLI::App* org_cmd = app.add_subcommand("org", "show the organisation");
  CLI::App* logout = app.add_subcommand("logout", "revoke the saved token and forget it");
  CLI11_PARSE(app, argc, argv);

  if (login->parsed()) return Login(broker, org, email);
  if (org_cmd->parsed()) return WithSavedLogin("org", Value::MapOf({{"t", "org.get"}}), false);
  if (logout->parsed()) return WithSavedLogin("logout", Value::MapOf({{"t", "auth.logout"}}), true);
  return 2;
}
