// Starting and stopping the real binaries.
#include "broker_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include "raw_socket.h"
#include "tether/storage/store.h"

namespace tether::e2e {
namespace {

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tether-e2e-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

std::vector<char*> ArgvOf(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Waits for `pid` up to `deadline`; true and the status when it exited.
bool WaitExit(pid_t pid, std::chrono::milliseconds deadline, int* status) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    pid_t done = ::waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// The test's environment with the sanitizer options of the broker appended (later
// options win; the runtimes ignore them in a build without sanitizers). Leak checking at
// exit is on, and any report exits with kSanitizerExitCode.
std::vector<std::string> BrokerEnvironment(bool measures_memory) {
  std::vector<std::string> env;
  std::string asan, ubsan;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (text.starts_with("ASAN_OPTIONS=")) asan = text.substr(13);
    else if (text.starts_with("UBSAN_OPTIONS=")) ubsan = text.substr(14);
    else env.emplace_back(text);
  }
  const std::string exit_code = "exitcode=" + std::to_string(kSanitizerExitCode);
  asan += ":detect_leaks=1:" + exit_code;
  if (measures_memory) asan += ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
  ubsan += ":print_stacktrace=1:halt_on_error=1:" + exit_code;
  env.push_back("ASAN_OPTIONS=" + asan);
  env.push_back("UBSAN_OPTIONS=" + ubsan);
  return env;
}

// The broker's log from its first sanitizer report on: what a failing test shows.
std::string SanitizerReport(const std::string& log) {
  for (const char* marker : {"==ERROR: ", "runtime error: "}) {
    const auto at = log.find(marker);
    if (at == std::string::npos) continue;
    const auto line = log.rfind('\n', at);
    return log.substr(line == std::string::npos ? 0 : line + 1);
  }
  return "(no report in the log; the whole log)\n" + log;
}

}  // namespace

int RunProgram(const std::vector<std::string>& argv_in, const std::string& input, std::string* output) {
  std::vector<std::string> args = argv_in;
  int in_pipe[2], out_pipe[2];
  // Close-on-exec: a child that outlives the call (a tmux server) must not hold them.
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    auto argv = ArgvOf(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  [[maybe_unused]] auto w = ::write(in_pipe[1], input.data(), input.size());
  ::close(in_pipe[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out_pipe[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(out_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

BrokerProcess::BrokerProcess(BrokerOptions options) {
  dir_ = MakeTempDir();
  std::string out;
  int init = RunProgram({TETHER_CTL_BIN, "init", "--db", db_path(), "--org", kOrg, "--name", "Acme Corp",
                         "--admin-email", kOwnerEmail},
                        std::string(kOwnerPassword) + "\n", &out);
  if (init != 0) {
    ADD_FAILURE() << "tetherctl init failed: " << out;
    return;
  }
  std::vector<std::string> args = {TETHER_BROKER_BIN, "--db", db_path(), "--listen", "127.0.0.1:0",
                                   "--port-file", dir_ + "/port"};
  if (options.test_clock) args.push_back("--test-clock");
  if (!options.config_toml.empty()) {
    std::ofstream(dir_ + "/broker.toml") << options.config_toml;
    args.insert(args.end(), {"--config", dir_ + "/broker.toml"});
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  args_ = args;
  env_ = BrokerEnvironment(options.measures_memory);
  descriptors_soft_ = options.descriptors_soft;
  descriptors_hard_ = options.descriptors_hard;
  if (!Launch()) ADD_FAILURE() << "tether-broker did not start; log:\n" << log();
}

bool BrokerProcess::Launch() {
  port_ = 0;
  std::filesystem::remove(dir_ + "/port");
  // Built before fork(): the child of a threaded test must not allocate.
  const std::string log_path = dir_ + "/broker.log";
  std::vector<std::string> args = args_, env = env_;
  auto argv = ArgvOf(args);
  auto envp = ArgvOf(env);
  pid_ = ::fork();
  if (pid_ == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(log, 1);
    ::dup2(log, 2);
    if (descriptors_hard_ != 0) {
      rlimit limit{descriptors_soft_, descriptors_hard_};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream port_file(dir_ + "/port");
    int port = 0;
    if (port_file >> port && port > 0) {
      port_ = static_cast<std::uint16_t>(port);
      // A restart listens on the same port, as a real one would: clients (the agent)
      // reconnect to the URL they know.
      auto listen = std::find(args_.begin(), args_.end(), "--listen");
      if (listen != args_.end() && listen + 1 != args_.end()) *(listen + 1) = "127.0.0.1:" + std::to_string(port);
      return true;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

void BrokerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool BrokerProcess::Restart() { return pid_ <= 0 && Launch(); }

BrokerProcess::~BrokerProcess() {
  Stop();
  if (!dir_.empty() && std::getenv("TETHER_KEEP_E2E") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

int BrokerProcess::Stop(std::chrono::milliseconds deadline) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!WaitExit(pid_, deadline, &status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (exit_status == kSanitizerExitCode) {
    ADD_FAILURE() << "tether-broker exited with a sanitizer report:\n" << SanitizerReport(log());
  }
  return exit_status;
}

std::string BrokerProcess::url(const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_) + "/v1/ws";
}

std::string BrokerProcess::log() const {
  std::ifstream in(dir_ + "/broker.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ChildProcess::ChildProcess(std::vector<std::string> argv, const std::string& log_path, std::vector<std::string> env) {
  pid_ = ::fork();
  if (pid_ == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);  // no terminal: an agent must not wait for a person here
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::setpgid(0, 0);  // its own group, so Kill() takes its shells too
    for (std::string& assignment : env) ::putenv(assignment.data());
    auto args = ArgvOf(argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() { Kill(); }

bool ChildProcess::running() { return pid_ > 0 && !Wait(0ms).has_value(); }

void ChildProcess::Kill() {
  if (pid_ <= 0 || status_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds deadline) {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  if (deadline.count() == 0) {
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  } else if (!WaitExit(pid_, deadline, &status)) {
    return std::nullopt;
  }
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return status_;
}

std::unique_ptr<client::BlockingClient> Connect(const BrokerProcess& broker, const std::string& subprotocol) {
  client::ConnectOptions options;
  options.url = broker.url();
  options.subprotocol = subprotocol;
  auto connected = client::BlockingClient::Connect(options, kWait);
  EXPECT_TRUE(connected.ok()) << connected.status().ToString();
  return connected.ok() ? std::move(connected).value() : nullptr;
}

protocol::Value PasswordAuth(const std::string& org, const std::string& email, const std::string& password) {
  return protocol::Value::MapOf({{"kind", "password"}, {"org", org}, {"email", email}, {"password", password}});
}

protocol::Value TokenAuth(const std::string& token) {
  return protocol::Value::MapOf({{"kind", "token"}, {"token", token}});
}

std::unique_ptr<client::BlockingClient> LoggedInOwner(const BrokerProcess& broker, protocol::Value* hello) {
  auto client = Connect(broker);
  if (!client) return nullptr;
  auto reply = client->Hello(PasswordAuth(), kWait);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (hello && reply.ok()) *hello = *reply;
  return client;
}

std::uint64_t ReadMetric(const BrokerProcess& broker, const std::string& name) {
  RawSocket socket(broker.port());
  socket.Write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::string text = socket.ReadUntil("\r\n\r\n\r\n", kWait);
  auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? ~0ull : std::stoull(text.substr(at + name.size() + 2));
}

std::vector<AuditRow> ReadAuditChain(const std::string& db_path, std::int64_t chain) {
  std::vector<AuditRow> rows;
  auto store = storage::OpenSqliteStore(db_path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return rows;
  auto events = (*store)->ReadAudit(chain, 1, 100000);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  if (!events.ok()) return rows;
  for (const auto& e : *events) rows.push_back({e.action, e.outcome, e.actor_id, e.details, e.session_id});
  return rows;
}

}  // namespace tether::e2e
