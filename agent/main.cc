// tether-agent: the program on a managed computer. Three modes (agent/README.md):
//   tether-agent --broker URL --key 123456789        attended: the customer's side
//   tether-agent enroll --broker URL --deployment-key K --name N
//   tether-agent run                                  unattended, always connected
// Everything but the command line lives in tether_agent_lib.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "attended_agent.h"
#include "device_agent.h"
#include "enroll.h"
#include "system_info.h"

namespace {

namespace ta = tether::agent;
namespace tc = tether::client;

void Log(const std::string& line) { std::fprintf(stderr, "tether-agent: %s\n", line.c_str()); }

int Fail(const std::string& what) {
  Log(what);
  return 1;
}

// Runs one agent (AttendedAgent or DeviceAgent) on a fresh uv loop until it is done;
// SIGINT/SIGTERM stop it politely, a second one stops at once. Returns its exit code.
template <typename Agent, typename Options>
int RunAgent(Options options, const std::function<std::unique_ptr<ta::ConsentAsker>(uv_loop_t*)>& make_consent) {
  ::signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  int exit_code = 1;
  {
    auto context = tc::ClientContext::Create(&loop);
    if (!context.ok()) return Fail(context.status().ToString());
    std::unique_ptr<ta::ConsentAsker> consent = make_consent(&loop);
    bool done = false;
    auto on_done = [&](int code) {
      exit_code = code;
      done = true;
      uv_stop(&loop);
    };
    auto agent = Agent::Start(**context, std::move(options), *consent, on_done, &Log);
    if (!agent.ok()) return Fail(agent.status().message());
    struct Stopper {
      Agent* agent;
      std::function<void(int)> force;
      bool asked = false;
    } stopper{agent->get(), on_done};
    ta::UvHandle<uv_signal_t> sigint, sigterm;
    for (auto* handle : {&sigint, &sigterm}) {
      handle->Init([&loop](uv_signal_t* h) { return uv_signal_init(&loop, h); }, &stopper);
      uv_unref(reinterpret_cast<uv_handle_t*>(handle->get()));
    }
    auto on_signal = [](uv_signal_t* h, int) {
      auto* s = static_cast<Stopper*>(h->data);
      if (s->asked) return s->force(130);
      s->asked = true;
      Log("stopping (again to stop at once)");
      s->agent->Stop();
    };
    uv_signal_start(sigint.get(), on_signal, SIGINT);
    uv_signal_start(sigterm.get(), on_signal, SIGTERM);
    while (!done && uv_run(&loop, UV_RUN_DEFAULT) != 0) {
    }
    agent->reset();  // before the consent asker and the context it uses
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // lws's second shutdown stage; hung-up shells reaped
  uv_loop_close(&loop);
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tether-agent: gives a Tether technician a shell and file transfer on this computer"};
  app.require_subcommand(0, 1);
  app.footer(
      "Modes:\n"
      "  tether-agent --broker URL --key 123456789 [--name N] [--accept|--deny]   attended session\n"
      "  tether-agent enroll --broker URL --deployment-key K --name N            enroll once\n"
      "  tether-agent run [--config PATH] [--accept-unattended]                   unattended, always on\n"
      "'tether-agent enroll --help' and 'tether-agent run --help' describe their options.");
  std::uint64_t max_file_bytes = 1ull << 30;

  ta::AttendedOptions attended;
  bool accept = false, deny = false;
  attended.name = ta::CurrentLogin().user + "@" + ta::Hostname();
  app.add_option("--broker", attended.broker_url, "broker URL, e.g. wss://support.example.com/v1/ws");
  app.add_option("--key", attended.key, "the 9-digit session key the technician gave you");
  app.add_option("--name", attended.name, "your name, shown to the technician (default user@host)");
  auto* accept_flag = app.add_flag("--accept", accept, "allow the technician without asking");
  app.add_flag("--deny", deny, "refuse the technician without asking")->excludes(accept_flag);
  app.add_option("--ca-file", attended.ca_file, "CA certificate to verify a wss:// broker (default: system store)");
  app.add_option("--max-file-size", max_file_bytes, "largest file to send or receive, in bytes (default 1 GiB)");

  ta::EnrollOptions enroll;
  enroll.config_path = ta::DefaultDeviceConfigPath();
  CLI::App* enroll_cmd = app.add_subcommand("enroll", "enroll this computer for unattended access");
  enroll_cmd->add_option("--broker", enroll.broker_url, "broker URL")->required();
  enroll_cmd->add_option("--deployment-key", enroll.deployment_key, "deployment key from the console")->required();
  enroll_cmd->add_option("--name", enroll.name, "this computer's name in the console")->required();
  enroll_cmd->add_option("--config", enroll.config_path, "where to store the identity (default " + enroll.config_path + ")");
  auto* ca = enroll_cmd->add_option("--ca-file", enroll.ca_file, "CA certificate to verify the broker");
  enroll_cmd->add_flag("--insecure-skip-verify", enroll.insecure_skip_verify,
                       "trust whichever certificate the broker shows (its fingerprint is pinned afterwards)")
      ->excludes(ca);
  enroll_cmd->add_flag("--force", enroll.force, "replace an existing identity");

  ta::DeviceAgentOptions device;
  std::string config_path = ta::DefaultDeviceConfigPath();
  bool accept_unattended = false;
  CLI::App* run_cmd = app.add_subcommand("run", "stay connected as an enrolled device and serve sessions");
  run_cmd->add_option("--config", config_path, "the identity from 'enroll' (default " + config_path + ")");
  run_cmd->add_flag("--accept-unattended", accept_unattended,
                    "without a terminal, accept sessions that require confirmation (default: refuse)");
  run_cmd->add_option("--ca-file", device.ca_file, "CA certificate, when no fingerprint was stored");
  run_cmd->add_option("--max-file-size", max_file_bytes, "largest file to send or receive, in bytes (default 1 GiB)");
  std::int64_t retry_min_ms = device.reconnect.min_delay.count();
  std::int64_t retry_max_ms = device.reconnect.max_delay.count();
  run_cmd->add_option("--retry-min-ms", retry_min_ms, "first delay before reconnecting, doubled per failure (default 1000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}));
  run_cmd->add_option("--retry-max-ms", retry_max_ms, "longest delay between reconnection attempts (default 60000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}));
  CLI11_PARSE(app, argc, argv);

  if (enroll_cmd->parsed()) {
    tether::protocol::Status enrolled = ta::Enroll(enroll, &Log);
    return enrolled.ok() ? 0 : Fail("enroll: " + enrolled.ToString());
  }
  if (run_cmd->parsed()) {
    auto config = ta::LoadDeviceConfig(config_path);
    if (!config.ok()) return Fail(config.status().message());
    if (ta::IsExposedToOthers(config_path)) Log("warning: " + config_path + " is readable by others; chmod 600 it");
    device.config = *config;
    device.runner.files.max_bytes = max_file_bytes;
    if (retry_max_ms < retry_min_ms) return Fail("--retry-max-ms must not be below --retry-min-ms");
    device.reconnect.min_delay = std::chrono::milliseconds(retry_min_ms);
    device.reconnect.max_delay = std::chrono::milliseconds(retry_max_ms);
    return RunAgent<ta::DeviceAgent>(std::move(device), [accept_unattended](uv_loop_t* loop) {
      return ::isatty(STDIN_FILENO) ? std::unique_ptr<ta::ConsentAsker>(
                                          std::make_unique<ta::TerminalConsent>(loop, STDIN_FILENO, STDERR_FILENO))
                                    : std::make_unique<ta::FixedConsent>(accept_unattended);
    });
  }
  if (attended.broker_url.empty() || attended.key.empty()) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return Fail("attended mode needs --broker and --key (or use 'enroll' / 'run')");
  }
  attended.runner.files.max_bytes = max_file_bytes;
  return RunAgent<ta::AttendedAgent>(std::move(attended), [accept, deny](uv_loop_t* loop) {
    if (accept || deny) return std::unique_ptr<ta::ConsentAsker>(std::make_unique<ta::FixedConsent>(accept));
    return std::unique_ptr<ta::ConsentAsker>(std::make_unique<ta::TerminalConsent>(loop, STDIN_FILENO, STDERR_FILENO));
  });
}
