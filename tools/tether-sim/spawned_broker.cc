#include "spawned_broker.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace tether::sim {
namespace {

using namespace std::chrono_literals;
using protocol::Status;

std::vector<char*> ArgvOf(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Runs `args` with `input` on stdin and its output into `log`; the exit status.
int RunToEnd(std::vector<std::string> args, const std::string& input, const std::string& log) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(in[0], 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    auto argv = ArgvOf(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  [[maybe_unused]] auto written = ::write(in[1], input.data(), input.size());
  ::close(in[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string RandomPassword() {
  unsigned char raw[12];
  RAND_bytes(raw, sizeof raw);
  std::string out = "sim-";
  for (unsigned char b : raw) out += "0123456789abcdef"[b & 15];
  return out;
}

}  // namespace

protocol::Result<std::unique_ptr<SpawnedBroker>> SpawnedBroker::Start(const SpawnOptions& options) {
  std::unique_ptr<SpawnedBroker> broker(new SpawnedBroker());
  std::string pattern = (std::filesystem::temp_directory_path() / "tether-sim-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return Status::Internal("cannot make a temporary directory");
  broker->dir_ = pattern;
  broker->keep_dir_ = options.keep_dir;
  const std::string db = broker->dir_ + "/tether.db", log = broker->dir_ + "/broker.log";
  broker->owner_ = {"", "sim", "owner@sim.test", RandomPassword(), false};
  int init = RunToEnd({options.tetherctl_bin, "init", "--db", db, "--org", "sim", "--name", "Simulation",
                       "--admin-email", broker->owner_.email},
                      broker->owner_.password + "\n", log);
  if (init != 0) return Status::Internal("tetherctl init failed (" + options.tetherctl_bin + "): " + broker->LogTail());

  std::vector<std::string> args = {options.broker_bin, "--db", db, "--listen", "127.0.0.1:0",
                                   "--port-file", broker->dir_ + "/port", "--test-clock"};
  args.insert(args.end(), options.broker_args.begin(), options.broker_args.end());
  broker->pid_ = ::fork();
  if (broker->pid_ == 0) {
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(out, 1);
    ::dup2(out, 2);
    auto argv = ArgvOf(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream port_file(broker->dir_ + "/port");
    int port = 0;
    if (port_file >> port && port > 0) {
      broker->owner_.url = "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
      return broker;
    }
    int status = 0;
    if (::waitpid(broker->pid_, &status, WNOHANG) == broker->pid_) {
      broker->pid_ = -1;
      return Status::Internal("tether-broker exited at start: " + broker->LogTail());
    }
    std::this_thread::sleep_for(10ms);  // start-up poll of a child process, not a test wait
  }
  return Status::Internal("tether-broker did not start within 10 s: " + broker->LogTail());
}

Status SpawnedBroker::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, SIGTERM);
  auto until = std::chrono::steady_clock::now() + 15s;
  int status = 0;
  bool exited = false;
  while (!exited && std::chrono::steady_clock::now() < until) {
    exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (!exited) std::this_thread::sleep_for(10ms);
  }
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (!exited) return Status::Internal("tether-broker did not stop within 15 s of SIGTERM: " + LogTail());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status) ? "with status " + std::to_string(WEXITSTATUS(status))
                                              : "by signal " + std::to_string(WTERMSIG(status));
    return Status::Internal("tether-broker exited " + how + " on SIGTERM, not 0: " + LogTail(8000));
  }
  return Status::Ok();
}

SpawnedBroker::~SpawnedBroker() {
  (void)Stop();  // the destructor has no one to tell; main() stops and checks first
  if (!keep_dir_ && !dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string SpawnedBroker::LogTail(std::size_t bytes) const {
  std::ifstream in(dir_ + "/broker.log");
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace tether::sim
