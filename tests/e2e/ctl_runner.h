// Ctl: runs the real tetherctl for end-to-end tests, with its own config directory
// (where `tetherctl login` saves the session) inside the broker's test directory.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "broker_process.h"

namespace tether::e2e {

class Ctl {
 public:
  explicit Ctl(const BrokerProcess& broker, const std::string& name = "ctl-config")
      : config_(broker.dir() + "/" + name) {}

  int Run(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {"/usr/bin/env", "XDG_CONFIG_HOME=" + config_, TETHER_CTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, input, &out);
  }
  // Runs a command with --json that must succeed; its parsed output.
  nlohmann::json Json(std::vector<std::string> args) {
    args.push_back("--json");
    int status = Run(args);
    EXPECT_EQ(status, 0) << out;
    auto json = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(json.is_discarded()) << "not JSON: " << out;
    return json;
  }
  int Login(const BrokerProcess& broker, const std::string& email = kOwnerEmail,
            const std::string& password = kOwnerPassword) {
    return Run({"--broker", broker.url(), "--org", kOrg, "login", "--email", email}, password + "\n");
  }
  std::string SessionPath() const { return config_ + "/tetherctl/session"; }

  std::string out;

 private:
  std::string config_;
};

}  // namespace tether::e2e
