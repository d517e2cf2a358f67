// What `tether` makes of session events: state changes, the end and its exit status.
#include "tether/session_events.h"

#include <gtest/gtest.h>

namespace tether::tools::cli {
namespace {

Value Event(const char* name, Value::Map fields) {
  Value event = Value::MapOf({{"t", "event"}, {"event", name}});
  for (auto& [key, value] : fields) event.Set(key, value);
  return event;
}

TEST(SessionEvents, StatesOfOurSessionAreRecognised) {
  auto state = [](const char* s) {
    return InterpretSessionEvent(Event("session.state", {{"session_id", "s_1"}, {"state", s}}), "s_1").kind;
  };
  EXPECT_EQ(state("consent"), SessionUpdate::Kind::kConsent);
  EXPECT_EQ(state("active"), SessionUpdate::Kind::kActive);
  EXPECT_EQ(state("waiting"), SessionUpdate::Kind::kWaiting);
  EXPECT_EQ(state("ended"), SessionUpdate::Kind::kIgnored);  // session.ended says why
}

TEST(SessionEvents, StateSaysWhetherTheSessionIsRecorded) {
  auto recorded = [](Value flag) {
    return InterpretSessionEvent(
               Event("session.state", {{"session_id", "s_1"}, {"state", "active"}, {"recorded", std::move(flag)}}), "s_1")
        .recorded;
  };
  EXPECT_TRUE(recorded(true));
  EXPECT_FALSE(recorded(false));
  EXPECT_FALSE(recorded("yes")) << "only a bool counts";
}

TEST(SessionEvents, OtherSessionsUnknownEventsAndMalformedOnesAreIgnored) {
  EXPECT_EQ(InterpretSessionEvent(Event("session.state", {{"session_id", "s_2"}, {"state", "active"}}), "s_1").kind,
            SessionUpdate::Kind::kIgnored);
  EXPECT_EQ(InterpretSessionEvent(Event("notification", {{"session_id", "s_1"}}), "s_1").kind,
            SessionUpdate::Kind::kIgnored);
  EXPECT_EQ(InterpretSessionEvent(Event("session.state", {{"session_id", "s_1"}, {"state", 3}}), "s_1").kind,
            SessionUpdate::Kind::kIgnored);
  EXPECT_EQ(InterpretSessionEvent(Value::MapOf({{"t", "ok"}, {"re", 3}}), "s_1").kind, SessionUpdate::Kind::kIgnored);
  EXPECT_EQ(InterpretSessionEvent(Value("not a map"), "s_1").kind, SessionUpdate::Kind::kIgnored);
}

TEST(SessionEvents, EndedCarriesReasonWordsAndExitStatus) {
  SessionUpdate update = InterpretSessionEvent(
      Event("session.ended", {{"session_id", "s_1"}, {"reason", "consent_denied"}}), "s_1");
  EXPECT_EQ(update.kind, SessionUpdate::Kind::kEnded);
  EXPECT_EQ(update.reason, "consent_denied");
  EXPECT_EQ(update.text, "the user declined (or did not answer)");
  EXPECT_EQ(update.exit_status, 1);
}

TEST(SessionEvents, ExitStatusIsTheRemoteShellsWhenTheBrokerSendsIt) {
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "agent_left"}, {"exit_status", 3}})), 3);
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "agent_left"}, {"exit_status", 0}})), 0);
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "agent_left"}, {"exit_status", 1000}})), 255);
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "agent_left"}, {"exit_status", -9}})), 255);
}

TEST(SessionEvents, ExitStatusWithoutOneIsZeroForNormalEndsAndOneOtherwise) {
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "agent_left"}})), 0);
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "controller_ended"}})), 0);
  for (const char* reason : {"admin_ended", "revoked", "idle_timeout", "broker_shutdown", "key_expired"}) {
    EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", reason}})), 1) << reason;
  }
  EXPECT_EQ(ExitStatusForEnd(Value::MapOf({{"reason", "agent_left"}, {"exit_status", "3"}})), 0);
}

TEST(SessionEvents, ParticipantsAndHandOverAreNotices) {
  Value sue = Value::MapOf({{"id", "9"}, {"name", "Sue Park"}});
  SessionUpdate joined = InterpretSessionEvent(
      Event("participant.joined", {{"session_id", "s_1"}, {"user", sue}, {"mode", "view"}}), "s_1");
  EXPECT_EQ(joined.kind, SessionUpdate::Kind::kNotice);
  EXPECT_EQ(joined.text, "Sue Park joined (view only)");
  SessionUpdate control =
      InterpretSessionEvent(Event("session.control", {{"session_id", "s_1"}, {"controller", sue}}), "s_1");
  EXPECT_EQ(control.text, "Sue Park now controls the session");
}

TEST(SessionEvents, DroppedFramesSayHowMany) {
  SessionUpdate dropped =
      InterpretSessionEvent(Event("frames.dropped", {{"session_id", "s_1"}, {"count", 12u}}), "s_1");
  EXPECT_EQ(dropped.kind, SessionUpdate::Kind::kNotice);
  EXPECT_EQ(dropped.text, "12 frames were dropped: your connection is too slow");
  EXPECT_EQ(InterpretSessionEvent(Event("frames.dropped", {{"session_id", "s_1"}, {"count", "x"}}), "s_1").text,
            "some frames were dropped: your connection is too slow");
}

TEST(SessionEvents, NamesFromTheWireCannotCarryTerminalEscapes) {
  Value evil = Value::MapOf({{"name", "Eve\x1b]0;owned\x07"}});
  SessionUpdate joined = InterpretSessionEvent(
      Event("participant.joined", {{"session_id", "s_1"}, {"user", evil}, {"mode", "view"}}), "s_1");
  EXPECT_EQ(joined.text.find('\x1b'), std::string::npos);
  EXPECT_EQ(UserLabel(nullptr), "someone");
  Value email_only = Value::MapOf({{"email", "e@x"}});
  EXPECT_EQ(UserLabel(&email_only), "e@x");
}

TEST(SessionEvents, KeyIsGroupedInThrees) {
  EXPECT_EQ(GroupKey("012345678"), "012 345 678");
  EXPECT_EQ(GroupKey("1234"), "1234");
}

}  // namespace
}  // namespace tether::tools::cli
