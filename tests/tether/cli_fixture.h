// CliTest: the `tether` binary against a FakeBroker — a private XDG_CONFIG_HOME holding
// a saved login for the fake, and helpers to run the binary in it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "common/saved_login.h"
#include "fake_broker.h"

namespace tether::tools::cli::testing {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { Begin({}); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Restarts the fake with other options (and logs in to it again).
  void Begin(FakeBrokerOptions options, const std::string& token = "good-token") {
    broker_.reset();
    broker_ = FakeBroker::Start(options);
    ASSERT_NE(broker_, nullptr);
    if (dir_.empty()) {
      char pattern[] = "/tmp/tether-cli-XXXXXX";
      dir_ = mkdtemp(pattern);
    }
    SavedLogin login{broker_->url(), "acme", "tom@acme.test", token, 4102444800000ull};
    ASSERT_TRUE(SaveLogin(dir_ + "/config/tether/token", login).ok());
  }

  std::vector<std::string> Env() const { return {"XDG_CONFIG_HOME=" + dir_ + "/config"}; }
  std::vector<std::string> Argv(std::vector<std::string> args) const {
    args.insert(args.begin(), TETHER_CLIENT_BIN);
    return args;
  }
  int Tether(std::vector<std::string> args, std::string* output) {
    return RunToEnd(Argv(std::move(args)), Env(), output);
  }
  std::unique_ptr<ChildProcess> Spawn(std::vector<std::string> args) {
    return std::make_unique<ChildProcess>(Argv(std::move(args)), Env());
  }

  std::unique_ptr<FakeBroker> broker_;
  std::string dir_;
};

}  // namespace tether::tools::cli::testing
