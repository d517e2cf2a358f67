// Terminal mode: the local terminal of an interactive session — raw mode like ssh (every
// keystroke, Ctrl-C included, goes to the remote shell; nothing is echoed or translated
// locally) and the window size the remote PTY is told about.
//
// Raw mode is undone on every way out: RawMode's destructor, an explicit Restore(), and
// fatal signals (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL), whose handler restores the
// saved settings with tcsetattr (async-signal-safe) and then lets the signal kill the
// process as it would have. Polite signals (SIGINT, SIGTERM, SIGHUP) are the caller's:
// it watches them on its loop and unwinds normally.
//
// Thread-safety: RawMode is process-wide state (one terminal); create it on the main
// thread, at most one at a time.
#pragma once

#include <termios.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "tether/protocol/status.h"

namespace tether::tools::cli {

struct WindowSize {
  std::uint16_t cols = 0;
  std::uint16_t rows = 0;
  bool operator==(const WindowSize&) const = default;
};

// The size of the terminal on `fd` (TIOCGWINSZ); nullopt when `fd` is no terminal or
// reports 0 columns or rows.
std::optional<WindowSize> ReadWindowSize(int fd);

// The settings raw mode uses, derived from `original` (pure, for tests): no echo, no
// canonical lines, no signals from keys, no CR/NL or flow-control translation on input,
// no output post-processing, reads return after one byte.
termios RawSettings(const termios& original);

class RawMode {
 public:
  // Puts the terminal on `fd` into raw mode. Fails (kInternal) when `fd` is no terminal.
  static protocol::Result<std::unique_ptr<RawMode>> Enter(int fd);
  ~RawMode();  // Restore()
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

  // Puts the saved settings back (idempotent).
  void Restore();

 private:
  RawMode(int fd, const termios& saved);

  int fd_;
  termios saved_;
  bool restored_ = false;
};

}  // namespace tether::tools::cli
