// Raw mode and window size (terminal_mode.h).
#include "tether/terminal_mode.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

namespace tether::tools::cli {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};

// What the fatal-signal handler restores: written before it is installed, read only by
// the handler (sig_atomic_t flags, plain data otherwise).
termios g_saved_settings;
int g_saved_fd = -1;
volatile std::sig_atomic_t g_raw_active = 0;
struct sigaction g_previous[sizeof kFatalSignals / sizeof kFatalSignals[0]];

void RestoreOnFatalSignal(int signal_number) {
  if (g_raw_active != 0) tcsetattr(g_saved_fd, TCSAFLUSH, &g_saved_settings);
  g_raw_active = 0;
  // SA_RESETHAND put the default action back: re-raising kills us the way it would have.
  raise(signal_number);
}

void InstallFatalHandlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = &RestoreOnFatalSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i) sigaction(kFatalSignals[i], &action, &g_previous[i]);
}

void RemoveFatalHandlers() {
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i) sigaction(kFatalSignals[i], &g_previous[i], nullptr);
}

}  // namespace

std::optional<WindowSize> ReadWindowSize(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) return std::nullopt;
  return WindowSize{size.ws_col, size.ws_row};
}

termios RawSettings(const termios& original) {
  termios raw = original;
  raw.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY |
                                        IXOFF);
  raw.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  return raw;
}

protocol::Result<std::unique_ptr<RawMode>> RawMode::Enter(int fd) {
  termios saved{};
  if (tcgetattr(fd, &saved) != 0) {
    return protocol::Status::Internal(std::string("not a terminal: ") + std::strerror(errno));
  }
  std::unique_ptr<RawMode> mode(new RawMode(fd, saved));
  g_saved_settings = saved;
  g_saved_fd = fd;
  g_raw_active = 1;
  InstallFatalHandlers();
  termios raw = RawSettings(saved);
  if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
    return protocol::Status::Internal(std::string("cannot set raw mode: ") + std::strerror(errno));
  }  // `mode` goes out of scope here and restores (harmlessly)
  return mode;
}

RawMode::RawMode(int fd, const termios& saved) : fd_(fd), saved_(saved) {}

RawMode::~RawMode() { Restore(); }

void RawMode::Restore() {
  if (restored_) return;
  restored_ = true;
  g_raw_active = 0;
  RemoveFatalHandlers();
  // TCSADRAIN: what the remote shell printed last reaches the screen before the mode
  // changes, so a prompt is not redrawn in cooked mode halfway.
  tcsetattr(fd_, TCSADRAIN, &saved_);
}

}  // namespace tether::tools::cli
