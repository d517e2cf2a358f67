// Child processes for the tether binary's tests (child_process.h).
#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace tether::tools::cli::testing {
namespace {

std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string item(*entry);
    std::string name = item.substr(0, item.find('='));
    bool replaced = false;
    for (const std::string& e : extra) replaced = replaced || e.substr(0, e.find('=')) == name;
    if (!replaced) merged.push_back(item);
  }
  merged.insert(merged.end(), extra.begin(), extra.end());
  return merged;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
  std::vector<std::string> args = argv, environment = MergedEnvironment(env);
  std::vector<char*> arg_pointers = Pointers(args), env_pointers = Pointers(environment);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    setpgid(0, 0);  // a signal to the test's group does not reach it, and vice versa
    execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  output_fd_ = out[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    Wait(5s);
  }
  CloseStdin();
  if (output_fd_ >= 0) close(output_fd_);
}

void ChildProcess::ReadAvailable(int timeout_ms) {
  if (output_fd_ < 0) return;
  pollfd ready{output_fd_, POLLIN, 0};
  if (poll(&ready, 1, timeout_ms) <= 0) return;
  char buffer[4096];
  ssize_t n = read(output_fd_, buffer, sizeof buffer);
  if (n > 0) {
    output_.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0) {
    close(output_fd_);
    output_fd_ = -1;
  }
}

bool ChildProcess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (output_.find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline || output_fd_ < 0) return output_.find(text) != std::string::npos;
    ReadAvailable(20);
  }
  return true;
}

void ChildProcess::WriteStdin(const std::string& text) {
  if (stdin_fd_ >= 0) (void)!write(stdin_fd_, text.data(), text.size());
}

void ChildProcess::Signal(int signum) {
  if (pid_ > 0 && !status_) kill(pid_, signum);
}

void ChildProcess::CloseStdin() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_ && pid_ > 0) {
    int raw = 0;
    pid_t done = waitpid(pid_, &raw, WNOHANG);
    if (done == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    ReadAvailable(10);
  }
  while (output_fd_ >= 0 && status_) {
    std::size_t before = output_.size();
    ReadAvailable(50);
    if (output_.size() == before) break;
  }
  return status_;
}

int RunToEnd(const std::vector<std::string>& argv, const std::vector<std::string>& env, std::string* output,
             std::chrono::milliseconds timeout) {
  ChildProcess child(argv, env);
  child.CloseStdin();
  std::optional<int> status = child.Wait(timeout);
  *output = child.output();
  return status.value_or(-1);
}

}  // namespace tether::tools::cli::testing
