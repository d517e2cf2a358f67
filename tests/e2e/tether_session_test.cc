// End to end: the technician's `tether` client on a real terminal (tmux) against the real
// tether-broker and tether-agent with a real PTY shell — what a technician does: list
// devices, connect, type, resize, copy files beside the terminal, leave with `~.`, and
// get the remote shell's exit status; and an attended session started with
// `tether session new` that the customer's agent joins.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::Value;

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A detached tmux session on a private server socket (never the user's tmux).
class Pane {
 public:
  Pane(const std::string& dir, const std::string& shell_command) : socket_(dir + "/tmux.sock") {
    started_ = StartServer("new-session -d -s t -x 120 -y 40 " + Quote(shell_command)) == 0;
    if (started_) Tmux("set-option -t t remain-on-exit on");
  }
  ~Pane() { Tmux("kill-server"); }
  bool started() const { return started_; }
  void Type(const std::string& text) { Tmux("send-keys -t t -l " + Quote(text)); }
  void Press(const std::string& key) { Tmux("send-keys -t t " + key); }
  void Resize(int cols, int rows) {
    Tmux("resize-window -t t -x " + std::to_string(cols) + " -y " + std::to_string(rows));
  }
  std::string Capture() {
    std::string text;
    Tmux("capture-pane -p -J -S -500 -t t", &text);
    return text;
  }
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout = 15s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Capture().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
  // Types `line`, Enter, and waits for `expected` (not just the echo of the typed line).
  bool Run(const std::string& line, const std::string& expected) {
    Type(line);
    Press("Enter");
    return WaitFor(expected);
  }

 private:
  // The tmux server outlives the command that starts it, and keeps whatever descriptors
  // it inherited: it must get none of ours (RunProgram reads its pipe until EOF, which a
  // server holding it would postpone forever).
  int StartServer(const std::string& args) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int null = ::open("/dev/null", O_RDWR);
      for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
      ::close_range(3, ~0u, 0);
      ::unsetenv("TMUX");
      ::execl("/bin/sh", "sh", "-c", ("exec tmux -S " + Quote(socket_) + " " + args).c_str(), nullptr);
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int Tmux(const std::string& args, std::string* output = nullptr) {
    std::string ignored;
    return RunProgram({"/usr/bin/env", "-u", "TMUX", "/bin/sh", "-c", "exec tmux -S " + Quote(socket_) + " " + args},
                      "", output != nullptr ? output : &ignored);
  }
  std::string socket_;
  bool started_ = false;
};

class TetherSession : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.started()) << broker_.log();
    std::string out;
    ASSERT_EQ(RunProgram({"/usr/bin/env", ConfigEnv(), TETHER_CLIENT_BIN, "login", "--broker", broker_.url(), "--org",
                          kOrg, "--email", kOwnerEmail},
                         std::string(kOwnerPassword) + "\n", &out),
              0)
        << out;
    owner_ = LoggedInOwner(broker_);
  }

  std::string ConfigEnv() const { return "XDG_CONFIG_HOME=" + broker_.dir() + "/config"; }
  // `tether ARGS` in a pane, then its exit status and the terminal's modes (raw mode
  // must not outlive tether).
  std::string InPane(const std::string& args, const std::string& config_env = "") const {
    return "env " + (config_env.empty() ? ConfigEnv() : config_env) + " " + TETHER_CLIENT_BIN + " " + args +
           "; echo TETHER-EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | "
           "tr '\\n' ' '; echo MODES-END";
  }
  int Tether(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), {"/usr/bin/env", ConfigEnv(), TETHER_CLIENT_BIN});
    return RunProgram(args, "", out);
  }

  // Enrols an agent (its home, where relative file names land, is broker.dir()) and
  // runs it until it is online.
  std::string EnrolAndRunAgent() {
    std::string key =
        Ok(*owner_, Value::MapOf({{"t", "deploy_key.create"}, {"group_id", "0"}})).Find("deployment_key")->as_string();
    std::string config = broker_.dir() + "/agent/device.json", out;
    EXPECT_EQ(RunProgram({TETHER_AGENT_BIN, "enroll", "--broker", broker_.url(), "--deployment-key", key, "--name",
                          "server-1", "--config", config},
                         "", &out),
              0)
        << out;
    agent_ = std::make_unique<ChildProcess>(std::vector<std::string>{TETHER_AGENT_BIN, "run", "--config", config},
                                            broker_.dir() + "/agent.log",
                                            std::vector<std::string>{"HOME=" + broker_.dir(), "SHELL=/bin/sh"});
    for (int i = 0; i < 200; ++i) {
      Value devices = Ok(*owner_, Value::MapOf({{"t", "device.list"}}));
      for (const Value& d : devices.Find("devices")->as_array()) {
        if (d.Find("online")->as_bool()) return d.Find("device_id")->as_string();
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the device never came online";
    return "";
  }

  static std::string SessionIdIn(const std::string& screen) {
    std::smatch match;
    return std::regex_search(screen, match, std::regex("\\(session (s_[0-9a-f]+)\\)")) ? match[1].str() : "";
  }

  BrokerProcess broker_;
  std::unique_ptr<client::BlockingClient> owner_;
  std::unique_ptr<ChildProcess> agent_;
};

TEST_F(TetherSession, DevicesListsTheEnrolledAgentOnline) {
  std::string device = EnrolAndRunAgent();
  std::string out;
  ASSERT_EQ(Tether({"devices"}, &out), 0) << out;
  EXPECT_NE(out.find(device + "  server-1"), std::string::npos) << out;
  EXPECT_NE(out.find("yes"), std::string::npos) << out;
}

TEST_F(TetherSession, ConnectGivesARealShellThatFollowsTheWindowAndTildeDotLeaves) {
  std::string device = EnrolAndRunAgent();
  ASSERT_FALSE(device.empty());
  Pane pane(broker_.dir(), InPane("connect " + device));
  ASSERT_TRUE(pane.started());
  ASSERT_TRUE(pane.WaitFor("Connected to " + device)) << pane.Capture();
  EXPECT_TRUE(pane.Run("echo hello-$((6*7))", "hello-42")) << pane.Capture();
  EXPECT_TRUE(pane.Run("stty size", "40 120")) << pane.Capture();
  pane.Resize(100, 30);
  EXPECT_TRUE(pane.Run("stty size", "30 100")) << pane.Capture();
  pane.Press("Enter");
  pane.Type("~.");
  ASSERT_TRUE(pane.WaitFor("MODES-END")) << pane.Capture();
  std::string screen = pane.Capture();
  EXPECT_NE(screen.find("Connection to " + device + " closed (controller_ended)."), std::string::npos) << screen;
  EXPECT_NE(screen.find("TETHER-EXIT=0"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;
}

TEST_F(TetherSession, TheRemoteShellsExitStatusIsTethers) {
  std::string device = EnrolAndRunAgent();
  ASSERT_FALSE(device.empty());
  Pane pane(broker_.dir(), InPane("connect " + device));
  ASSERT_TRUE(pane.WaitFor("Connected to " + device)) << pane.Capture();
  ASSERT_TRUE(pane.Run("echo ready-$((1+1))", "ready-2")) << pane.Capture();
  pane.Type("exit 7");
  pane.Press("Enter");
  ASSERT_TRUE(pane.WaitFor("MODES-END")) << pane.Capture();
  std::string screen = pane.Capture();
  EXPECT_NE(screen.find("closed (agent_left)."), std::string::npos) << screen;
  EXPECT_NE(screen.find("TETHER-EXIT=7"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;
}

TEST_F(TetherSession, PutAndGetWorkBesideTheTerminal) {
  std::string device = EnrolAndRunAgent();
  ASSERT_FALSE(device.empty());
  Pane pane(broker_.dir(), InPane("connect " + device));
  ASSERT_TRUE(pane.WaitFor("Connected to " + device)) << pane.Capture();
  std::string session = SessionIdIn(pane.Capture());
  ASSERT_FALSE(session.empty()) << pane.Capture();

  std::string content(3 << 20, '\0');
  std::mt19937 random(7);
  for (char& c : content) c = static_cast<char>(random());
  std::string local = broker_.dir() + "/to-send.bin";
  std::ofstream(local, std::ios::binary) << content;
  std::string out;
  ASSERT_EQ(Tether({"put", session, local, "sent.bin"}, &out), 0) << out;
  std::ifstream arrived(broker_.dir() + "/sent.bin", std::ios::binary);  // the agent's home
  EXPECT_TRUE(std::string((std::istreambuf_iterator<char>(arrived)), {}) == content);
  EXPECT_TRUE(pane.Run("wc -c < sent.bin", std::to_string(content.size()))) << pane.Capture();

  ASSERT_EQ(Tether({"get", session, "sent.bin", broker_.dir() + "/back.bin"}, &out), 0) << out;
  std::ifstream back(broker_.dir() + "/back.bin", std::ios::binary);
  EXPECT_TRUE(std::string((std::istreambuf_iterator<char>(back)), {}) == content);

  EXPECT_EQ(Tether({"get", session, "no-such-file", broker_.dir() + "/nothing.bin"}, &out), 1) << out;
  EXPECT_FALSE(std::ifstream(broker_.dir() + "/nothing.bin").good());
  EXPECT_TRUE(pane.Run("echo still-$((3*3))", "still-9")) << pane.Capture();
}

TEST_F(TetherSession, ATransferIntoSomeoneElsesSessionIsRefused) {
  std::string out;
  std::ofstream(broker_.dir() + "/x.bin") << "x";
  EXPECT_EQ(Tether({"put", "s_000000000000000000000000", broker_.dir() + "/x.bin"}, &out), 1) << out;
  EXPECT_NE(out.find("not_found"), std::string::npos) << out;
}

TEST_F(TetherSession, ConnectToAnUnknownDeviceFailsWithTheBrokersAnswer) {
  std::string out;
  EXPECT_EQ(Tether({"connect", "d_000000000000000000000000"}, &out), 1) << out;
  EXPECT_NE(out.find("tether connect: not_found"), std::string::npos) << out;
}

TEST_F(TetherSession, AttendedSessionNewIsJoinedByTheCustomersAgent) {
  Pane pane(broker_.dir(), InPane("session new"));
  ASSERT_TRUE(pane.WaitFor("Waiting for the customer")) << pane.Capture();
  std::smatch match;
  std::string screen = pane.Capture();
  ASSERT_TRUE(std::regex_search(screen, match, std::regex("Session key: ([0-9]{3}) ([0-9]{3}) ([0-9]{3})"))) << screen;
  std::string key = match[1].str() + match[2].str() + match[3].str();
  // The command as printed, pasted by the customer: the key must be one argument.
  EXPECT_NE(screen.find("--key " + key), std::string::npos) << screen;
  EXPECT_NE(screen.find("tether-agent --broker " + broker_.url()), std::string::npos) << screen;
  ChildProcess customer({TETHER_AGENT_BIN, "--broker", broker_.url(), "--key", key, "--name", "Customer", "--accept"},
                        broker_.dir() + "/customer.log", {"HOME=" + broker_.dir(), "SHELL=/bin/sh"});
  ASSERT_TRUE(pane.WaitFor("Connected to")) << pane.Capture();
  EXPECT_TRUE(pane.Run("echo customer-$((2*3))", "customer-6")) << pane.Capture();
  pane.Press("Enter");
  pane.Type("~.");
  ASSERT_TRUE(pane.WaitFor("MODES-END")) << pane.Capture();
  EXPECT_NE(pane.Capture().find("TETHER-EXIT=0"), std::string::npos) << pane.Capture();
  EXPECT_TRUE(customer.Wait(10s).has_value()) << "the customer's agent did not exit when the session ended";
}

TEST_F(TetherSession, AnAdminSupervisesReadOnlyAndSessionsListsTheSession) {
  std::string device = EnrolAndRunAgent();
  ASSERT_FALSE(device.empty());
  Pane controller(broker_.dir(), InPane("connect " + device));
  ASSERT_TRUE(controller.WaitFor("Connected to " + device)) << controller.Capture();
  std::string session = SessionIdIn(controller.Capture());
  ASSERT_FALSE(session.empty()) << controller.Capture();
  ASSERT_TRUE(controller.Run("echo before-$((1+2))", "before-3")) << controller.Capture();

  auto admin = InviteAndAccept(broker_, *owner_, "watcher@acme.test", "admin");
  ASSERT_TRUE(admin);
  std::string admin_env = "XDG_CONFIG_HOME=" + broker_.dir() + "/admin-config", out;
  ASSERT_EQ(RunProgram({"/usr/bin/env", admin_env, TETHER_CLIENT_BIN, "login", "--broker", broker_.url(), "--org", kOrg,
                        "--email", "watcher@acme.test"},
                       std::string(kMemberPassword) + "\n", &out),
            0)
      << out;
  std::filesystem::create_directories(broker_.dir() + "/watcher");  // its own tmux server
  Pane watcher(broker_.dir() + "/watcher", InPane("supervise " + session, admin_env));
  ASSERT_TRUE(watcher.started());
  ASSERT_TRUE(watcher.WaitFor("Watching session " + session)) << watcher.Capture();
  EXPECT_TRUE(watcher.WaitFor("before-3")) << watcher.Capture();  // the recent screen
  ASSERT_TRUE(controller.Run("echo watched-$((5*5))", "watched-25")) << controller.Capture();
  EXPECT_TRUE(watcher.WaitFor("watched-25")) << watcher.Capture();

  // What the supervisor types goes nowhere.
  watcher.Type("echo typed-by-$((1+1))-admin");
  watcher.Press("Enter");
  ASSERT_TRUE(controller.Run("echo after-$((2*4))", "after-8")) << controller.Capture();
  EXPECT_EQ(controller.Capture().find("typed-by"), std::string::npos) << controller.Capture();

  ASSERT_EQ(Tether({"sessions", "--json"}, &out), 0) << out;
  EXPECT_NE(out.find("\"session_id\": \"" + session + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"mode\": \"view\""), std::string::npos) << out;
  ASSERT_EQ(Tether({"sessions", "--state", "active"}, &out), 0) << out;
  EXPECT_NE(out.find(session + "  active"), std::string::npos) << out;
  EXPECT_NE(out.find(device), std::string::npos) << out;

  watcher.Press("Enter");
  watcher.Type("~.");
  ASSERT_TRUE(watcher.WaitFor("MODES-END")) << watcher.Capture();
  std::string screen = watcher.Capture();
  EXPECT_NE(screen.find("TETHER-EXIT=0"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;
  EXPECT_TRUE(controller.Run("echo still-mine-$((4*4))", "still-mine-16")) << controller.Capture();
}

TEST_F(TetherSession, SupervisingAnUnknownSessionIsRefused) {
  std::string out;
  EXPECT_EQ(Tether({"supervise", "s_000000000000000000000000"}, &out), 1) << out;
  EXPECT_NE(out.find("tether supervise: not_found"), std::string::npos) << out;
}

}  // namespace
}  // namespace tether::e2e
