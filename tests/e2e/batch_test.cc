// End to end: batches of data frames (PROTOCOL.md §2.4) — negotiated in hello, each frame
// of a batch routed as if it had come alone, and the hostile batches of §3 refused with
// their documented answer while a bystander is still served.
#include <gtest/gtest.h>

#include "arena.h"
#include "tether/protocol/codec.h"
#include "tether/protocol/data_batch.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;
using Bytes = std::vector<std::uint8_t>;

Value HelloRequest(Value auth, bool batch) {
  Value hello = Req({{"t", "hello"}, {"proto", 1}, {"auth", std::move(auth)}});
  if (batch) hello.Set("batch", true);
  return hello;
}

// Logs `client` in asking for batches; the answer must grant them.
void HelloWithBatches(client::BlockingClient& client, Value auth) {
  Value answer = Ok(client, HelloRequest(std::move(auth), true));
  const Value* batch = answer.Find("batch");
  ASSERT_TRUE(batch != nullptr && batch->is_bool() && batch->as_bool()) << answer.ToJson();
}

Bytes Frame(const std::string& session_id, const std::string& text) {
  return protocol::EncodeDataFrame(session_id, 1, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

Bytes Batch(std::vector<Bytes> frames) { return protocol::EncodeDataBatch(frames); }

// Sends `bytes` as one message and runs the client's loop until it has gone: a blocking
// client writes only inside its calls, so it waits for the answer to a request the broker
// refuses at once (an unknown type), sent after the message.
void Send(client::BlockingClient& client, Bytes bytes) {
  client.SendRaw(std::move(bytes));
  auto answer = client.Call(Req({{"t", "flush.please"}}), kWait);
  EXPECT_EQ(answer.status().code(), ErrorCode::kBadRequest) << answer.status().ToString();
}

// The payload of the next data frame `client` receives, as text.
std::string NextPayload(client::BlockingClient& client) {
  auto frame = client.NextDataFrame(kWait);
  EXPECT_TRUE(frame.ok()) << frame.status().ToString();
  if (!frame.ok()) return "";
  auto view = protocol::PeekDataFrame(*frame);
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  return view.ok() ? std::string(view->payload.begin(), view->payload.end()) : "";
}

// The next unsolicited error's code, skipping events.
std::string NextErrorCode(client::BlockingClient& client) {
  for (;;) {
    auto message = client.NextMessage(kWait);
    EXPECT_TRUE(message.ok()) << message.status().ToString();
    if (!message.ok()) return "";
    if (message->Find("t")->as_string() == "error") return message->Find("code")->as_string();
  }
}

// A live attended session whose technician negotiated batches; the agent did or did not.
LiveSession BatchingSession(const BrokerProcess& broker, bool agent_batches) {
  LiveSession live;
  live.technician = Connect(broker);
  HelloWithBatches(*live.technician, PasswordAuth());
  Value created = Ok(*live.technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  live.id = created.Find("session_id")->as_string();
  live.agent = Connect(broker);
  Value auth = Value::MapOf({{"kind", "session_key"}, {"key", created.Find("key")->as_string()}, {"name", "Customer"}});
  Value joined = Ok(*live.agent, HelloRequest(auth, agent_batches));
  EXPECT_EQ(joined.Find("batch") != nullptr, agent_batches) << joined.ToJson();
  NextEvent(*live.agent, "session.request");
  Ok(*live.agent, Req({{"t", "session.consent"}, {"session_id", live.id}, {"accept", true}}));
  NextEvent(*live.technician, "session.state");
  NextEvent(*live.technician, "session.state");
  return live;
}

TEST(Batches, AreGrantedOnlyToAHelloThatAsksForThem) {
  BrokerProcess broker;
  auto asking = Connect(broker);
  HelloWithBatches(*asking, PasswordAuth());
  auto plain = Connect(broker);
  Value answer = Ok(*plain, HelloRequest(PasswordAuth(), false));
  EXPECT_EQ(answer.Find("batch"), nullptr) << answer.ToJson();
  auto declining = Connect(broker);
  Value hello = HelloRequest(PasswordAuth(), false);
  hello.Set("batch", false);
  answer = Ok(*declining, hello);
  EXPECT_EQ(answer.Find("batch"), nullptr) << answer.ToJson();
  auto wrong_type = Connect(broker);
  hello.Set("batch", "yes");
  Refused(*wrong_type, hello, ErrorCode::kBadRequest);
  HelloWithBatches(*wrong_type, PasswordAuth());  // a failed hello may be retried
}

TEST(Batches, EachFrameReachesAnAgentWithoutBatchesAsASingleFrameInOrder) {
  BrokerProcess broker;
  LiveSession live = BatchingSession(broker, false);
  Send(*live.technician, Batch({Frame(live.id, "one"), Frame(live.id, "two"), Frame(live.id, "three")}));
  Send(*live.technician, Frame(live.id, "four"));  // single frames still work beside batches
  for (const char* expected : {"one", "two", "three", "four"}) EXPECT_EQ(NextPayload(*live.agent), expected);
}

TEST(Batches, FlowBothWaysBetweenPeersThatNegotiatedThemInOrder) {
  BrokerProcess broker;
  LiveSession live = BatchingSession(broker, true);
  std::vector<Bytes> frames;
  for (int i = 0; i < 300; ++i) frames.push_back(Frame(live.id, "out-" + std::to_string(i)));
  Send(*live.agent, Batch(frames));
  Send(*live.agent, Batch(frames));
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 300; ++i) ASSERT_EQ(NextPayload(*live.technician), "out-" + std::to_string(i));
  }
  Send(*live.technician, Batch({Frame(live.id, "ls\n"), Frame(live.id, "pwd\n")}));
  EXPECT_EQ(NextPayload(*live.agent), "ls\n");
  EXPECT_EQ(NextPayload(*live.agent), "pwd\n");
}

// The frames one batch routes to a controller that negotiated batches leave together, as
// batch messages, rather than one message each as they are routed.
TEST(Batches, FramesOfOneBatchReachABatchingReceiverPackedIntoBatches) {
  BrokerProcess broker;
  LiveSession live = BatchingSession(broker, true);
  ASSERT_EQ(ReadMetric(broker, "tether_batches_out_total"), 0u);
  std::vector<Bytes> frames;
  for (int i = 0; i < 200; ++i) frames.push_back(Frame(live.id, "line-" + std::to_string(i)));
  Send(*live.agent, Batch(frames));
  for (int i = 0; i < 200; ++i) ASSERT_EQ(NextPayload(*live.technician), "line-" + std::to_string(i));
  EXPECT_GE(ReadMetric(broker, "tether_batches_out_total"), 1u);
}

// ---------------------------------------------------------------------------------------
// Hostile batches (PROTOCOL.md §2.4, §3).

TEST(HostileBatches, MalformedOrUnnegotiatedBatchesAreRefusedWholeAndDeliverNothing) {
  Arena arena;
  LiveSession live = BatchingSession(arena.broker(), false);
  auto plain = LoggedInOwner(arena.broker());
  Bytes good = Frame(live.id, "good");
  std::vector<Bytes> too_many(protocol::kMaxFramesPerBatch + 1, good);
  struct Row {
    const char* name;
    client::BlockingClient* sender;
    Bytes bytes;
  };
  const Row rows[] = {
      {"a batch from a connection that did not negotiate", plain.get(), Batch({good, good})},
      {"an empty batch", live.technician.get(), {0x90}},
      {"garbage nested in the second frame", live.technician.get(),
       Batch({good, Bytes{0x93, 0x91, 0x91, 0x90, 0x01, 0xc4, 0x00}})},
      {"a frame with a map for a payload", live.technician.get(), Batch({good, Bytes{0x93, 0xa1, 's', 0x01, 0x80}})},
      {"trailing bytes", live.technician.get(), [&] {
         Bytes b = Batch({good});
         b.push_back(0xc0);
         return b;
       }()},
      {"too many frames", live.technician.get(), Batch(too_many)},
  };
  int marker = 0;
  for (const Row& row : rows) {
    Send(*row.sender, row.bytes);
    EXPECT_EQ(NextErrorCode(*row.sender), "bad_request") << row.name;
    EXPECT_TRUE(row.sender->IsOpen()) << row.name;
    // Nothing of the refused batch was routed: the next frame the agent sees is the marker.
    std::string text = "marker-" + std::to_string(++marker);
    Send(*live.technician, Frame(live.id, text));
    EXPECT_EQ(NextPayload(*live.agent), text) << row.name;
    arena.ExpectBystanderServed(row.name);
  }
  arena.ExpectAuditIntact();
}

TEST(HostileBatches, ABatchBeforeHelloIsUnauthenticated) {
  Arena arena;
  auto client = Connect(arena.broker());
  client->SendRaw(Batch({Frame("s_000000000000000000000000", "x")}));
  EXPECT_EQ(NextErrorCode(*client), "unauthenticated");
  auto closed = client->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, 4401);
  arena.ExpectBystanderServed("a batch before hello");
  arena.ExpectAuditIntact();
}

TEST(HostileBatches, FramesForAnothersSessionAreRefusedOneByOneAndTheRestRouted) {
  Arena arena;
  LiveSession live = BatchingSession(arena.broker(), false);
  LiveSession other = StartAttendedSession(arena.broker(), InviteAndAccept(arena.broker(), arena.owner(), "t2@acme.test", "technician"));
  Send(*live.technician, Batch({Frame(live.id, "mine-1"), Frame(other.id, "rm -rf /\n"), Frame(live.id, "mine-2"),
                                  Frame("s_ffffffffffffffffffffffff", "x")}));
  EXPECT_EQ(NextErrorCode(*live.technician), "not_found");
  EXPECT_EQ(NextErrorCode(*live.technician), "not_found");
  EXPECT_EQ(NextPayload(*live.agent), "mine-1");
  EXPECT_EQ(NextPayload(*live.agent), "mine-2");
  // The other session's agent got nothing: its next frame is its own controller's.
  Send(*other.technician, Frame(other.id, "theirs"));
  EXPECT_EQ(NextPayload(*other.agent), "theirs");
  arena.ExpectBystanderServed("a batch into another's session");
  arena.ExpectAuditIntact();
}

TEST(HostileBatches, ViewOnlyFramesInsideABatchAreEachRefusedAndAudited) {
  Arena arena;
  LiveSession live = BatchingSession(arena.broker(), false);
  Value accepted;
  auto invited = InviteAndAccept(arena.broker(), arena.owner(), "watcher@acme.test", "admin", Value(), &accepted);
  auto watcher = Connect(arena.broker());
  HelloWithBatches(*watcher, TokenAuth(accepted.Find("token")->as_string()));
  Ok(*watcher, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  Send(*watcher, Batch({Frame(live.id, "whoami\n"), Frame(live.id, "reboot\n"), Frame(live.id, "id\n")}));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(NextErrorCode(*watcher), "view_only") << i;
    arena.ExpectAudited(1, "session.input_refused", "denied");
  }
  EXPECT_TRUE(watcher->IsOpen());
  Send(*live.technician, Frame(live.id, "from the controller"));
  EXPECT_EQ(NextPayload(*live.agent), "from the controller");
  // The watcher still receives the session's output, packed or not.
  Send(*live.agent, Frame(live.id, "output"));
  EXPECT_EQ(NextPayload(*watcher), "output");
  arena.ExpectBystanderServed("view-only frames in a batch");
  arena.ExpectAuditIntact();
}

}  // namespace
}  // namespace tether::e2e
