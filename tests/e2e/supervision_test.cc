// End to end: supervision (issue 5) — view-only enforced by the broker, announcements,
// isolation of a lagging supervisor, hand-over, revocation, and many supervisors.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "access_helpers.h"
#include "raw_socket.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;



void FlushAgent(client::BlockingClient& agent) { Ok(agent, Req({{"t", "agent.info"}, {"hostname", "pc"}})); }

// An active attended session controlled by the owner.
using Live = LiveSession;
Live StartSession(const BrokerProcess& broker) { return StartAttendedSession(broker); }

std::vector<std::uint8_t> Output(const std::string& session, const std::string& text) {
  return protocol::EncodeDataFrame(session, 1, std::vector<std::uint8_t>(text.begin(), text.end()));
}

std::string PayloadText(const std::vector<std::uint8_t>& frame) {
  auto view = protocol::PeekDataFrame(frame);
  return view.ok() ? std::string(view->payload.begin(), view->payload.end()) : std::string();
}

TEST(Supervision, SupervisorSeesTheScreenSoFarThenTheSameBytesAsTheController) {
  BrokerProcess broker;
  Live live = StartSession(broker);
  live.agent->SendRaw(Output(live.id, "earlier output\r\n"));
  FlushAgent(*live.agent);
  ASSERT_TRUE(live.technician->NextDataFrame(kWait).ok());
  auto admin = InviteAndAccept(broker, *live.technician, "boss@acme.test", "admin");
  Value joined = Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  EXPECT_EQ(joined.Find("participants")->as_array().size(), 2u);
  auto screen = admin->NextDataFrame(kWait);
  ASSERT_TRUE(screen.ok());
  EXPECT_EQ(PayloadText(*screen), "earlier output\r\n");  // not a blank start
  Value announced = NextEvent(*live.technician, "participant.joined");
  EXPECT_EQ(announced.Find("mode")->as_string(), "view");
  EXPECT_EQ(NextEvent(*live.agent, "participant.joined").Find("user")->Find("email")->as_string(), "boss@acme.test");
  std::vector<std::uint8_t> live_bytes = Output(live.id, "live\r\n");
  live.agent->SendRaw(live_bytes);
  FlushAgent(*live.agent);
  EXPECT_EQ(*live.technician->NextDataFrame(kWait), live_bytes);
  EXPECT_EQ(*admin->NextDataFrame(kWait), live_bytes);
}

TEST(Supervision, ViewOnlyIsEnforcedByTheBroker) {
  BrokerProcess broker;
  Live live = StartSession(broker);
  Value role = Ok(*live.technician, Req({{"t", "role.create"}, {"name", "Watcher"}, {"description", ""},
                                         {"privileges", Value(Value::Array{"session_supervision"})}}));
  auto watcher = InviteAndAccept(broker, *live.technician, "w@acme.test", role.Find("role_id")->as_string());
  Ok(*watcher, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  watcher->SendRaw(Output(live.id, "rm -rf /\r"));
  auto refused = watcher->NextMessage(kWait);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->Find("code")->as_string(), "view_only");
  EXPECT_FALSE(live.agent->NextDataFrame(std::chrono::milliseconds(300)).ok());  // never delivered
  Refused(*watcher, Req({{"t", "session.resize"}, {"session_id", live.id}, {"cols", 80}, {"rows", 24}}),
          ErrorCode::kViewOnly);
  Refused(*watcher, Req({{"t", "file.begin"}, {"session_id", live.id}, {"transfer_id", std::string(32, 'a')},
                         {"direction", "upload"}, {"name", "x"}, {"size", 1}}),
          ErrorCode::kViewOnly);
  Refused(*watcher, Req({{"t", "session.end"}, {"session_id", live.id}}), ErrorCode::kPermissionDenied);
  Refused(*live.technician, Req({{"t", "session.supervise"}, {"session_id", live.id}}), ErrorCode::kPermissionDenied);
}

TEST(Supervision, WithoutThePrivilegeOrOutOfScopeIsRefused) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "t@acme.test", "technician");
  std::string servers = Ok(*owner, Req({{"t", "group.create"}, {"name", "Servers"}})).Find("group_id")->as_string();
  std::string laptops = Ok(*owner, Req({{"t", "group.create"}, {"name", "Laptops"}})).Find("group_id")->as_string();
  auto scoped = [](const std::string& group) {
    return Value::MapOf({{"groups", Value(Value::Array{group})}, {"departments", Value::MakeArray()}});
  };
  // A controller scoped to Servers runs an attended session.
  auto controller = InviteAndAccept(broker, *owner, "c@acme.test", "technician", scoped(servers));
  std::string session = Ok(*controller, Req({{"t", "session.create"}, {"mode", "attended"}})).Find("session_id")->as_string();
  // No session_supervision: refused.
  Refused(*tech, Req({{"t", "session.supervise"}, {"session_id", session}}), ErrorCode::kPermissionDenied);
  // An admin scoped to Laptops shares no group with the controller: the session is not
  // even visible to them (POLICY.md "Groups and scope").
  auto narrow = InviteAndAccept(broker, *owner, "n@acme.test", "admin", scoped(laptops));
  Refused(*narrow, Req({{"t", "session.supervise"}, {"session_id", session}}), ErrorCode::kNotFound);
  // An admin scoped to Servers shares it: in scope (a waiting session cannot be watched yet).
  auto shared = InviteAndAccept(broker, *owner, "s@acme.test", "admin", scoped(servers));
  Refused(*shared, Req({{"t", "session.supervise"}, {"session_id", session}}), ErrorCode::kConflict);
}

TEST(Supervision, AnnouncementsCanBeTurnedOffAndAreAuditedEitherWay) {
  BrokerProcess broker;
  {
    Live live = StartSession(broker);
    Ok(*live.technician, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"announce_supervisors", false}})}}));
    auto admin = InviteAndAccept(broker, *live.technician, "quiet@acme.test", "admin");
    Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
    EXPECT_TRUE(NextEvent(*live.technician, "participant.joined", std::chrono::milliseconds(300)).is_nil());
  }
  ASSERT_EQ(broker.Stop(), 0);
  bool audited = false;
  for (const AuditRow& row : ReadAuditChain(broker.db_path(), 1)) {
    audited |= row.action == "participant.joined" && !row.details.Find("announced")->as_bool();
  }
  EXPECT_TRUE(audited);
}

TEST(Supervision, StalledSupervisorLosesFramesAndIsRemovedWhileTheControllerGetsEverything) {
  constexpr std::size_t kBudget = 64 * 1024;
  // No share limit (viewer_full_rate_bytes out of reach): the stalled supervisor is sent
  // every frame its budget allows, so its own backlog is what removes it.
  BrokerProcess broker(BrokerOptions().Config(
      "frame_budget_bytes = 65536\nslow_consumer_bytes = 2097152\nviewer_full_rate_bytes = 1099511627776\n"));
  Live live = StartSession(broker);
  auto stalled = InviteAndAccept(broker, *live.technician, "slow@acme.test", "admin");
  Ok(*stalled, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  NextEvent(*live.technician, "participant.joined");
  // The stalled supervisor's client runs no loop from here on. 12 MiB of output:
  constexpr int kFrames = 384;
  std::jthread reader([&](std::stop_token) {
    for (int i = 0; i < kFrames; ++i) {
      auto frame = live.technician->NextDataFrame(kWait);
      ASSERT_TRUE(frame.ok()) << "controller missed frame " << i;
      auto view = protocol::PeekDataFrame(*frame);
      ASSERT_EQ(view->payload[0], static_cast<std::uint8_t>(i)) << "out of order";
    }
  });
  for (int i = 0; i < kFrames; ++i) {
    std::vector<std::uint8_t> payload(32 * 1024, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(live.agent->SendDataFrame(live.id, 1, payload).ok());
    if (i % 16 == 0) FlushAgent(*live.agent);
  }
  FlushAgent(*live.agent);
  reader.join();
  // The stalled supervisor's queue stayed within its budget (plus the frame that tipped it).
  EXPECT_LE(ReadMetric(broker, "tether_output_queued_bytes_max"), kBudget + 32 * 1024 + 4096);
  // The supervisor finally reads: drops were counted, then it was removed.
  bool dropped = false, removed = false;
  for (int i = 0; i < 400 && !removed; ++i) {
    auto message = stalled->NextMessage(kWait);
    if (!message.ok()) break;
    const Value* event = message->Find("event");
    if (event == nullptr) continue;
    if (event->as_string() == "frames.dropped") dropped = message->Find("count")->as_uint() > 0;
    if (event->as_string() == "session.ended") removed = message->Find("reason")->as_string() == "slow_consumer";
  }
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(removed);
  EXPECT_EQ(NextEvent(*live.technician, "participant.left").Find("mode")->as_string(), "view");
}

// What a supervisor reading along took from a run of `frames` numbered frames: the
// numbers it got, in arrival order, and what frames.dropped said it lost. It reads until
// the two account for the run (the notices come with the broker's 250 ms sweep; an
// over-count shows as a total past the run) or nothing more comes.
struct WatchedRun {
  std::vector<int> received;
  std::uint64_t dropped = 0;
  bool removed = false;
};

int FrameNumber(const std::vector<std::uint8_t>& frame) {
  std::string text = PayloadText(frame);
  return static_cast<std::uint8_t>(text[0]) | static_cast<std::uint8_t>(text[1]) << 8;
}

WatchedRun WatchRun(client::BlockingClient& watcher, int frames) {
  WatchedRun run;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (run.received.size() + run.dropped < static_cast<std::size_t>(frames) && !run.removed &&
         std::chrono::steady_clock::now() < deadline) {
    for (auto frame = watcher.NextDataFrame(std::chrono::milliseconds(10)); frame.ok();
         frame = watcher.NextDataFrame(std::chrono::milliseconds(10))) {
      run.received.push_back(FrameNumber(*frame));
    }
    auto message = watcher.NextMessage(std::chrono::milliseconds(100));
    if (!message.ok()) continue;
    const Value* event = message->Find("event");
    if (event == nullptr) continue;
    if (event->as_string() == "frames.dropped") run.dropped += message->Find("count")->as_uint();
    if (event->as_string() == "session.ended") run.removed = true;
  }
  return run;
}

// The controller receives frames 0 .. frames-1 of a numbered run, each once, in order.
void ExpectEveryFrameInOrder(client::BlockingClient& controller, int frames) {
  for (int i = 0; i < frames; ++i) {
    auto frame = controller.NextDataFrame(kWait);
    ASSERT_TRUE(frame.ok()) << "controller missed frame " << i;
    ASSERT_EQ(FrameNumber(*frame), i) << "out of order";
  }
}

// An admin who joins the session as a supervisor and reads a run of `frames` numbered
// frames on a thread of its own while the test drives the session.
class SupervisedRun {
 public:
  SupervisedRun(const BrokerProcess& broker, Live& live, int frames)
      : watcher_(InviteAndAccept(broker, *live.technician, "watch@acme.test", "admin")) {
    Ok(*watcher_, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
    NextEvent(*live.technician, "participant.joined");
    reader_ = std::jthread([this, frames](std::stop_token) { watched_ = WatchRun(*watcher_, frames); });
  }
  // Waits until the supervisor has accounted for the run (or given up) and returns it.
  const WatchedRun& Finish() {
    if (reader_.joinable()) reader_.join();
    return watched_;
  }

 private:
  std::unique_ptr<client::BlockingClient> watcher_;
  WatchedRun watched_;
  std::jthread reader_;  // last: joined before the members it uses are destroyed
};

std::vector<std::uint8_t> NumberedPayload(int i, std::size_t bytes) {
  std::vector<std::uint8_t> payload(bytes, 0);
  payload[0] = static_cast<std::uint8_t>(i);
  payload[1] = static_cast<std::uint8_t>(i >> 8);
  return payload;
}

// The supervisor got some of the run, in order, and was told of every other frame.
void ExpectAccounted(const WatchedRun& run, int frames) {
  EXPECT_TRUE(std::is_sorted(run.received.begin(), run.received.end()));
  EXPECT_TRUE(std::adjacent_find(run.received.begin(), run.received.end()) == run.received.end());
  EXPECT_LT(run.received.size(), static_cast<std::size_t>(frames));
  EXPECT_EQ(run.received.size() + run.dropped, static_cast<std::size_t>(frames));
  EXPECT_FALSE(run.removed) << "removed for frames the broker chose not to send";
}

// Output for view participants yields to the controller: while the controller's queue is
// past viewer_budget_bytes, frames are dropped for the supervisors — not counted towards
// slow_consumer, since they read as fast as they can — and the controller gets every
// frame in order. The supervisor gets the rest in order and learns exactly how many it lost.
TEST(Supervision, SupervisorsYieldToABusyControllerAndAreToldExactlyWhatTheyLost) {
  constexpr std::size_t kFrameBytes = 32 * 1024;
  constexpr int kFrames = 384;  // 12 MiB: more than socket buffers and budgets hold
  // Seven frames at least are dropped for the supervisor before the agent pauses (the
  // controller's queue between 64 and 256 KiB): more than slow_consumer_bytes. No share
  // limit here (viewer_full_rate_bytes out of reach): only the controller's queue counts.
  BrokerProcess broker(BrokerOptions().Config(
      "frame_budget_bytes = 262144\nviewer_budget_bytes = 65536\nslow_consumer_bytes = 131072\n"
      "viewer_full_rate_bytes = 1099511627776\n"));
  Live live = StartSession(broker);
  SupervisedRun watching(broker, live, kFrames);
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_TRUE(live.agent->SendDataFrame(live.id, 1, NumberedPayload(i, kFrameBytes)).ok());
  }
  // The agent's client sends on a thread of its own; the controller reads nothing until
  // its queue has made the broker pause the agent.
  std::jthread sender([&](std::stop_token stop) {
    while (!stop.stop_requested()) (void)live.agent->NextMessage(std::chrono::milliseconds(20));
  });
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (ReadMetric(broker, "tether_relay_paused_senders") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, not a wait for timing
  }
  ASSERT_EQ(ReadMetric(broker, "tether_relay_paused_senders"), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectEveryFrameInOrder(*live.technician, kFrames));
  const WatchedRun& watched = watching.Finish();
  ExpectAccounted(watched, kFrames);
}

// A session whose output runs faster than viewer_full_rate_bytes a second: its
// supervisors together get viewer_share_percent of what the controller gets — here a
// quarter, so every fourth frame at most — while the controller gets everything in order.
TEST(Supervision, SupervisorsOfAFastSessionGetTheirShareAndAreToldExactlyWhatTheyLost) {
  constexpr int kFrames = 400;  // 1.6 MiB in 4 KiB frames: far over 1 KB/s
  BrokerProcess broker(BrokerOptions().Config(
      "viewer_full_rate_bytes = 1000\nviewer_share_percent = 25\nslow_consumer_bytes = 65536\n"));
  Live live = StartSession(broker);
  SupervisedRun watching(broker, live, kFrames);
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_TRUE(live.agent->SendDataFrame(live.id, 1, NumberedPayload(i, 4096)).ok());
  }
  {
    std::jthread sender([&](std::stop_token stop) {
      while (!stop.stop_requested()) (void)live.agent->NextMessage(std::chrono::milliseconds(20));
    });
    ASSERT_NO_FATAL_FAILURE(ExpectEveryFrameInOrder(*live.technician, kFrames));
  }
  const WatchedRun& watched = watching.Finish();
  ExpectAccounted(watched, kFrames);
  EXPECT_GE(watched.received.size(), 1u);
  EXPECT_LE(watched.received.size(), static_cast<std::size_t>(kFrames / 4));
}

TEST(Supervision, HandOverGivesControlToAViewParticipantAndIsAudited) {
  BrokerProcess broker;
  std::string id;
  {
    Live live = StartSession(broker);
    id = live.id;
    auto admin = InviteAndAccept(broker, *live.technician, "next@acme.test", "admin");
    Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
    Ok(*live.technician, Req({{"t", "session.handover"}, {"session_id", live.id},
                              {"user_id", UserIdOf(*live.technician, "next@acme.test")}}));
    EXPECT_EQ(NextEvent(*admin, "session.control").Find("controller")->Find("email")->as_string(), "next@acme.test");
    EXPECT_FALSE(NextEvent(*live.agent, "session.control").is_nil());
    // The new controller types; the former one, now a viewer, may not.
    std::vector<std::uint8_t> keys = Output(live.id, "whoami\r");
    admin->SendRaw(keys);
    Ok(*admin, Req({{"t", "licence.get"}}));
    EXPECT_EQ(*live.agent->NextDataFrame(kWait), keys);
    live.technician->SendRaw(Output(live.id, "x"));
    auto refused = live.technician->NextMessage(kWait);
    while (refused.ok() && refused->Find("event")) refused = live.technician->NextMessage(kWait);
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->Find("code")->as_string(), "view_only");
  }
  ASSERT_EQ(broker.Stop(), 0);
  bool audited = false;
  for (const AuditRow& row : ReadAuditChain(broker.db_path(), 1)) audited |= row.action == "session.handover";
  EXPECT_TRUE(audited);
}

TEST(Supervision, LosingThePrivilegeRemovesTheSupervisorAtOnce) {
  BrokerProcess broker;
  Live live = StartSession(broker);
  auto admin = InviteAndAccept(broker, *live.technician, "demoted@acme.test", "admin");
  Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  NextEvent(*live.technician, "participant.joined");
  Ok(*live.technician, Req({{"t", "user.update"}, {"user_id", UserIdOf(*live.technician, "demoted@acme.test")},
                            {"role", "technician"}}));
  Value left = NextEvent(*live.technician, "participant.left");
  ASSERT_FALSE(left.is_nil());
  EXPECT_EQ(left.Find("user")->Find("email")->as_string(), "demoted@acme.test");
  live.agent->SendRaw(Output(live.id, "secret\r\n"));
  FlushAgent(*live.agent);
  auto frame = admin->NextDataFrame(std::chrono::milliseconds(300));
  EXPECT_FALSE(frame.ok()) << "a removed supervisor still receives output";
}

TEST(Supervision, FiftySupervisorsReadingAlongReceiveEveryFrame) {
  BrokerProcess broker;
  Live live = StartSession(broker);
  constexpr int kSupervisors = 50;
  // The owner controls the session; supervising needs another user (the controller may not watch).
  auto admin = InviteAndAccept(broker, *live.technician, "crowd@acme.test", "admin");
  std::vector<std::unique_ptr<client::BlockingClient>> watchers;
  for (int i = 0; i < kSupervisors; ++i) {
    auto watcher = Connect(broker);
    ASSERT_TRUE(watcher->Hello(PasswordAuth(kOrg, "crowd@acme.test", kMemberPassword), kWait).ok());
    Ok(*watcher, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
    watchers.push_back(std::move(watcher));
  }
  constexpr int kFrames = 512;  // 2 MiB of terminal output in 4 KiB frames, over about 3 s
  std::vector<int> received(kSupervisors, 0);
  {
    std::vector<std::jthread> readers;
    for (int w = 0; w < kSupervisors; ++w) {
      readers.emplace_back([&, w](std::stop_token) {
        for (int i = 0; i < kFrames; ++i) {
          auto frame = watchers[w]->NextDataFrame(std::chrono::seconds(20));
          if (!frame.ok()) return;
          auto view = protocol::PeekDataFrame(*frame);
          if (!view.ok() || view->payload[0] != static_cast<std::uint8_t>(i)) return;
          ++received[w];
        }
      });
    }
    std::jthread controller([&](std::stop_token) {
      for (int i = 0; i < kFrames && live.technician->NextDataFrame(std::chrono::seconds(20)).ok(); ++i) {
      }
    });
    for (int i = 0; i < kFrames; ++i) {
      std::vector<std::uint8_t> payload(4096, static_cast<std::uint8_t>(i));
      ASSERT_TRUE(live.agent->SendDataFrame(live.id, 1, payload).ok());
      if (i % 8 == 0) {
        FlushAgent(*live.agent);
        std::this_thread::sleep_for(std::chrono::milliseconds(40));  // a terminal's pace, not a benchmark
      }
    }
    FlushAgent(*live.agent);
  }
  for (int w = 0; w < kSupervisors; ++w) EXPECT_EQ(received[w], kFrames) << "supervisor " << w;
}

// The recent screen is the last screen_buffer_bytes of the output, however much came
// before (the broker trims its copy in steps, not on every frame).
TEST(Supervision, AJoiningSupervisorGetsExactlyTheLastScreenBufferBytes) {
  BrokerProcess broker(BrokerOptions().Config("screen_buffer_bytes = 10\n"));
  Live live = StartSession(broker);
  std::string all;
  for (int i = 0; i < 7; ++i) {
    std::string line = "line-" + std::to_string(i) + "\n";
    all += line;
    live.agent->SendRaw(Output(live.id, line));
  }
  FlushAgent(*live.agent);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(live.technician->NextDataFrame(kWait).ok());
  auto admin = InviteAndAccept(broker, *live.technician, "boss@acme.test", "admin");
  Ok(*admin, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  auto screen = admin->NextDataFrame(kWait);
  ASSERT_TRUE(screen.ok());
  EXPECT_EQ(PayloadText(*screen), all.substr(all.size() - 10));
}

}  // namespace
}  // namespace tether::e2e
