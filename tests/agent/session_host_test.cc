// SessionHost over a FakeIo: consent, activation, routing, and every way a session ends.
#include "session_host.h"

#include <gtest/gtest.h>

#include <optional>

#include "fake_io.h"
#include "temp_dir.h"
#include "test_loop.h"
#include "tether/protocol/data_frame.h"

namespace tether::agent {
namespace {

using testing::AgentLoop;
using testing::FakeIo;
using testing::TempDir;

constexpr const char* kSession = "s_0123456789abcdef01234567";

Value Tom() {
  return Value::MapOf({{"id", "7"}, {"email", "tom@acme.example"}, {"name", "Tom Baker"}, {"role", "technician"},
                       {"hidden", false}});
}

Value Request(bool consent_required, const std::string& session = kSession) {
  return Value::MapOf({{"t", "event"}, {"event", "session.request"}, {"session_id", session}, {"controller", Tom()},
                       {"consent_required", consent_required}, {"recorded", false}});
}

Value Event(const std::string& name, Value::Map fields) {
  Value event = Value::MapOf({{"t", "event"}, {"event", name}, {"session_id", kSession}});
  for (auto& [key, value] : fields) event.Set(key, value);
  return event;
}

// Asks nobody; the test answers (or not) through `answer`.
class ScriptedConsent final : public ConsentAsker {
 public:
  void Ask(const ConsentQuestion& q, Answer a) override {
    question = q;
    answer = std::move(a);
  }
  void Cancel() override {
    cancelled = true;
    answer = nullptr;
  }
  std::optional<ConsentQuestion> question;
  Answer answer;
  bool cancelled = false;
};

class SessionHostTest : public ::testing::Test {
 protected:
  SessionHostTest() {
    SessionRunnerOptions options;
    options.shell = ShellOptions{"/bin/sh", {}};
    options.files.home = home_.path();
    host_ = std::make_unique<SessionHost>(
        loop_.get(), io_, consent_, options, [this](const SessionOutcome& o) { outcome_ = o; },
        [this](const std::string& line) { log_ += line + "\n"; });
  }
  void Type(const std::string& text) {
    std::vector<std::uint8_t> bytes(text.begin(), text.end());
    host_->OnDataFrame(protocol::EncodeDataFrame(kSession, 1, bytes));
  }
  void Activate() {
    host_->OnEvent(Request(false));
    host_->OnEvent(Event("session.state", {{"state", "active"}}));
    ASSERT_TRUE(host_->active());
  }

  AgentLoop loop_;
  TempDir home_;
  FakeIo io_;
  ScriptedConsent consent_;
  std::unique_ptr<SessionHost> host_;
  std::optional<SessionOutcome> outcome_;
  std::string log_;
};

TEST_F(SessionHostTest, ConsentRequiredAsksWhoIsAskingAndSendsTheAnswer) {
  host_->OnEvent(Request(true));
  ASSERT_TRUE(consent_.question.has_value());
  EXPECT_EQ(consent_.question->controller_name, "Tom Baker");
  EXPECT_EQ(consent_.question->controller_email, "tom@acme.example");
  EXPECT_EQ(io_.Find("session.consent"), nullptr) << "nothing before the user answered";
  consent_.answer(true);
  FakeIo::SentRequest* consent = io_.Find("session.consent");
  ASSERT_NE(consent, nullptr);
  EXPECT_EQ(consent->request.Find("session_id")->as_string(), kSession);
  EXPECT_TRUE(consent->request.Find("accept")->as_bool());
  io_.Answer(*consent);
  EXPECT_FALSE(outcome_.has_value());
  EXPECT_TRUE(host_->busy());
}

TEST_F(SessionHostTest, DeclinedConsentEndsAsRefused) {
  host_->OnEvent(Request(true));
  consent_.answer(false);
  FakeIo::SentRequest* consent = io_.Find("session.consent");
  ASSERT_NE(consent, nullptr);
  EXPECT_FALSE(consent->request.Find("accept")->as_bool());
  io_.Answer(*consent);
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_FALSE(outcome_->ran);
  EXPECT_FALSE(host_->busy());
}

TEST_F(SessionHostTest, NoQuestionWhenConsentIsNotRequired) {
  host_->OnEvent(Request(false));
  EXPECT_FALSE(consent_.question.has_value());
  EXPECT_EQ(io_.Find("session.consent"), nullptr);
  EXPECT_FALSE(host_->active()) << "the shell waits for state active";
}

TEST_F(SessionHostTest, ActiveSessionGivesTheControllerAShell) {
  Activate();
  Type("echo hel''lo\n");
  EXPECT_TRUE(loop_.RunUntil([&] { return io_.Output(1).find("hello") != std::string::npos; }));
}

TEST_F(SessionHostTest, FramesOfAnotherSessionAreIgnored) {
  Activate();
  std::string text = "echo wro''ng\n";
  host_->OnDataFrame(protocol::EncodeDataFrame("s_other", 1, std::vector<std::uint8_t>(text.begin(), text.end())));
  Type("echo rig''ht\n");
  ASSERT_TRUE(loop_.RunUntil([&] { return io_.Output(1).find("right") != std::string::npos; }));
  EXPECT_EQ(io_.Output(1).find("wrong"), std::string::npos);
}

TEST_F(SessionHostTest, ShellExitSendsSessionExitAndEndsTheSession) {
  Activate();
  Type("exit 3\n");
  ASSERT_TRUE(loop_.RunUntil([&] { return io_.Find("session.exit") != nullptr; }));
  FakeIo::SentRequest* exit = io_.Find("session.exit");
  EXPECT_EQ(exit->request.Find("status")->as_uint(), 3u);
  EXPECT_EQ(exit->request.Find("session_id")->as_string(), kSession);
  io_.Answer(*exit);
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_TRUE(outcome_->ran);
  EXPECT_NE(outcome_->why.find("status 3"), std::string::npos);
}

TEST_F(SessionHostTest, AgentLeftAfterTheShellExitSaysHowTheShellEnded) {
  Activate();
  Type("exit 4\n");
  ASSERT_TRUE(loop_.RunUntil([&] { return io_.Find("session.exit") != nullptr; }));
  host_->OnEvent(Event("session.ended", {{"reason", "agent_left"}}));  // before the exit's reply
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_NE(outcome_->why.find("status 4"), std::string::npos) << outcome_->why;
  io_.Answer(*io_.Find("session.exit"));  // a late reply changes nothing
}

TEST_F(SessionHostTest, SessionEndedKillsTheShell) {
  Activate();
  Type("echo $$; echo pi''d\n");
  ASSERT_TRUE(loop_.RunUntil([&] { return io_.Output(1).find("pid") != std::string::npos; }));
  host_->OnEvent(Event("session.ended", {{"reason", "controller_ended"}}));
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_TRUE(outcome_->ran);
  EXPECT_NE(outcome_->why.find("controller_ended"), std::string::npos);
  EXPECT_FALSE(host_->busy());
  std::string output = io_.Output(1);
  std::size_t digits = output.find_first_of("0123456789", output.find('\n'));
  ASSERT_NE(digits, std::string::npos) << output;
  pid_t pid = std::stoi(output.substr(digits));
  EXPECT_TRUE(loop_.RunUntil([&] { return ::kill(pid, 0) != 0; })) << "shell " << pid << " reaped";
}

TEST_F(SessionHostTest, SessionEndedWhileAskingWithdrawsTheQuestion) {
  host_->OnEvent(Request(true));
  host_->OnEvent(Event("session.ended", {{"reason", "consent_denied"}}));
  EXPECT_TRUE(consent_.cancelled);
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_FALSE(outcome_->ran);
}

TEST_F(SessionHostTest, ASecondRequestWhileBusyIsRefused) {
  Activate();
  host_->OnEvent(Request(true, "s_second"));
  FakeIo::SentRequest* consent = io_.Find("session.consent");
  ASSERT_NE(consent, nullptr);
  EXPECT_EQ(consent->request.Find("session_id")->as_string(), "s_second");
  EXPECT_FALSE(consent->request.Find("accept")->as_bool());
  EXPECT_EQ(host_->session_id(), kSession);
}

TEST_F(SessionHostTest, ControlCharactersInNamesNeverReachTheLog) {
  Value request = Request(false);
  request.Set("controller", Value::MapOf({{"name", "Eve\x1b[2J"}, {"email", "eve@x"}}));
  host_->OnEvent(request);
  EXPECT_EQ(log_.find('\x1b'), std::string::npos) << log_;
  EXPECT_NE(log_.find("Eve?[2J"), std::string::npos) << log_;
}

TEST_F(SessionHostTest, OtherEventsAreLeftToTheCaller) {
  EXPECT_FALSE(host_->OnEvent(Value::MapOf({{"t", "event"}, {"event", "device.wake_request"}})));
}

}  // namespace
}  // namespace tether::agent
