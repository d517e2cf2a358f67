// The `~.` escape state machine, byte by byte.
#include "tether/escape.h"

#include <gtest/gtest.h>

namespace tether::tools::cli {
namespace {

// Feeds `input` in one piece; returns what is forwarded and the first action.
std::pair<std::string, EscapeAction> FeedAll(EscapeScanner& scanner, std::string_view input) {
  std::string forward;
  EscapeAction first = EscapeAction::kNone;
  while (!input.empty()) {
    EscapeResult result = scanner.Feed(input, forward);
    input.remove_prefix(result.consumed);
    if (result.action != EscapeAction::kNone && first == EscapeAction::kNone) first = result.action;
    if (result.action == EscapeAction::kDisconnect) break;
  }
  return {forward, first};
}

TEST(EscapeScanner, TildeDotAtTheStartDisconnects) {
  EscapeScanner scanner;
  auto [forward, action] = FeedAll(scanner, "~.");
  EXPECT_EQ(action, EscapeAction::kDisconnect);
  EXPECT_EQ(forward, "");
}

TEST(EscapeScanner, TildeDotAfterEnterDisconnectsAndSendsTheLineBefore) {
  for (const char* enter : {"\r", "\n"}) {
    EscapeScanner scanner;
    std::string input = std::string("ls") + enter + "~.ignored";
    std::string forward;
    EscapeResult result = scanner.Feed(input, forward);
    EXPECT_EQ(result.action, EscapeAction::kDisconnect);
    EXPECT_EQ(result.consumed, 5u);
    EXPECT_EQ(forward, std::string("ls") + enter);
  }
}

TEST(EscapeScanner, TildeInsideALineIsAnOrdinaryKeystroke) {
  EscapeScanner scanner;
  auto [forward, action] = FeedAll(scanner, "cd ~.\r");
  EXPECT_EQ(action, EscapeAction::kNone);
  EXPECT_EQ(forward, "cd ~.\r");
}

TEST(EscapeScanner, DoubleTildeSendsOneTilde) {
  EscapeScanner scanner;
  auto [forward, action] = FeedAll(scanner, "~~/bin\r");
  EXPECT_EQ(action, EscapeAction::kNone);
  EXPECT_EQ(forward, "~/bin\r");
}

TEST(EscapeScanner, TildeFollowedByAnythingElseSendsBoth) {
  EscapeScanner scanner;
  auto [forward, action] = FeedAll(scanner, "~x~.");
  EXPECT_EQ(action, EscapeAction::kNone);  // after "~x" we are inside a line
  EXPECT_EQ(forward, "~x~.");
}

TEST(EscapeScanner, TildeThenEnterSendsBothAndStaysAtTheLineStart) {
  EscapeScanner scanner;
  auto [forward, action] = FeedAll(scanner, "~\r~.");
  EXPECT_EQ(action, EscapeAction::kDisconnect);
  EXPECT_EQ(forward, "~\r");
}

TEST(EscapeScanner, PendingTildeWaitsForTheNextRead) {
  EscapeScanner scanner;
  std::string forward;
  EXPECT_EQ(scanner.Feed("echo\r~", forward).action, EscapeAction::kNone);
  EXPECT_EQ(forward, "echo\r");  // the tilde is held back
  EscapeResult result = scanner.Feed(".", forward);
  EXPECT_EQ(result.action, EscapeAction::kDisconnect);
  EXPECT_EQ(result.consumed, 1u);
  EXPECT_EQ(forward, "echo\r");
}

TEST(EscapeScanner, PendingTildeIsReleasedByAnOrdinaryKey) {
  EscapeScanner scanner;
  std::string forward;
  scanner.Feed("~", forward);
  EXPECT_EQ(forward, "");
  scanner.Feed("a", forward);
  EXPECT_EQ(forward, "~a");
}

TEST(EscapeScanner, QuestionMarkAsksForHelpAndTheRestIsStillScanned) {
  EscapeScanner scanner;
  std::string forward;
  std::string_view input = "~?x\r~.";
  EscapeResult help = scanner.Feed(input, forward);
  EXPECT_EQ(help.action, EscapeAction::kHelp);
  EXPECT_EQ(help.consumed, 2u);
  input.remove_prefix(help.consumed);
  EscapeResult rest = scanner.Feed(input, forward);
  EXPECT_EQ(rest.action, EscapeAction::kDisconnect);
  EXPECT_EQ(forward, "x\r");
  EXPECT_NE(EscapeScanner::HelpText().find("~."), std::string_view::npos);
}

TEST(EscapeScanner, ControlKeysPassThroughUntouched) {
  EscapeScanner scanner;
  std::string keys = "\x03\x04\x1b[A\x7f";
  auto [forward, action] = FeedAll(scanner, keys);
  EXPECT_EQ(action, EscapeAction::kNone);
  EXPECT_EQ(forward, keys);
}

}  // namespace
}  // namespace tether::tools::cli
