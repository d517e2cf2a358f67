// End to end: a controller that stops reading makes the broker pause the agent instead
// of queueing without bound (ARCHITECTURE.md "Backpressure"); when it reads again every
// frame arrives, in order.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "access_helpers.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::Value;



// Runs the client's loop for about `time` (consuming whatever messages arrive).
void Pump(client::BlockingClient& client, std::chrono::milliseconds time) {
  auto until = std::chrono::steady_clock::now() + time;
  while (std::chrono::steady_clock::now() < until) {
    if (!client.NextMessage(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now())).ok()) break;
  }
}

// Runs `agent`'s loop on a thread of its own (its client sends what it has queued) until
// the returned thread goes out of scope — on every way out, assertions included.
std::jthread KeepSending(client::BlockingClient& agent) {
  return std::jthread([&agent](std::stop_token stop) {
    while (!stop.stop_requested()) Pump(agent, std::chrono::milliseconds(20));
  });
}

// The payload of the next data frame `reader` gets; empty, with the failure recorded, when
// none comes.
std::vector<std::uint8_t> NextPayload(client::BlockingClient& reader) {
  auto frame = reader.NextDataFrame(kWait);
  EXPECT_TRUE(frame.ok()) << frame.status().ToString();
  if (!frame.ok()) return {};
  auto view = protocol::PeekDataFrame(*frame);
  EXPECT_TRUE(view.ok());
  if (!view.ok()) return {};
  return {view->payload.begin(), view->payload.end()};
}

TEST(Backpressure, StalledControllerPausesTheAgentAndLosesNothing) {
  constexpr std::size_t kBudget = 256 * 1024;
  constexpr std::size_t kFrameBytes = 64 * 1024;
  constexpr int kFrames = 200;  // 12.5 MiB: far more than socket buffers and the budget hold
  BrokerProcess broker(BrokerOptions().Config("frame_budget_bytes = " + std::to_string(kBudget) + "\n"));
  auto technician = LoggedInOwner(broker);
  Value created = Ok(*technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  std::string session = created.Find("session_id")->as_string();
  auto agent = Connect(broker);
  ASSERT_TRUE(agent->Hello(Value::MapOf({{"kind", "session_key"}, {"key", created.Find("key")->as_string()},
                                         {"name", "Busy"}}), kWait).ok());
  Ok(*agent, Req({{"t", "session.consent"}, {"session_id", session}, {"accept", true}}));
  NextEvent(*technician, "session.state");
  NextEvent(*technician, "session.state");  // active
  // The technician's client now runs no loop: it reads nothing while the agent floods.
  for (int i = 0; i < kFrames; ++i) {
    std::vector<std::uint8_t> payload(kFrameBytes, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(agent->SendDataFrame(session, 1, payload).ok());
  }
  Pump(*agent, std::chrono::milliseconds(1500));  // the agent's loop pushes what the broker reads
  EXPECT_EQ(ReadMetric(broker, "tether_relay_paused_senders"), 1u);
  // Bounded: the queue stops within one frame of the budget.
  EXPECT_LE(ReadMetric(broker, "tether_output_queued_bytes_max"), kBudget + kFrameBytes + 1024);
  // The technician reads again: every frame, in order. The agent's client keeps sending
  // on its own thread meanwhile (each BlockingClient has its own loop).
  std::jthread sender = KeepSending(*agent);
  for (int i = 0; i < kFrames; ++i) {
    std::vector<std::uint8_t> payload = NextPayload(*technician);
    ASSERT_EQ(payload.size(), kFrameBytes) << "frame " << i;
    EXPECT_EQ(payload[0], static_cast<std::uint8_t>(i)) << "frame " << i << " out of order";
  }
  sender.request_stop();
  sender.join();
  EXPECT_EQ(ReadMetric(broker, "tether_relay_paused_senders"), 0u);
}

// The broker writes many queued messages per writeable callback: a burst of small frames,
// read by a controller that was not reading while it arrived, comes out whole and in order.
TEST(Backpressure, BurstOfSmallFramesArrivesWholeAndInOrder) {
  constexpr int kFrames = 5000;
  BrokerProcess broker;
  LiveSession live = StartAttendedSession(broker);
  auto& [technician, agent, session] = live;
  for (int i = 0; i < kFrames; ++i) {
    std::vector<std::uint8_t> payload(64, 0);
    for (int b = 0; b < 4; ++b) payload[b] = static_cast<std::uint8_t>(i >> (8 * b));
    ASSERT_TRUE(agent->SendDataFrame(session, 1, payload).ok());
  }
  std::jthread sender = KeepSending(*agent);
  for (int i = 0; i < kFrames; ++i) {
    std::vector<std::uint8_t> payload = NextPayload(*technician);
    ASSERT_EQ(payload.size(), 64u) << "frame " << i;
    int index = 0;
    for (int b = 0; b < 4; ++b) index |= static_cast<int>(payload[b]) << (8 * b);
    ASSERT_EQ(index, i) << "frame out of order or lost";
  }
}

}  // namespace
}  // namespace tether::e2e
