// Tests on a real terminal through tmux (tmux_pane.h).
#include "tmux_pane.h"

#include <thread>

#include "child_process.h"

namespace tether::tools::cli::testing {
namespace {

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

int Count(const std::string& haystack, const std::string& needle) {
  int count = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++count;
  return count;
}

}  // namespace

TmuxPane::TmuxPane(const std::string& dir, const std::string& shell_command, int cols, int rows)
    : socket_(dir + "/tmux.sock") {
  started_ = Tmux("new-session -d -s t -x " + std::to_string(cols) + " -y " + std::to_string(rows) + " " +
                  Quote(shell_command) + " </dev/null >/dev/null 2>&1") == 0;  // the server keeps no pipe of ours
  if (started_) Tmux("set-option -t t remain-on-exit on");
}

TmuxPane::~TmuxPane() { Tmux("kill-server"); }

int TmuxPane::Tmux(const std::string& args, std::string* output) {
  std::string ignored;
  // TMUX unset: a test run from inside tmux must not talk to that server.
  return RunToEnd({"/bin/sh", "-c", "exec tmux -S " + Quote(socket_) + " " + args}, {"TMUX="},
                  output != nullptr ? output : &ignored, std::chrono::seconds(10));
}

void TmuxPane::Type(const std::string& text) { Tmux("send-keys -t t -l " + Quote(text)); }

void TmuxPane::Press(const std::string& key) { Tmux("send-keys -t t " + key); }

void TmuxPane::Resize(int cols, int rows) {
  Tmux("resize-window -t t -x " + std::to_string(cols) + " -y " + std::to_string(rows));
}

std::string TmuxPane::Capture() {
  std::string text;
  Tmux("capture-pane -p -J -S -500 -t t", &text);
  return text;
}

bool TmuxPane::WaitFor(const std::string& text, std::chrono::milliseconds timeout, int times) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (Count(Capture(), text) >= times) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace tether::tools::cli::testing
