// The machinery of an actor: its connection, the step loop, timeouts and records.
#include "actor_run.h"

#include "runner.h"
#include "tether/protocol/data_frame.h"

namespace tether::sim {
namespace {

constexpr std::size_t kRecentMessages = 6;
// What an actor keeps of a session's received text: enough for any expectation, bounded
// so that a load run's output does not grow without end.
constexpr std::size_t kTextKeptBytes = 256 * 1024;

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ActorRun::ActorRun(Iteration& iteration, const ActorSpec& spec) : it_(iteration), spec_(spec) {}

ActorRun::~ActorRun() = default;

void ActorRun::Start() {
  uv_loop_t* loop = it_.client_context().loop();
  timeout_timer_.Init([loop](uv_timer_t* t) { return uv_timer_init(loop, t); }, this);
  output_timer_.Init([loop](uv_timer_t* t) { return uv_timer_init(loop, t); }, this);
  Connect();
}

void ActorRun::Connect() {
  client::ConnectOptions options;
  options.url = it_.org().url;
  client::ConnectionHandlers handlers;
  handlers.on_open = [this] { OnOpen(); };
  handlers.on_event = [this](const Value& event) { OnEvent(event); };
  handlers.on_unsolicited_error = [this](const Value& error) { OnEvent(error); };
  handlers.on_data_frame = [this](std::span<const std::uint8_t> bytes) { OnDataFrame(bytes); };
  handlers.on_close = [this](const client::CloseInfo& info) { OnClose(info); };
  auto connection = client::Connection::Create(it_.client_context(), options, std::move(handlers));
  if (!connection.ok()) {
    closed_ = client::CloseInfo{client::kCloseAbnormal, connection.status().ToString(), false};
    connection_done_ = true;
    it_.ConnectionClosed();
    Advance();
    return;
  }
  connection_ = std::move(connection).value();
}

void ActorRun::OnOpen() {
  open_ = true;
  if (spec_.kind != ActorKind::kDeviceAgent) {
    ready_ = true;
    Advance();
    return;
  }
  // A device agent enrols a device of its own for this iteration; enrolment leaves the
  // connection logged in as that device, online.
  const DeviceSpec* device = it_.scenario().FindDevice(spec_.device);
  std::string name = device->name;
  if (it_.runner().repeat() > 1) name += "-" + std::to_string(it_.index());
  Value hello = Value::MapOf({{"t", "hello"}, {"proto", 1},
                              {"auth", Value::MapOf({{"kind", "enroll"},
                                                     {"deployment_key", it_.org().deploy_keys.at(device->group)},
                                                     {"name", name}, {"os", device->os}})}});
  connection_->Request(hello, [this](protocol::Result<Value> reply) {
    if (!reply.ok()) {
      // No step can run without the device: the actor fails before its first one.
      StepRecord record;
      record.actor = spec_.name;
      record.line = spec_.line;
      record.kind = StepKind::kLogin;
      record.verdict = Verdict::kFailed;
      record.expected = "device '" + spec_.device + "' to enrol";
      record.got = reply.status().ToString();
      it_.Record(std::move(record));
      finished_ = true;
      it_.ActorFinished(true);
      return;
    }
    ready_ = true;
    it_.DefineDevice(spec_.device, reply->Find("device_id")->as_string());
    Advance();
  });
}

void ActorRun::OnEvent(const Value& event) {
  recent_.push_back(event.ToJson());
  if (recent_.size() > kRecentMessages) recent_.pop_front();
  if (spec_.kind != ActorKind::kUser) AgentEvent(event);
  events_.push_back(event);
  if (events_.size() > 10'000) events_.pop_front();
  Advance();
}

void ActorRun::OnDataFrame(std::span<const std::uint8_t> bytes) {
  auto frame = protocol::PeekDataFrame(bytes);
  if (!frame.ok()) return;
  RunResults& results = it_.results();
  ++results.frames_received;
  results.bytes_received += frame->payload.size();
  if (frame->channel != static_cast<std::uint64_t>(protocol::Channel::kTerminal)) return;
  std::string& text = text_[std::string(frame->session_id)];
  text.append(reinterpret_cast<const char*>(frame->payload.data()), frame->payload.size());
  if (text.size() > kTextKeptBytes) text.erase(0, text.size() - kTextKeptBytes);
  if (spec_.kind != ActorKind::kUser && spec_.echo && agent_active_ && frame->session_id == agent_session_) {
    // The echo of a shell: what the controller typed comes back as output.
    if (connection_->SendDataFrame(frame->session_id, frame->channel, frame->payload).ok()) {
      ++results.frames_sent;
      results.bytes_sent += frame->payload.size();
    }
  }
  if (current_ && (current_->step->kind == StepKind::kExpectOutput || current_->step->kind == StepKind::kExpectInput)) {
    Advance();
  }
}

void ActorRun::OnClose(const client::CloseInfo& info) {
  open_ = false;
  StopOutput();
  if (!closed_) closed_ = info;
  connection_done_ = true;
  it_.ConnectionClosed();
  if (!stopping_) Advance();
}

void ActorRun::Poll() { Advance(); }

void ActorRun::Advance() {
  if (stopping_ || finished_) return;
  if (advancing_) {
    repoll_ = true;
    return;
  }
  advancing_ = true;
  do {
    repoll_ = false;
    while (!finished_ && !stopping_) {
      if (!current_) {
        if (next_ >= spec_.steps.size()) {
          finished_ = true;
          it_.ActorFinished(false);
          break;
        }
        if (!ready_ && !closed_) break;  // steps start once connected
        BeginStep();
      }
      auto outcome = Check();
      // Checking may let another actor fail, which stops this one too.
      if (!outcome || !current_ || stopping_) break;
      Finish(*outcome);
    }
  } while (repoll_ && !finished_ && !stopping_);
  advancing_ = false;
}

void ActorRun::BeginStep() {
  current_ = Current{};  // not emplace(): clang 14 sees Current as not default-constructible inside ActorRun
  current_->step = &spec_.steps[next_++];
  current_->started = std::chrono::steady_clock::now();
  uv_timer_start(
      timeout_timer_.get(),
      [](uv_timer_t* timer) {
        if (timer->data) static_cast<ActorRun*>(timer->data)->OnTimeout();
      },
      static_cast<std::uint64_t>(current_->step->timeout.count()), 0);
}

void ActorRun::OnTimeout() {
  if (!current_ || stopping_) return;
  if (current_->step->kind == StepKind::kPause) {
    Finish({true, "", ""});
    return Advance();
  }
  std::string waited = current_->waiting_for.empty() ? "the step to complete" : current_->waiting_for;
  Finish({false, waited + " within " + std::to_string(current_->step->timeout.count()) + " ms",
          "nothing matching; " + DescribeRecent()});
  Advance();
}

std::string ActorRun::DescribeRecent() const {
  if (closed_) {
    return "the connection closed (" + std::to_string(closed_->code) + (closed_->reason.empty() ? "" : ": " + closed_->reason) + ")";
  }
  if (recent_.empty()) return "no message arrived";
  std::string out = "last messages: ";
  for (std::size_t i = 0; i < recent_.size(); ++i) out += (i ? ", " : "") + recent_[i];
  return out;
}

void ActorRun::Finish(Outcome outcome) {
  uv_timer_stop(timeout_timer_.get());
  const Step& step = *current_->step;
  StepRecord record;
  record.actor = spec_.name;
  record.index = next_;
  record.line = step.line;
  record.kind = step.kind;
  record.verdict = outcome.ok ? Verdict::kPassed : Verdict::kFailed;
  record.ms = MillisSince(current_->started);
  record.expected = std::move(outcome.expected);
  record.got = std::move(outcome.got);
  current_.reset();
  it_.Record(std::move(record));
  if (!outcome.ok) {
    finished_ = true;
    it_.ActorFinished(true);
  }
}

void ActorRun::Stop() {
  if (stopping_) return;
  stopping_ = true;
  uv_timer_stop(timeout_timer_.get());
  StopOutput();
  std::size_t first_undone = current_ ? next_ - 1 : next_;
  if (!finished_) {
    for (std::size_t i = first_undone; i < spec_.steps.size(); ++i) {
      StepRecord record;
      record.actor = spec_.name;
      record.index = i + 1;
      record.line = spec_.steps[i].line;
      record.kind = spec_.steps[i].kind;
      record.verdict = Verdict::kSkipped;
      it_.Record(std::move(record));
    }
  }
  current_.reset();
  if (connection_ && !connection_done_) connection_->Close();
}

std::string ActorRun::Received(const std::string& session_id) const {
  auto found = text_.find(session_id);
  return found == text_.end() ? std::string() : found->second;
}

void ActorRun::Consume(std::map<std::string, std::string>& buffers, const std::string& session_id, std::size_t end) {
  auto found = buffers.find(session_id);
  if (found != buffers.end()) found->second.erase(0, end);
}

}  // namespace tether::sim
