// PtyShell: forkpty, the loop side (poll, SIGCHLD, drain) and the hang-up reaper.
#include "pty_shell.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "system_info.h"

extern char** environ;

namespace tether::agent {
namespace {

// After the shell was reaped its last output may still be on its way to the master.
constexpr std::uint64_t kDrainMs = 200;
constexpr std::uint64_t kReapPollMs = 20;

std::string ShellProgram(const ShellOptions& options) {
  if (!options.program.empty()) return options.program;
  const char* shell = std::getenv("SHELL");
  if (shell != nullptr && shell[0] == '/') return shell;
  return "/bin/sh";
}

// The agent's environment, with extra_env and the login variables (HOME, USER, ...)
// applied on top. Built before fork: the child may only call async-signal-safe functions.
std::vector<std::string> ShellEnvironment(const ShellOptions& options, const std::string& program) {
  std::vector<std::string> overrides = options.extra_env;
  LoginIdentity me = CurrentLogin();
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"HOME", me.home},
                                    {"USER", me.user}, {"LOGNAME", me.user}, {"SHELL", program}}) {
    if (std::getenv(name.c_str()) == nullptr && !value.empty()) overrides.push_back(name + "=" + value);
  }
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    bool replaced = false;
    for (const std::string& o : overrides) replaced = replaced || name_of(o) == name_of(*e);
    if (!replaced) env.emplace_back(*e);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecShell(const char* program, char** argv, char** envp, const char* dir, int max_fd) {
  struct sigaction defaults;
  std::memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &defaults, nullptr);  // lws ignores SIGPIPE
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < max_fd; ++fd) close(fd);
  }
  if (chdir(dir) != 0 && chdir("/") != 0) _exit(127);
  execve(program, argv, envp);
  _exit(127);
}

int StatusFromWait(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

// Hangs up a shell that outlives its PtyShell: SIGHUP now, SIGKILL after the grace, and
// a timer that reaps it (no zombie) and then frees itself.
struct Reaper {
  uv_timer_t timer;
  pid_t pid;
  std::uint64_t kill_at;
  bool killed = false;
};

void ReaperTick(uv_timer_t* timer) {
  auto* reaper = static_cast<Reaper*>(timer->data);
  int status = 0;
  pid_t done = waitpid(reaper->pid, &status, WNOHANG);
  if (done == reaper->pid || (done < 0 && errno == ECHILD)) {
    uv_timer_stop(timer);
    uv_close(reinterpret_cast<uv_handle_t*>(timer),
             [](uv_handle_t* h) { delete static_cast<Reaper*>(h->data); });
    return;
  }
  if (!reaper->killed && uv_now(timer->loop) >= reaper->kill_at) {
    kill(-reaper->pid, SIGKILL);
    kill(reaper->pid, SIGKILL);
    reaper->killed = true;
  }
}

void HangUp(uv_loop_t* loop, pid_t pid, std::chrono::milliseconds grace) {
  kill(-pid, SIGHUP);  // the shell leads its own process group (setsid in forkpty)
  kill(pid, SIGHUP);
  kill(-pid, SIGCONT);  // a stopped shell would not see the SIGHUP until continued
  auto* reaper = new Reaper{};
  reaper->pid = pid;
  reaper->kill_at = uv_now(loop) + static_cast<std::uint64_t>(grace.count());
  uv_timer_init(loop, &reaper->timer);
  reaper->timer.data = reaper;
  uv_timer_start(&reaper->timer, &ReaperTick, 0, kReapPollMs);
}

}  // namespace

PtyShell::PtyShell(uv_loop_t* loop, ShellOptions options, ShellHandlers handlers)
    : loop_(loop), options_(std::move(options)),
      handlers_(std::make_shared<const ShellHandlers>(std::move(handlers))) {}

Result<std::unique_ptr<PtyShell>> PtyShell::Start(uv_loop_t* loop, ShellOptions options,
                                                  ShellHandlers handlers) {
  std::unique_ptr<PtyShell> shell(new PtyShell(loop, std::move(options), std::move(handlers)));
  if (Status status = shell->Spawn(); !status.ok()) return status;
  return shell;
}

Status PtyShell::Spawn() {
  // SIGCHLD is watched before the fork so that even an instant exit is seen.
  child_signal_.Init([this](uv_signal_t* h) { return uv_signal_init(loop_, h); }, this);
  uv_signal_start(child_signal_.get(), [](uv_signal_t* h, int) { static_cast<PtyShell*>(h->data)->OnChildSignal(); },
                  SIGCHLD);
  drain_timer_.Init([this](uv_timer_t* h) { return uv_timer_init(loop_, h); }, this);

  std::string program = ShellProgram(options_);
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), options_.args.begin(), options_.args.end());
  std::vector<std::string> env_strings = ShellEnvironment(options_, program);
  std::vector<char*> argv = Pointers(argv_strings);
  std::vector<char*> envp = Pointers(env_strings);
  std::string dir = options_.working_dir.empty() ? CurrentLogin().home : options_.working_dir;
  if (dir.empty()) dir = "/";
  long open_max = sysconf(_SC_OPEN_MAX);
  int max_fd = open_max > 0 && open_max < 65536 ? static_cast<int>(open_max) : 65536;

  winsize size{};
  size.ws_col = options_.cols;
  size.ws_row = options_.rows;
  pid_ = forkpty(&master_fd_, nullptr, nullptr, &size);
  if (pid_ < 0) return Status::Internal(std::string("cannot start a shell: forkpty: ") + std::strerror(errno));
  if (pid_ == 0) ExecShell(program.c_str(), argv.data(), envp.data(), dir.c_str(), max_fd);

  fcntl(master_fd_, F_SETFL, fcntl(master_fd_, F_GETFL) | O_NONBLOCK);
  fcntl(master_fd_, F_SETFD, FD_CLOEXEC);
  int rc = poll_.Init([this](uv_poll_t* h) { return uv_poll_init(loop_, h, master_fd_); }, this);
  if (rc != 0) return Status::Internal(std::string("cannot watch the shell's terminal: ") + uv_strerror(rc));
  UpdatePoll();
  return Status::Ok();
}

PtyShell::~PtyShell() {
  *alive_ = false;
  if (poll_.initialized()) uv_poll_stop(poll_.get());  // before the fd is closed
  if (master_fd_ >= 0) close(master_fd_);  // the kernel hangs up the terminal too
  if (pid_ > 0 && !reaped_) HangUp(loop_, pid_, options_.kill_grace);
}

Status PtyShell::Write(std::span<const std::uint8_t> bytes) {
  if (exited_ || output_done_) return Status::Conflict("the shell has exited");
  if (pending_input_.size() + bytes.size() > options_.max_pending_input) {
    return Status(protocol::ErrorCode::kLimitReached, "the shell is not reading its input");
  }
  pending_input_.insert(pending_input_.end(), bytes.begin(), bytes.end());
  FlushInput();
  UpdatePoll();
  return Status::Ok();
}

Status PtyShell::Resize(std::uint16_t cols, std::uint16_t rows) {
  if (cols == 0 || rows == 0) return Status::BadRequest("cols and rows must be positive");
  winsize size{};
  size.ws_col = cols;
  size.ws_row = rows;
  if (ioctl(master_fd_, TIOCSWINSZ, &size) != 0) {
    return Status::Internal(std::string("TIOCSWINSZ: ") + std::strerror(errno));
  }
  return Status::Ok();
}

void PtyShell::PauseOutput() {
  paused_ = true;
  UpdatePoll();
}

void PtyShell::ResumeOutput() {
  paused_ = false;
  UpdatePoll();
}

void PtyShell::UpdatePoll() {
  if (!poll_.initialized() || exited_) return;
  int events = 0;
  if (!output_done_ && (!paused_ || reaped_)) events |= UV_READABLE;  // drain at exit even if paused
  if (!output_done_ && !pending_input_.empty()) events |= UV_WRITABLE;
  if (events == 0) {
    uv_poll_stop(poll_.get());
    return;
  }
  uv_poll_start(poll_.get(), events, [](uv_poll_t* h, int status, int events) {
    static_cast<PtyShell*>(h->data)->OnPoll(status, events);
  });
}

void PtyShell::OnPoll(int status, int events) {
  auto alive = alive_;
  if (status < 0) {
    output_done_ = true;
  } else {
    if (events & UV_WRITABLE) FlushInput();
    if (events & UV_READABLE) {
      // While draining after the exit, read everything that is there.
      do {
        if (!ReadChunk() || !*alive) break;
      } while (reaped_);
      if (!*alive) return;
    }
  }
  if (output_done_) OnChildSignal();  // EIO usually means the shell is gone: reap it now
  if (!*alive) return;
  UpdatePoll();
  FinishIfDone();
}

bool PtyShell::ReadChunk() {
  std::uint8_t buffer[kMaxOutputChunk];
  ssize_t n = read(master_fd_, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  if (n <= 0) {  // EIO: every slave descriptor is closed
    output_done_ = true;
    return false;
  }
  auto handlers = handlers_;
  if (handlers->on_output) handlers->on_output(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(n)));
  return true;
}

void PtyShell::FlushInput() {
  while (!pending_input_.empty()) {
    ssize_t n = write(master_fd_, pending_input_.data(), pending_input_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      pending_input_.clear();  // the terminal is gone
      return;
    }
    pending_input_.erase(pending_input_.begin(), pending_input_.begin() + n);
  }
}

void PtyShell::OnChildSignal() {
  if (reaped_ || pid_ <= 0) return;
  int wait_status = 0;
  if (waitpid(pid_, &wait_status, WNOHANG) != pid_) return;  // someone else's child
  reaped_ = true;
  exit_status_ = StatusFromWait(wait_status);
  uv_signal_stop(child_signal_.get());
  if (!output_done_) {
    uv_timer_start(drain_timer_.get(), [](uv_timer_t* h) {
      auto* self = static_cast<PtyShell*>(h->data);
      self->output_done_ = true;  // give up on output a background job keeps open
      self->FinishIfDone();
    }, kDrainMs, 0);
  }
  UpdatePoll();
  FinishIfDone();
}

void PtyShell::FinishIfDone() {
  if (exited_ || !reaped_ || !output_done_) return;
  exited_ = true;
  uv_timer_stop(drain_timer_.get());
  if (poll_.initialized()) uv_poll_stop(poll_.get());
  auto handlers = handlers_;
  if (handlers->on_exit) handlers->on_exit(exit_status_);
}

}  // namespace tether::agent
