// What a simulated agent does by itself, like a real one: it takes the session the
// broker offers, answers consent as its actor says, and while the session is active
// produces terminal output at the set rate (instead of a PTY) — pausing while its own
// connection's queue is full, as a real agent pauses on backpressure.
#include "actor_run.h"

#include "runner.h"
#include "tether/protocol/data_frame.h"

namespace tether::sim {
namespace {

// Output is skipped while more than this waits in the agent's own queue.
constexpr std::size_t kOutputQueueLimit = 1 << 20;

std::string StringField(const Value& event, const char* key) {
  const Value* v = event.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

}  // namespace

void ActorRun::AgentEvent(const Value& event) {
  const std::string name = StringField(event, "event");
  const std::string session = StringField(event, "session_id");
  if (name == "session.request") {
    agent_session_ = session;
    const Value* ask = event.Find("consent_required");
    bool consent_required = ask && ask->is_bool() && ask->as_bool();
    if (consent_required && spec_.consent != ConsentAnswer::kManual && connection_) {
      connection_->Request(Value::MapOf({{"t", "session.consent"}, {"session_id", session},
                                         {"accept", spec_.consent == ConsentAnswer::kAccept}}),
                           [](protocol::Result<Value>) {});
    }
  } else if (name == "session.state" && session == agent_session_) {
    agent_active_ = StringField(event, "state") == "active";
    if (agent_active_) StartOutput();
    else StopOutput();
  } else if (name == "session.ended" && session == agent_session_) {
    agent_active_ = false;
    StopOutput();
  }
}

void ActorRun::StartOutput() {
  if (!spec_.output.enabled() || !output_timer_) return;
  auto every = static_cast<std::uint64_t>(spec_.output.every.count());
  uv_timer_start(
      output_timer_.get(),
      [](uv_timer_t* timer) {
        if (timer->data) static_cast<ActorRun*>(timer->data)->ProduceOutput();
      },
      every, every);
}

void ActorRun::StopOutput() {
  if (output_timer_) uv_timer_stop(output_timer_.get());
}

void ActorRun::ProduceOutput() {
  if (!connection_ || !open_ || !agent_active_ || connection_->queued_bytes() > kOutputQueueLimit) return;
  // Printable lines, numbered so that a reader could tell them apart.
  std::string text = "out " + std::to_string(++output_sequence_) + " ";
  text.resize(spec_.output.bytes - 1, '.');
  text += '\n';
  if (spec_.output.bytes == 1) text = "\n";
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  if (connection_->SendDataFrame(agent_session_, static_cast<std::uint64_t>(protocol::Channel::kTerminal), bytes).ok()) {
    ++it_.results().frames_sent;
    it_.results().bytes_sent += bytes.size();
  }
}

}  // namespace tether::sim
