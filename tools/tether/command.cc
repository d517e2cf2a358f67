// Shared command plumbing (command.h).
#include "tether/command.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace tether::tools::cli {

std::string LoginPath() { return ConfigFilePath("tether", "token"); }

Result<SavedLogin> LoadSavedLogin() { return LoadLogin(LoginPath(), kHowToLogIn); }

int Fail(std::string_view command, const Status& status) {
  std::fprintf(stderr, "tether %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               status.ToString().c_str());
  return kExitFailed;
}

int FailWith(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "tether %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return kExitFailed;
}

Result<std::unique_ptr<client::BlockingClient>> ConnectTo(const std::string& url) {
  client::ConnectOptions options;
  options.url = url;
  return client::BlockingClient::Connect(options, kBrokerTimeout);
}

Result<std::unique_ptr<client::BlockingClient>> ConnectWithSavedLogin(SavedLogin* saved_out) {
  auto saved = LoadSavedLogin();
  if (!saved.ok()) return saved.status();
  auto client = ConnectTo(saved->broker);
  if (!client.ok()) return client.status();
  auto hello = (*client)->Hello(Value::MapOf({{"kind", "token"}, {"token", saved->token}}), kBrokerTimeout);
  if (!hello.ok()) return hello.status();
  if (saved_out != nullptr) *saved_out = *saved;
  return std::move(*client);
}

void PrintJsonLine(const Value& value) { std::cout << value.ToJson() << std::endl; }

}  // namespace tether::tools::cli
