// ChildProcess: a program started for a test with its stdout and stderr captured
// (merged), stdin from a pipe, an environment of our choosing, and waits that end with a
// timeout instead of hanging the test run. tmux_pane.h runs programs on a terminal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tether::tools::cli::testing {

using namespace std::chrono_literals;

class ChildProcess {
 public:
  // `env` entries ("NAME=value") are added to (or replace in) the test's environment.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads output until it contains `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  void WriteStdin(const std::string& text);
  void Signal(int signum);
  void CloseStdin();
  // The exit status (128 + signal when killed), or nullopt after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  void ReadAvailable(int timeout_ms);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int output_fd_ = -1;
  std::string output_;
  std::optional<int> status_;
};

// Runs to completion (at most `timeout`): exit status and merged output.
int RunToEnd(const std::vector<std::string>& argv, const std::vector<std::string>& env, std::string* output,
             std::chrono::milliseconds timeout = 20s);

}  // namespace tether::tools::cli::testing
