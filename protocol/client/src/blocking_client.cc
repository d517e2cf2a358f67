#include "tether/client/blocking_client.h"

#include <cassert>
#include <string_view>

namespace tether::client {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kTimedOut = "timed out";

Status TimedOut(milliseconds timeout, std::string_view waiting_for) {
  return Status::Internal(std::string(kTimedOut) + " after " + std::to_string(timeout.count()) +
                          " ms waiting for " + std::string(waiting_for));
}

}  // namespace

bool IsTimeout(const Status& status) {
  return !status.ok() && std::string_view(status.message()).starts_with(kTimedOut);
}

BlockingClient::BlockingClient() {
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &wake_timer_);
}

Result<std::unique_ptr<BlockingClient>> BlockingClient::Connect(ConnectOptions options,
                                                                milliseconds timeout) {
  std::unique_ptr<BlockingClient> client(new BlockingClient());
  Result<std::unique_ptr<ClientContext>> context = ClientContext::Create(&client->loop_);
  if (!context.ok()) return context.status();
  client->context_ = std::move(*context);

  options.reconnect.enabled = false;
  std::string url = options.url;
  Result<std::unique_ptr<Connection>> connection =
      Connection::Create(*client->context_, std::move(options), client->MakeHandlers());
  if (!connection.ok()) return connection.status();
  client->connection_ = std::move(*connection);

  BlockingClient& c = *client;
  if (!c.RunUntil([&c] { return c.opened_ || c.closed_.has_value(); }, timeout)) {
    return TimedOut(timeout, "the connection to " + url);
  }
  if (!c.opened_) return Status::Internal("connect to " + url + ": " + c.closed_->reason);
  return client;
}

ConnectionHandlers BlockingClient::MakeHandlers() {
  ConnectionHandlers handlers;
  handlers.on_open = [this] { opened_ = true; };
  handlers.on_event = [this](const Value& message) { messages_.push_back(message); };
  handlers.on_unsolicited_error = [this](const Value& message) { messages_.push_back(message); };
  handlers.on_data_frame = [this](std::span<const std::uint8_t> frame) {
    frames_.emplace_back(frame.begin(), frame.end());
  };
  handlers.on_close = [this](const CloseInfo& info) { closed_ = info; };
  return handlers;
}

BlockingClient::~BlockingClient() {
  // Order matters: the Connection before its context; then lws's two-stage destroy,
  // which the loop run below completes (ClientContext leaves a reaper for the second
  // stage), and only then may the loop close.
  connection_.reset();
  context_.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_timer_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  [[maybe_unused]] int closed = uv_loop_close(&loop_);
  assert(closed == 0 && "a handle outlived the client");
}

bool BlockingClient::RunUntil(const std::function<bool()>& done, milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    if (done()) break;
    auto remaining = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      uv_run(&loop_, UV_RUN_NOWAIT);  // whatever is already readable still counts
      break;
    }
    // The timer only wakes uv_run up; the deadline itself is checked above.
    uv_timer_start(&wake_timer_, [](uv_timer_t*) {}, static_cast<uint64_t>(remaining.count()), 0);
    uv_run(&loop_, UV_RUN_ONCE);
  }
  uv_timer_stop(&wake_timer_);
  return done();
}

Status BlockingClient::ClosedStatus() const {
  return Status::Internal("connection closed (code " + std::to_string(closed_->code) +
                          (closed_->reason.empty() ? "" : ": " + closed_->reason) + ")");
}

Result<Value> BlockingClient::Call(Value request, milliseconds timeout) {
  std::uint64_t id = StartCall(std::move(request));
  Result<Value> reply = WaitReply(id, timeout);
  replies_.erase(id);  // a late reply to an abandoned call is dropped
  return reply;
}

Result<Value> BlockingClient::Hello(Value auth, milliseconds timeout) {
  return Call(Value::MapOf({{"t", "hello"}, {"proto", 1}, {"auth", std::move(auth)}}), timeout);
}

std::uint64_t BlockingClient::StartCall(Value request) {
  // The id is assigned inside Request; the reply cannot arrive before Request returns
  // (unless it failed at once, with id 0), so the callback reads it from this slot.
  auto id_slot = std::make_shared<std::uint64_t>(0);
  std::uint64_t id = connection_->Request(std::move(request), [this, id_slot](Result<Value> reply) {
    auto found = replies_.find(*id_slot);
    if (found != replies_.end()) found->second = std::move(reply);
  });
  *id_slot = id;
  if (id != 0) replies_.emplace(id, std::nullopt);
  return id;
}

Result<Value> BlockingClient::WaitReply(std::uint64_t id, milliseconds timeout) {
  if (id == 0) return closed_ ? ClosedStatus() : Status::Internal("not connected");
  auto found = replies_.find(id);
  if (found == replies_.end()) return Status::Internal("no call with id " + std::to_string(id));
  std::optional<Result<Value>>& slot = found->second;
  if (!RunUntil([&slot] { return slot.has_value(); }, timeout)) {
    return TimedOut(timeout, "the reply to id " + std::to_string(id));
  }
  Result<Value> reply = std::move(*slot);
  replies_.erase(found);
  return reply;
}

void BlockingClient::SendRaw(std::vector<std::uint8_t> bytes, bool binary) {
  (void)connection_->SendRaw(std::move(bytes), binary);
}

Status BlockingClient::SendDataFrame(std::string_view session_id, std::uint64_t channel,
                                     std::span<const std::uint8_t> payload) {
  return connection_->SendDataFrame(session_id, channel, payload);
}

void BlockingClient::Close(int code, std::string reason) {
  connection_->Close(code, std::move(reason));
}

Result<Value> BlockingClient::NextMessage(milliseconds timeout) {
  if (!RunUntil([this] { return !messages_.empty() || closed_.has_value(); }, timeout)) {
    return TimedOut(timeout, "a message");
  }
  if (messages_.empty()) return ClosedStatus();
  Value message = std::move(messages_.front());
  messages_.pop_front();
  return message;
}

Result<Value> BlockingClient::NextMessageOrReply(std::uint64_t id, milliseconds timeout, bool* is_reply) {
  *is_reply = false;
  auto found = replies_.find(id);
  if (found == replies_.end()) return WaitReply(id, timeout);  // says what is wrong with `id`
  std::optional<Result<Value>>& slot = found->second;
  // Events the broker sent before its reply are queued before the reply is seen: while
  // any is queued, it comes first.
  auto ready = [this, &slot] { return !messages_.empty() || slot.has_value() || closed_.has_value(); };
  if (!RunUntil(ready, timeout)) return TimedOut(timeout, "a message or the reply to id " + std::to_string(id));
  if (!messages_.empty()) {
    Value message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }
  if (!slot.has_value()) return ClosedStatus();
  *is_reply = true;
  return WaitReply(id, timeout);
}

Result<std::vector<std::uint8_t>> BlockingClient::NextDataFrame(milliseconds timeout) {
  if (!RunUntil([this] { return !frames_.empty() || closed_.has_value(); }, timeout)) {
    return TimedOut(timeout, "a data frame");
  }
  if (frames_.empty()) return ClosedStatus();
  std::vector<std::uint8_t> frame = std::move(frames_.front());
  frames_.pop_front();
  return frame;
}

std::optional<CloseInfo> BlockingClient::WaitClosed(milliseconds timeout) {
  RunUntil([this] { return closed_.has_value(); }, timeout);
  return closed_;
}

bool BlockingClient::IsOpen() const { return connection_->IsOpen(); }

}  // namespace tether::client
