// tether: the technician's command-line client — log in, list devices, start or join a
// session and work in its terminal like ssh, copy files to and from it. Each command is
// one function in commands.h; this file only parses the command line.
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "tether/command.h"
#include "tether/commands.h"

namespace {

namespace cli = tether::tools::cli;

// CLI11 stores into plain strings; an option not given stays nullopt.
std::optional<std::string> Given(const CLI::Option* option, const std::string& value) {
  return option->count() > 0 ? std::optional<std::string>(value) : std::nullopt;
}

int Main(int argc, char** argv) {
  CLI::App app{"tether: the Tether technician's client"};
  app.require_subcommand(1);

  std::string broker = cli::kDefaultBroker, org, email;
  CLI::App* login = app.add_subcommand("login", "log in (password from the terminal or stdin) and save the token");
  login->add_option("--broker", broker, "broker URL (default ws://127.0.0.1:7070/v1/ws)");
  login->add_option("--org", org, "organisation slug")->required();
  login->add_option("--email", email, "your email")->required();
  CLI::App* org_cmd = app.add_subcommand("org", "show the organisation");
  CLI::App* logout = app.add_subcommand("logout", "revoke the saved token and forget it");

  std::string group;
  bool json = false;
  CLI::App* devices = app.add_subcommand("devices", "list the devices you can reach");
  CLI::Option* group_option = devices->add_option("--group", group, "only this group's devices");
  devices->add_flag("--json", json, "the broker's answer as JSON");

  std::string state;
  CLI::App* sessions = app.add_subcommand("sessions", "list the live sessions you can see");
  CLI::Option* state_option = sessions->add_option("--state", state, "only sessions in this state (e.g. active)");
  sessions->add_flag("--json", json, "the broker's answer as JSON");

  std::string supervised;
  CLI::App* supervise = app.add_subcommand("supervise", "watch a session's terminal, read-only (~. leaves)");
  supervise->add_option("SESSION_ID", supervised, "the session (see 'tether sessions')")->required();

  bool no_terminal = false;
  CLI::App* session = app.add_subcommand("session", "attended sessions")->require_subcommand(1);
  CLI::App* session_new = session->add_subcommand("new", "get a key for a customer, then work in their terminal");
  session_new->add_flag("--json", json, "print the key as one JSON line");
  session_new->add_flag("--no-terminal", no_terminal, "do not open a terminal; wait until the session ends");

  std::string device_id;
  CLI::App* connect = app.add_subcommand("connect", "open a session with an unattended device and its terminal");
  connect->add_option("DEVICE_ID", device_id, "the device (see 'tether devices')")->required();
  connect->add_flag("--no-terminal", no_terminal, "do not open a terminal; wait until the session ends");

  std::string session_id, first_path, second_path;
  CLI::App* put = app.add_subcommand("put", "copy a file to the remote computer of a session of yours");
  put->add_option("SESSION_ID", session_id, "the session (printed when it started)")->required();
  put->add_option("LOCAL", first_path, "the file to send")->required();
  CLI::Option* put_remote = put->add_option("REMOTE", second_path, "where the agent stores it (default: LOCAL's name)");
  CLI::App* get = app.add_subcommand("get", "copy a file from the remote computer of a session of yours");
  get->add_option("SESSION_ID", session_id, "the session (printed when it started)")->required();
  get->add_option("REMOTE", first_path, "the file on the remote computer")->required();
  CLI::Option* get_local = get->add_option("LOCAL", second_path, "where to store it (default: REMOTE's name)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? cli::kExitOk : cli::kExitUsage;
  }

  if (login->parsed()) return cli::RunLogin(broker, org, email);
  if (org_cmd->parsed()) return cli::RunOrg();
  if (logout->parsed()) return cli::RunLogout();
  if (devices->parsed()) return cli::RunDevices(Given(group_option, group), json);
  if (sessions->parsed()) return cli::RunSessions(Given(state_option, state), json);
  if (supervise->parsed()) return cli::RunSupervise(supervised);
  if (session_new->parsed()) return cli::RunSession({std::nullopt, json, !no_terminal});
  if (connect->parsed()) return cli::RunSession({device_id, false, !no_terminal});
  if (put->parsed()) return cli::RunPut(session_id, first_path, Given(put_remote, second_path));
  if (get->parsed()) return cli::RunGet(session_id, first_path, Given(get_local, second_path));
  return cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout (tether connect ... | head) is an error on write, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return Main(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tether: %s\n", error.what());
    return cli::kExitFailed;
  }
}
