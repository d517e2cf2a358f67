// Echo-off reading with termios.
#include "tetherctl/terminal.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace tether::tools::ctl {
namespace {

termios saved_terminal{};

// Ctrl-C at a password prompt must not leave the shell with echo off.
extern "C" void RestoreEchoAndDie(int signal_number) {
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

std::optional<std::string> ReadSecret(const std::string& prompt) {
  bool terminal = StdinIsTerminal() && ::tcgetattr(STDIN_FILENO, &saved_terminal) == 0;
  if (terminal) {
    std::fprintf(stderr, "%s: ", prompt.c_str());
    std::fflush(stderr);
    ::signal(SIGINT, RestoreEchoAndDie);
    ::signal(SIGTERM, RestoreEchoAndDie);
    termios quiet = saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    std::fprintf(stderr, "\n");
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace tether::tools::ctl
