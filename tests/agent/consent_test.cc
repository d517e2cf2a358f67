// TerminalConsent with pipes standing in for the terminal.
#include "consent.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include "test_loop.h"

namespace tether::agent {
namespace {

using namespace std::chrono_literals;
using testing::AgentLoop;

class ConsentTest : public ::testing::Test {
 protected:
  ConsentTest() {
    EXPECT_EQ(::pipe(input_), 0);
    EXPECT_EQ(::pipe(output_), 0);
    ::fcntl(output_[0], F_SETFL, O_NONBLOCK);
  }
  ~ConsentTest() override {
    asker_.reset();
    for (int fd : {input_[0], input_[1], output_[0], output_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  void Ask(std::chrono::milliseconds timeout = 5s) {
    asker_ = std::make_unique<TerminalConsent>(loop_.get(), input_[0], output_[1], timeout);
    asker_->Ask(question_, [this](bool accept) { answer_ = accept; });
  }
  void TypeLine(const std::string& text) { ASSERT_EQ(::write(input_[1], text.data(), text.size()), static_cast<ssize_t>(text.size())); }
  bool WaitForAnswer() { return loop_.RunUntil([&] { return answer_.has_value(); }); }
  std::string Shown() {
    char buffer[4096];
    ssize_t n = ::read(output_[0], buffer, sizeof buffer);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }

  AgentLoop loop_;
  int input_[2] = {-1, -1};
  int output_[2] = {-1, -1};
  ConsentQuestion question_{"Tom Baker", "tom@acme.example", false};
  std::unique_ptr<TerminalConsent> asker_;
  std::optional<bool> answer_;
};

TEST_F(ConsentTest, ShowsWhoIsAsking) {
  Ask();
  EXPECT_EQ(Shown(), "Allow Tom Baker <tom@acme.example> to control this computer? [y/N] ");
}

TEST_F(ConsentTest, YesAllows) {
  Ask();
  TypeLine("y\n");
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_TRUE(*answer_);
}

TEST_F(ConsentTest, YesInAnyCaseWithSpacesAllows) {
  Ask();
  TypeLine("  YeS \n");
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_TRUE(*answer_);
}

TEST_F(ConsentTest, AnythingElseRefuses) {
  Ask();
  TypeLine("sure\n");
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_FALSE(*answer_);
}

TEST_F(ConsentTest, EmptyLineRefuses) {
  Ask();
  TypeLine("\n");
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_FALSE(*answer_);
}

TEST_F(ConsentTest, AnswerMayArriveInPieces) {
  Ask();
  TypeLine("y");
  loop_.RunUntil([] { return false; }, 20ms);
  EXPECT_FALSE(answer_.has_value());
  TypeLine("es\n");
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_TRUE(*answer_);
}

TEST_F(ConsentTest, SilenceUntilTheTimeoutRefuses) {
  Ask(50ms);
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_FALSE(*answer_);
  EXPECT_NE(Shown().find("No answer in time"), std::string::npos);
}

TEST_F(ConsentTest, EndOfInputRefuses) {
  Ask();
  ::close(input_[1]);
  input_[1] = -1;
  ASSERT_TRUE(WaitForAnswer());
  EXPECT_FALSE(*answer_);
}

TEST_F(ConsentTest, CancelledQuestionIsNeverAnswered) {
  Ask(50ms);
  asker_->Cancel();
  TypeLine("y\n");
  loop_.RunUntil([] { return false; }, 100ms);
  EXPECT_FALSE(answer_.has_value());
}

TEST_F(ConsentTest, ARecordedSessionIsAnnounced) {
  question_.recorded = true;
  Ask();
  EXPECT_EQ(Shown().rfind("This session will be recorded.\n", 0), 0u);
}

TEST(ConsentPrompt, ControlCharactersAreNeutralised) {
  ConsentQuestion question{"Eve\x1b[1A\rTom", "x\x07@y", false};
  std::string prompt = ConsentPrompt(question);
  EXPECT_EQ(prompt, "Allow Eve?[1A?Tom <x?@y> to control this computer? [y/N] ");
}

TEST(FixedConsent, AnswersAtOnce) {
  std::optional<bool> answer;
  FixedConsent(true).Ask({}, [&](bool a) { answer = a; });
  EXPECT_EQ(answer, true);
  FixedConsent(false).Ask({}, [&](bool a) { answer = a; });
  EXPECT_EQ(answer, false);
}

}  // namespace
}  // namespace tether::agent
