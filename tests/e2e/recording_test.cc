// End to end: session recordings with the real broker, the real tether-agent (a real PTY
// shell) and the real tetherctl. With the organisation's `recording` on, the session says
// it is recorded, `tetherctl recording get` fetches the asciicast file and Debian's
// `asciinema cat` replays what was typed; viewing is audited, allowed or refused.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "access_helpers.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void SetRecording(client::BlockingClient& owner, bool on) {
  Ok(owner, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"recording", on}})}}));
}

// An attended session with the real agent (the customer accepts), up to `active`; every
// session.state seen on the way is kept in `states`.
struct LiveSession {
  std::string id;
  std::unique_ptr<ChildProcess> agent;
  std::vector<Value> states;
};

LiveSession StartWithAgent(const BrokerProcess& broker, client::BlockingClient& technician, const std::string& name) {
  LiveSession live;
  Value created = Ok(technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  live.id = created.Find("session_id")->as_string();
  live.agent = std::make_unique<ChildProcess>(
      std::vector<std::string>{TETHER_AGENT_BIN, "--broker", broker.url(), "--key", created.Find("key")->as_string(),
                               "--name", name, "--accept"},
      broker.dir() + "/" + name + "-agent.log", std::vector<std::string>{"HOME=" + broker.dir()});
  for (int i = 0; i < 5; ++i) {
    Value state = NextEvent(technician, "session.state");
    if (state.is_nil()) break;
    live.states.push_back(state);
    if (state.Find("state")->as_string() == "active") break;
  }
  EXPECT_FALSE(live.states.empty() || live.states.back().Find("state")->as_string() != "active") << "never active";
  return live;
}

// Types `line` into the shell and reads its output until `expected` shows up.
bool ShellAnswers(client::BlockingClient& technician, const std::string& session, const std::string& line,
                  const std::string& expected) {
  if (!technician.SendDataFrame(session, 1, std::vector<std::uint8_t>(line.begin(), line.end())).ok()) return false;
  std::string seen;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until && !Contains(seen, expected)) {
    auto frame = technician.NextDataFrame(1s);
    if (!frame.ok()) continue;
    auto view = protocol::PeekDataFrame(*frame);
    if (view.ok() && view->channel == 1) seen.append(view->payload.begin(), view->payload.end());
  }
  return Contains(seen, expected);
}

// tetherctl with its own saved login, logged in as the owner.
struct Ctl {
  explicit Ctl(const BrokerProcess& broker) : config(broker.dir() + "/ctl-config") {
    EXPECT_EQ(Run({"--broker", broker.url(), "--org", kOrg, "login", "--email", kOwnerEmail},
                  std::string(kOwnerPassword) + "\n"),
              0)
        << out;
  }
  int Run(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {"/usr/bin/env", "XDG_CONFIG_HOME=" + config, TETHER_CTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, input, &out);
  }
  std::string config, out;
};

// What `asciinema cat` prints for the file (it wants a terminal: `script` gives it one).
std::string AsciinemaCat(const std::string& path, int* status) {
  std::string out;
  *status = RunProgram({"/usr/bin/script", "-qec", "asciinema cat " + path, "/dev/null"}, "", &out);
  return out;
}

// The recording.view events of the audit log, oldest first, as "outcome actor".
std::vector<std::string> RecordingViews(client::BlockingClient& owner) {
  Value events = Ok(owner, Req({{"t", "audit.query"}, {"action", "recording.view"}}));
  std::vector<std::string> views;
  for (const Value& e : events.Find("events")->as_array()) {
    views.insert(views.begin(), e.Find("outcome")->as_string() + " " + e.Find("actor")->as_string());
  }
  return views;
}

TEST(Recording, ARecordedSessionIsToldAndReplaysWithAsciinema) {
  BrokerProcess broker;
  Value hello;
  auto owner = LoggedInOwner(broker, &hello);
  SetRecording(*owner, true);
  LiveSession live = StartWithAgent(broker, *owner, "customer");
  ASSERT_FALSE(live.states.empty());
  for (const Value& state : live.states) EXPECT_TRUE(state.Find("recorded")->as_bool()) << state.ToJson();
  Value listed = Ok(*owner, Req({{"t", "session.list"}}));
  EXPECT_TRUE(listed.Find("sessions")->as_array().at(0).Find("recorded")->as_bool());

  Ok(*owner, Req({{"t", "session.resize"}, {"session_id", live.id}, {"cols", 100}, {"rows", 30}}));
  ASSERT_TRUE(ShellAnswers(*owner, live.id, "echo typed-$((6*7))\r", "typed-42"));
  // Bytes that are not UTF-8, and a character the shell may send in two pieces.
  ASSERT_TRUE(ShellAnswers(*owner, live.id, "printf 'caf\\303\\251 \\377 end-%s\\n' $((1+1))\r", "end-2"));
  Ok(*owner, Req({{"t", "session.end"}, {"session_id", live.id}}));
  EXPECT_TRUE(Contains(ReadFile(broker.dir() + "/customer-agent.log"), "the session will be recorded"))
      << "the agent's user was told";

  Ctl ctl(broker);
  std::string file = broker.dir() + "/session.cast";
  ASSERT_EQ(ctl.Run({"recording", "get", live.id, "--output", file}), 0) << ctl.out;
  std::string cast = ReadFile(file);
  std::istringstream lines(cast);
  std::string line;
  std::getline(lines, line);
  auto header = nlohmann::json::parse(line, nullptr, false);
  ASSERT_TRUE(header.is_object()) << line;
  EXPECT_EQ(header["version"], 2);
  bool resized = false;
  while (std::getline(lines, line)) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(event.is_array() && event.size() == 3) << "not an asciicast event: " << line;
    resized |= event[1] == "r" && event[2] == "100x30";
  }
  EXPECT_TRUE(resized) << cast;

  int status = 0;
  std::string replayed = AsciinemaCat(file, &status);
  EXPECT_EQ(status, 0) << replayed;
  EXPECT_TRUE(Contains(replayed, "typed-42")) << replayed;
  EXPECT_TRUE(Contains(replayed, "caf\xC3\xA9 \xEF\xBF\xBD end-2")) << "invalid byte as U+FFFD: " << replayed;

  ASSERT_EQ(ctl.Run({"recording", "get", live.id}), 0);
  EXPECT_EQ(ctl.out, cast) << "stdout by default, the same bytes";
  std::string owner_id = hello.Find("user")->Find("id")->as_string();
  EXPECT_EQ(RecordingViews(*owner), (std::vector<std::string>{"ok " + owner_id, "ok " + owner_id}));
}

TEST(Recording, ViewingFollowsTheReportsPrivilegesAndEveryRefusalIsAudited) {
  BrokerProcess broker;
  Value hello;
  auto owner = LoggedInOwner(broker, &hello);
  SetRecording(*owner, true);
  LiveSession owners = StartWithAgent(broker, *owner, "owners-customer");
  Ok(*owner, Req({{"t", "session.end"}, {"session_id", owners.id}}));

  Value tech_hello;
  auto tech = InviteAndAccept(broker, *owner, "tech@acme.test", "technician", Value(), &tech_hello);
  std::string tech_id = tech_hello.Find("user")->Find("id")->as_string();
  // reports_own: not someone else's session, but their own.
  EXPECT_TRUE(Contains(Refused(*tech, Req({{"t", "recording.get"}, {"session_id", owners.id}}),
                               ErrorCode::kPermissionDenied),
                       "reports_own"));
  LiveSession techs = StartWithAgent(broker, *tech, "techs-customer");
  Ok(*tech, Req({{"t", "session.end"}, {"session_id", techs.id}}));
  Value chunk = Ok(*tech, Req({{"t", "recording.get"}, {"session_id", techs.id}}));
  EXPECT_TRUE(chunk.Find("complete")->as_bool());
  EXPECT_EQ(chunk.Find("data")->as_binary().size(), chunk.Find("size")->as_uint());

  // Another organisation's owner: not even the session's existence.
  auto stranger = SecondOrganisationOwner(broker, "globex");
  Refused(*stranger, Req({{"t", "recording.get"}, {"session_id", owners.id}}), ErrorCode::kNotFound);

  // A session of a time without recording.
  SetRecording(*owner, false);
  std::string plain = Ok(*owner, Req({{"t", "session.create"}, {"mode", "attended"}})).Find("session_id")->as_string();
  Ok(*owner, Req({{"t", "session.end"}, {"session_id", plain}}));
  EXPECT_TRUE(Contains(Refused(*owner, Req({{"t", "recording.get"}, {"session_id", plain}}), ErrorCode::kNotFound),
                       "was not recorded"));
  Refused(*owner, Req({{"t", "recording.get"}, {"session_id", owners.id}, {"offset", 1u << 30}}),
          ErrorCode::kBadRequest);

  std::string owner_id = hello.Find("user")->Find("id")->as_string();
  EXPECT_EQ(RecordingViews(*owner), (std::vector<std::string>{"denied " + tech_id, "ok " + tech_id,
                                                              "failed " + owner_id, "failed " + owner_id}));
}

TEST(Recording, ABrokerKilledMidSessionLeavesAPlayableRecording) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  SetRecording(*owner, true);
  LiveSession live = StartWithAgent(broker, *owner, "customer");
  ASSERT_TRUE(ShellAnswers(*owner, live.id, "echo before-crash-$((5*5))\r", "before-crash-25"));
  std::string file = broker.dir() + "/recordings/" + live.id + ".cast";
  for (int i = 0; i < 200 && !Contains(ReadFile(file), "before-crash-25"); ++i) std::this_thread::sleep_for(10ms);
  Value live_chunk = Ok(*owner, Req({{"t", "recording.get"}, {"session_id", live.id}}));
  EXPECT_FALSE(live_chunk.Find("complete")->as_bool()) << "still being recorded";
  const Value::Bytes& so_far = live_chunk.Find("data")->as_binary();
  ASSERT_FALSE(so_far.empty());
  EXPECT_EQ(so_far.back(), '\n') << "a live recording is served up to its last whole line";
  broker.Kill();  // kill -9: no close, no final sync
  int status = 0;
  std::string replayed = AsciinemaCat(file, &status);
  EXPECT_EQ(status, 0) << replayed;
  EXPECT_TRUE(Contains(replayed, "before-crash-25")) << replayed;

  // After the restart the session is ended (broker_restart) and its recording complete.
  ASSERT_TRUE(broker.Restart());
  owner = LoggedInOwner(broker);
  Value chunk = Ok(*owner, Req({{"t", "recording.get"}, {"session_id", live.id}}));
  EXPECT_TRUE(chunk.Find("complete")->as_bool());
  EXPECT_EQ(chunk.Find("data")->as_binary().size(), ReadFile(file).size());
}

TEST(Recording, AWriterFallingBehindPausesTheAgentAndLosesNothing) {
  // A budget of 64 bytes: nearly every output frame leaves the recording's queue over it,
  // so the agent is paused until the writer catches up, frame after frame.
  BrokerProcess broker(BrokerOptions().Config("frame_budget_bytes = 64\n"));
  auto owner = LoggedInOwner(broker);
  SetRecording(*owner, true);
  LiveSession live = StartWithAgent(broker, *owner, "customer");
  ASSERT_TRUE(ShellAnswers(*owner, live.id, "seq 100001 130000; echo seq-$((2*5))-done\r", "seq-10-done"));
  Ok(*owner, Req({{"t", "session.end"}, {"session_id", live.id}}));
  EXPECT_GT(ReadMetric(broker, "tether_recording_pauses_total"), 0u);
  int status = 0;
  std::string replayed = AsciinemaCat(broker.dir() + "/recordings/" + live.id + ".cast", &status);
  EXPECT_EQ(status, 0);
  std::string numbers;
  for (int n = 100001; n <= 130000; ++n) numbers += std::to_string(n) + "\r\n";
  EXPECT_TRUE(Contains(replayed, numbers + "seq-10-done")) << "every line recorded, in order";
}

TEST(Recording, AFileThatCannotBeWrittenIsAuditedAndTheSessionGoesOn) {
  BrokerProcess broker(BrokerOptions().Args({"--recordings-dir", "/dev/null/recordings"}));
  auto owner = LoggedInOwner(broker);
  SetRecording(*owner, true);
  LiveSession live = StartWithAgent(broker, *owner, "customer");
  EXPECT_TRUE(ShellAnswers(*owner, live.id, "echo still-$((3+4))\r", "still-7"));
  Value failed;
  for (int i = 0; i < 200 && (failed.is_nil() || failed.as_array().empty()); ++i) {
    failed = *Ok(*owner, Req({{"t", "audit.query"}, {"action", "recording.failed"}})).Find("events");
    if (failed.as_array().empty()) std::this_thread::sleep_for(10ms);  // audited once the writer reports it
  }
  ASSERT_EQ(failed.as_array().size(), 1u);
  EXPECT_EQ(failed.as_array()[0].Find("session_id")->as_string(), live.id);
  EXPECT_EQ(failed.as_array()[0].Find("outcome")->as_string(), "failed");
  EXPECT_TRUE(Contains(failed.as_array()[0].Find("details")->Find("error")->as_string(), "cannot create"));
  Ok(*owner, Req({{"t", "session.end"}, {"session_id", live.id}}));
  EXPECT_TRUE(Contains(Refused(*owner, Req({{"t", "recording.get"}, {"session_id", live.id}}), ErrorCode::kNotFound),
                       "has no recording"));
  EXPECT_EQ(ReadMetric(broker, "tether_recording_failures_total"), 1u);
}

}  // namespace
}  // namespace tether::e2e
