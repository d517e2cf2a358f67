// End to end: a controller that stops reading makes the broker pause the agent instead
// of queueing without bound (ARCHITECTURE.md "Backpressure"); when it reads again every
// frame arrives, in order.
#include <gtest/gtest.h>

#include <thread>

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
  // jthread: stopped and joined on every way out of this scope, assertions included.
  std::jthread sender([&](std::stop_token stop) {
    while (!stop.stop_requested()) Pump(*agent, std::chrono::milliseconds(20));
  });
  for (int i = 0; i < kFrames; ++i) {
    auto frame = technician->NextDataFrame(kWait);
    ASSERT_TRUE(frame.ok()) << "frame " << i << ": " << frame.status().ToString();
    auto view = protocol::PeekDataFrame(*frame);
    ASSERT_TRUE(view.ok());
    ASSERT_EQ(view->payload.size(), kFrameBytes);
    EXPECT_EQ(view->payload[0], static_cast<std::uint8_t>(i)) << "frame " << i << " out of order";
  }
  sender.request_stop();
  sender.join();
  EXPECT_EQ(ReadMetric(broker, "tether_relay_paused_senders"), 0u);
}

}  // namespace
}  // namespace tether::e2e
