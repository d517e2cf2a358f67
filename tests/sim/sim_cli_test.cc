// tether-sim as a program: a scenario whose expectation does not hold exits 1 and says
// which actor, which step, what was expected and what came instead.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {

struct Ran {
  int status = -1;
  std::string output;
};

// `env`: assignments before the command, e.g. "NAME=value ".
Ran RunSim(const std::string& args, const std::string& env = "") {
  Ran ran;
  std::string command = env + std::string(TETHER_SIM_BIN) + " " + args + " 2>&1 </dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return ran;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) ran.output.append(buf, n);
  int status = ::pclose(pipe);
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

const std::string kBad = std::string(TETHER_SIM_TEST_DIR) + "/bad/";

TEST(SimCli, WrongOutputExpectationExitsOneNamingActorStepExpectedAndGot) {
  Ran ran = RunSim("run --spawn " + kBad + "wrong_output.yaml");
  EXPECT_EQ(ran.status, 1) << ran.output;
  EXPECT_NE(ran.output.find("FAIL tom, step 5 (line 13) expect_output: expected text containing \"goodbye\""),
            std::string::npos)
      << ran.output;
  EXPECT_NE(ran.output.find("received so far: \"echo hello"), std::string::npos) << ran.output;
}

TEST(SimCli, UnexpectedSuccessExitsOneWithTheReply) {
  Ran ran = RunSim("run --spawn --json " + kBad + "wrong_error.yaml");
  EXPECT_EQ(ran.status, 1) << ran.output;
  EXPECT_NE(ran.output.find("\"passed\": false"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("FAIL tom, step 2 (line 9) request: expected error permission_denied; got success"),
            std::string::npos)
      << ran.output;
}

TEST(SimCli, AnAuditSupportFlagThatDoesNotHoldExitsOneNamingIt) {
  Ran ran = RunSim("run --spawn " + kBad + "wrong_support_flag.yaml");
  EXPECT_EQ(ran.status, 1) << ran.output;
  EXPECT_NE(ran.output.find("line 11: expected the audit log to hold group.create by vendor (not support)"),
            std::string::npos)
      << ran.output;
  EXPECT_NE(ran.output.find("group.create/ok by "), std::string::npos) << ran.output;
}

TEST(SimCli, ASupportGrantTheBrokerRefusesExitsTwoNamingTheDeclaration) {
  Ran ran = RunSim("run --spawn " + kBad + "support_too_short.yaml");
  EXPECT_EQ(ran.status, 2) << ran.output;
  EXPECT_NE(ran.output.find("set-up: org: support_access (line 3): until must be at least 1 day"), std::string::npos)
      << ran.output;
}

TEST(SimCli, SpawnedBrokerNotExitingZeroFailsThePassingRun) {
  const std::string scenario = std::string(TETHER_SIM_TEST_DIR) + "/../../scenarios/attended_session.yaml";
  Ran ran = RunSim("run --spawn --broker-bin " + std::string(TETHER_SIM_TEST_DIR) + "/broker_exits_3.sh " + scenario,
                   "TETHER_REAL_BROKER=" TETHER_BROKER_BIN " ");
  EXPECT_EQ(ran.status, 1) << ran.output;
  EXPECT_NE(ran.output.find("tether-sim: tether-broker exited with status 3 on SIGTERM, not 0"), std::string::npos)
      << ran.output;
}

TEST(SimCli, MalformedScenarioExitsTwoWithFileAndLine) {
  Ran ran = RunSim("check " + kBad + "../bad/wrong_error.yaml.missing");
  EXPECT_EQ(ran.status, 2) << ran.output;
  EXPECT_NE(ran.output.find("cannot read the file"), std::string::npos) << ran.output;
}

TEST(SimCli, RepeatWithConcurrencyReportsLatencyAndThroughput) {
  Ran ran = RunSim("run --spawn --json --repeat 6 --concurrency 3 " + std::string(TETHER_SIM_TEST_DIR) +
                   "/../../scenarios/unattended_session.yaml");
  EXPECT_EQ(ran.status, 0) << ran.output;
  EXPECT_NE(ran.output.find("\"iterations\": 6"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("\"p99_ms\""), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("\"sessions\": 6"), std::string::npos) << ran.output;
}

}  // namespace
