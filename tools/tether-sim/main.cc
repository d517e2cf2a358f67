// tether-sim: runs scripted scenarios against a Tether broker (docs/scenarios.md).
//   tether-sim run FILE (--spawn | --broker URL --org SLUG --email EMAIL) [--repeat N]
//              [--concurrency C] [--json]
//   tether-sim check FILE          (parse and check only)
// Exit status: 0 every expectation held; 1 one did not; 2 a usage error, a malformed
// scenario, or a broker that could not be started or set up.
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "audit_check.h"
#include "org_setup.h"
#include "report.h"
#include "runner.h"
#include "scenario_parser.h"
#include "spawned_broker.h"

namespace {

using namespace tether::sim;

struct Options {
  std::string file;
  std::string broker_url, org, email;
  bool spawn = false, json = false, keep = false;
  int repeat = 1, concurrency = 1;
  SpawnOptions spawn_options{TETHER_SIM_BROKER_BIN, TETHER_SIM_TETHERCTL_BIN, {}, false};
};

// Thousands of connections need more descriptors than the usual soft limit.
void RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string ReadPassword() {
  if (const char* env = std::getenv("TETHER_SIM_PASSWORD")) return env;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

int Run(const Options& o) {
  auto scenario = ParseScenarioFile(o.file);
  if (!scenario.ok()) {
    std::cerr << "tether-sim: " << scenario.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<SpawnedBroker> spawned;
  OwnerLogin owner;
  if (o.spawn) {
    SpawnOptions spawn_options = o.spawn_options;
    spawn_options.keep_dir = o.keep;
    auto started = SpawnedBroker::Start(spawn_options);
    if (!started.ok()) {
      std::cerr << "tether-sim: " << started.status().message() << "\n";
      return 2;
    }
    spawned = std::move(started).value();
    owner = spawned->owner();
    if (o.keep) std::cerr << "tether-sim: the broker's directory is " << spawned->dir() << "\n";
  } else {
    owner = {o.broker_url, o.org, o.email, ReadPassword(), true};
  }
  auto org = SetUpOrganisation(*scenario, owner);
  if (!org.ok()) {
    std::cerr << "tether-sim: " << scenario->file << ": " << org.status().message() << "\n";
    return 2;
  }
  RunOptions run_options;
  run_options.repeat = o.repeat;
  run_options.concurrency = o.concurrency;
  if (!o.json && ::isatty(2)) {
    run_options.progress = [repeat = o.repeat](const RunResults& r, int in_flight) {
      std::cerr << "\r" << r.iterations_done << "/" << repeat << " iterations, " << in_flight << " in flight, "
                << r.steps << " steps, " << r.failures << " failed   " << (in_flight == 0 ? "\n" : "") << std::flush;
    };
  }
  RunResults results;
  {
    Runner runner(*scenario, *org, run_options);
    if (auto status = runner.Run(); !status.ok()) {
      std::cerr << "tether-sim: " << status.ToString() << "\n";
      return 2;
    }
    results = std::move(runner.results());
  }
  if (!scenario->audit.empty()) {
    results.audit_checked = true;
    results.audit_failure = CheckAudit(*scenario, *org, results);
  }
  if (o.json) {
    std::cout << ReportJson(*scenario, results).dump(2) << "\n";
  } else {
    PrintReport(*scenario, results, std::cout);
  }
  // A spawned broker must also stop cleanly: its exit status is part of the verdict.
  const tether::protocol::Status stopped = spawned ? spawned->Stop() : tether::protocol::Status::Ok();
  if (!stopped.ok()) std::cerr << "tether-sim: " << stopped.message() << "\n";
  if (!results.passed()) {
    // The first failure on stderr too, so that a CI log shows it without the table.
    for (const auto& r : results.records) {
      if (r.verdict == Verdict::kFailed) {
        std::cerr << "tether-sim: " << scenario->file << ": " << DescribeFailure(r) << "\n";
        break;
      }
    }
    if (!results.audit_failure.empty()) std::cerr << "tether-sim: " << scenario->file << ": audit " << results.audit_failure << "\n";
    return 1;
  }
  return stopped.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tether-sim: scripted Tether sessions, from one scenario to thousands (docs/scenarios.md)"};
  app.require_subcommand(1);
  Options o;
  auto* run = app.add_subcommand("run", "run a scenario");
  run->add_option("file", o.file, "the scenario (YAML)")->required();
  auto* spawn = run->add_flag("--spawn", o.spawn, "start a private tether-broker (temporary database, --test-clock)");
  auto* broker = run->add_option("--broker", o.broker_url, "an existing broker's URL (ws://HOST:PORT/v1/ws)");
  run->add_option("--org", o.org, "with --broker: the organisation's slug");
  run->add_option("--email", o.email, "with --broker: its Super Admin's email (password: $TETHER_SIM_PASSWORD or stdin)");
  spawn->excludes(broker);
  run->add_option("--repeat", o.repeat, "run the actors N times")->check(CLI::Range(1, 10'000'000));
  run->add_option("--concurrency", o.concurrency, "at most C iterations at once")->check(CLI::Range(1, 100'000));
  run->add_flag("--json", o.json, "one JSON object on stdout instead of the table");
  run->add_option("--broker-bin", o.spawn_options.broker_bin, "with --spawn: the tether-broker binary");
  run->add_option("--tetherctl-bin", o.spawn_options.tetherctl_bin, "with --spawn: the tetherctl binary");
  run->add_option("--broker-arg", o.spawn_options.broker_args, "with --spawn: one more broker flag (repeatable)")
      ->allow_extra_args(false);
  run->add_flag("--keep", o.keep, "with --spawn: keep the broker's directory (database and log)");
  auto* check = app.add_subcommand("check", "parse and check a scenario without running it");
  check->add_option("file", o.file, "the scenario (YAML)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (check->parsed()) {
    auto scenario = ParseScenarioFile(o.file);
    if (!scenario.ok()) {
      std::cerr << "tether-sim: " << scenario.status().message() << "\n";
      return 2;
    }
    std::cout << o.file << ": ok (" << scenario->actors.size() << " actors)\n";
    return 0;
  }
  if (!o.spawn && (o.broker_url.empty() || o.org.empty() || o.email.empty())) {
    std::cerr << "tether-sim run: give --spawn, or --broker with --org and --email\n";
    return 2;
  }
  RaiseDescriptorLimit();
  return Run(o);
}
