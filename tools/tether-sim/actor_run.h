// ActorRun: one actor of one iteration — its connection, what it has received, and the
// step it is on. A step starts (maybe sending a request or a frame) and is then polled
// whenever something arrives or shared state changes, until it holds, fails, or its
// timeout passes. Simulated agents also behave on their own: they answer
// `session.request` (consent), echo terminal input, and produce output at a set rate.
//
// Thread-safety: none; the loop's thread only.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <functional>
#include <string>

#include "iteration.h"
#include "tether/client/connection.h"
#include "tether/uv_handle.h"

namespace tether::sim {

class ActorRun {
 public:
  ActorRun(Iteration& iteration, const ActorSpec& spec);
  ~ActorRun();
  ActorRun(const ActorRun&) = delete;
  ActorRun& operator=(const ActorRun&) = delete;

  void Start();
  // Looks at the current step again (shared state changed).
  void Poll();
  // The iteration is over: records the unfinished steps as skipped and closes politely.
  void Stop();
  const ActorSpec& spec() const { return spec_; }
  bool finished() const { return finished_; }

 private:
  struct Outcome {
    bool ok;
    std::string expected, got;
  };
  struct Current {
    const Step* step = nullptr;
    std::chrono::steady_clock::time_point started;
    bool sent = false;
    std::optional<protocol::Result<Value>> reply;
    std::string waiting_for;  // for a timeout: what was awaited
  };

  void Connect();
  void OnOpen();
  void OnEvent(const Value& event);
  void OnDataFrame(std::span<const std::uint8_t> bytes);
  void OnClose(const client::CloseInfo& info);

  void Advance();
  void BeginStep();
  std::optional<Outcome> Check();
  void Finish(Outcome outcome);
  void OnTimeout();

  // Step bodies (steps.cc). Each returns nullopt while still waiting.
  std::optional<Outcome> CheckRequestStep();
  std::optional<Outcome> CheckRequestReply();
  std::optional<Outcome> CheckWaitStep();
  std::optional<Outcome> CheckDataStep();
  void SendRequest(Value request);
  std::optional<Outcome> Unresolved(const protocol::Status& status);
  std::optional<Outcome> Replied(const std::function<std::optional<Outcome>(const Value&)>& on_ok);

  // Agent behaviour (agent_behaviour.cc).
  void AgentEvent(const Value& event);
  void StartOutput();
  void StopOutput();
  void ProduceOutput();

  std::string Received(const std::string& session_id) const;
  void Consume(std::map<std::string, std::string>& buffers, const std::string& session_id, std::size_t end);
  std::string DescribeRecent() const;

  Iteration& it_;
  const ActorSpec& spec_;
  std::unique_ptr<client::Connection> connection_;
  bool open_ = false;
  bool ready_ = false;  // open, and for a device agent enrolled
  std::optional<client::CloseInfo> closed_;
  bool connection_done_ = false;  // its one attempt has ended (or never started)
  bool stopping_ = false;
  bool finished_ = false;
  bool advancing_ = false, repoll_ = false;

  std::size_t next_ = 0;  // the index of the step after the current one
  std::optional<Current> current_;
  tools::cli::UvHandle<uv_timer_t> timeout_timer_;

  std::deque<Value> events_;       // events and unsolicited errors not consumed yet
  std::deque<std::string> recent_;  // the last few messages, for failure reports
  std::map<std::string, std::string> text_;  // received channel-1 bytes by session id

  // Agents.
  std::string agent_session_;  // the session this agent serves, "" when none
  bool agent_active_ = false;
  tools::cli::UvHandle<uv_timer_t> output_timer_;
  std::uint64_t output_sequence_ = 0;
};

}  // namespace tether::sim
