// BrokerProcess: a real tether-broker for end-to-end tests — a fresh temporary directory
// and database, an organisation created with the real tetherctl, the broker started on a
// free loopback port (--listen 127.0.0.1:0 --port-file), stopped with SIGTERM at the end.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tether/client/blocking_client.h"
#include "tether/protocol/value.h"

namespace tether::e2e {

using namespace std::chrono_literals;

inline constexpr const char* kOrg = "acme";
inline constexpr const char* kOwnerEmail = "owner@acme.test";
inline constexpr const char* kOwnerPassword = "correct-horse-battery";
inline constexpr auto kWait = 5s;

// The exit status a sanitizer gives the broker when it reports (an error, a leak at exit,
// undefined behaviour): set in the broker's ASAN_OPTIONS and UBSAN_OPTIONS, and looked for
// by Stop(), which turns it into a test failure showing the report. Unlikely as a real exit.
inline constexpr int kSanitizerExitCode = 86;

struct BrokerOptions {
  bool test_clock = true;
  std::vector<std::string> extra_args;  // e.g. {"--hello-timeout-ms", "300"}
  std::string config_toml;              // written to broker.toml and passed with --config
  // The test measures the broker's memory. In a sanitizer build AddressSanitizer's
  // quarantine (freed blocks kept back, 256 MiB) would read as growth: it is turned off
  // for this broker, which keeps every other check.
  bool measures_memory = false;
  // RLIMIT_NOFILE (soft, hard) the broker starts with; 0: the test's own.
  std::uint64_t descriptors_soft = 0, descriptors_hard = 0;

  BrokerOptions& WithoutTestClock() { test_clock = false; return *this; }
  BrokerOptions& Args(std::vector<std::string> args) { extra_args = std::move(args); return *this; }
  BrokerOptions& Config(std::string toml) { config_toml = std::move(toml); return *this; }
  BrokerOptions& MeasuresMemory() { measures_memory = true; return *this; }
  BrokerOptions& DescriptorLimit(std::uint64_t soft, std::uint64_t hard) {
    descriptors_soft = soft;
    descriptors_hard = hard;
    return *this;
  }
};

class BrokerProcess {
 public:
  explicit BrokerProcess(BrokerOptions options = {});
  ~BrokerProcess();  // SIGTERM, then SIGKILL if it does not stop; removes the directory
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& scheme = "ws") const;
  const std::string& dir() const { return dir_; }
  std::string db_path() const { return dir_ + "/tether.db"; }
  std::string log() const;
  pid_t pid() const { return pid_; }  // -1 when not running

  // SIGTERM and wait: the exit status (or -1 if it had to be killed). A sanitizer's report
  // (kSanitizerExitCode) also fails the test, with the report; the destructor stops too.
  int Stop(std::chrono::milliseconds deadline = 15s);
  // kill -9, as a crash would.
  void Kill();
  // Starts the broker again on the same database, options and port (after Stop or Kill).
  bool Restart();

 private:
  bool Launch();

  std::string dir_;
  std::vector<std::string> args_;
  std::vector<std::string> env_;  // the broker's whole environment, NAME=value
  std::uint64_t descriptors_soft_ = 0, descriptors_hard_ = 0;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// A program running in the background for a test (an agent): output goes to `log_path`;
// killed (SIGKILL) and reaped when destroyed.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const std::string& log_path, std::vector<std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running();
  void Kill();  // SIGKILL and reap
  // Waits for the exit: its status, or nullopt after `deadline`.
  std::optional<int> Wait(std::chrono::milliseconds deadline);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a program to completion with `input` on stdin; returns its exit status and sets
// `output` to what it wrote on stdout and stderr.
int RunProgram(const std::vector<std::string>& argv, const std::string& input, std::string* output);

// A connected client, or a failed test assertion.
std::unique_ptr<client::BlockingClient> Connect(const BrokerProcess& broker,
                                                const std::string& subprotocol = "tether.v1");
protocol::Value PasswordAuth(const std::string& org = kOrg, const std::string& email = kOwnerEmail,
                             const std::string& password = kOwnerPassword);
protocol::Value TokenAuth(const std::string& token);
// Connects and logs in as the owner: the client and the hello answer.
std::unique_ptr<client::BlockingClient> LoggedInOwner(const BrokerProcess& broker, protocol::Value* hello = nullptr);

// A sample of the broker's /metrics (Prometheus text); ~0 when the metric is absent.
std::uint64_t ReadMetric(const BrokerProcess& broker, const std::string& name);

// The audit events of one chain, read from the database file (after the broker stopped).
struct AuditRow {
  std::string action, outcome, actor_id;
  protocol::Value details;
  std::string session_id;
};
std::vector<AuditRow> ReadAuditChain(const std::string& db_path, std::int64_t chain);

}  // namespace tether::e2e
