// TmuxPane: a program on a real terminal for a test — a detached tmux session on a
// private server socket (never the user's tmux), driven with send-keys and read with
// capture-pane, the way a person would use `tether connect`.
#pragma once

#include <chrono>
#include <string>

namespace tether::tools::cli::testing {

class TmuxPane {
 public:
  // Runs `shell_command` (sh -c) in a `cols`×`rows` pane; the server socket lives in
  // `dir`. The pane stays open after the command ends (remain-on-exit), so the test can
  // read the last lines.
  TmuxPane(const std::string& dir, const std::string& shell_command, int cols = 120, int rows = 40);
  ~TmuxPane();  // kill-server
  TmuxPane(const TmuxPane&) = delete;
  TmuxPane& operator=(const TmuxPane&) = delete;

  bool started() const { return started_; }
  // send-keys -l: the text as typed, no key names.
  void Type(const std::string& text);
  // send-keys with key names ("Enter", "C-c").
  void Press(const std::string& key);
  void Resize(int cols, int rows);
  // The pane's text, history included.
  std::string Capture();
  // Polls Capture() until it holds `text` `times` times; false after `timeout`.
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout, int times = 1);

 private:
  int Tmux(const std::string& args, std::string* output = nullptr);

  std::string socket_;
  bool started_ = false;
};

}  // namespace tether::tools::cli::testing
