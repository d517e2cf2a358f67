// The connection of the long-running commands (broker_link.h).
#include "tether/broker_link.h"

namespace tether::tools::cli {

EventLoop::~EventLoop() {
  // Whatever was closed meanwhile finishes closing here (UvHandle memory, lws's reaper).
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

Result<std::unique_ptr<BrokerLink>> BrokerLink::Create(uv_loop_t* loop, const SavedLogin& login,
                                                       Handlers handlers) {
  std::unique_ptr<BrokerLink> link(new BrokerLink(loop, login, std::move(handlers)));
  auto context = client::ClientContext::Create(loop);
  if (!context.ok()) return context.status();
  link->context_ = std::move(*context);

  client::ConnectOptions options;
  options.url = login.broker;
  options.reconnect.enabled = static_cast<bool>(link->handlers_.on_interrupted);
  options.reconnect.max_delay = std::chrono::milliseconds(5000);
  client::ConnectionHandlers on;
  BrokerLink* self = link.get();
  on.on_open = [self] { self->OnOpen(); };
  on.on_event = [self](const Value& message) { self->handlers_.on_message(message); };
  on.on_unsolicited_error = [self](const Value& message) { self->handlers_.on_message(message); };
  on.on_data_frame = [self](std::span<const std::uint8_t> frame) { self->handlers_.on_data_frame(frame); };
  on.on_close = [self](const client::CloseInfo& info) { self->OnClose(info); };
  auto connection = client::Connection::Create(*link->context_, std::move(options), std::move(on));
  if (!connection.ok()) return connection.status();
  link->connection_ = std::move(*connection);
  return link;
}

BrokerLink::BrokerLink(uv_loop_t* loop, SavedLogin login, Handlers handlers)
    : loop_(loop), login_(std::move(login)), handlers_(std::move(handlers)) {}

BrokerLink::~BrokerLink() {
  // The Connection before its context (connection.h); no handler runs any more.
  connection_.reset();
  context_.reset();
}

void BrokerLink::OnOpen() {
  Value hello = Value::MapOf(
      {{"t", "hello"}, {"proto", 1}, {"batch", true},  // output bursts may come packed (PROTOCOL.md §2.4)
       {"auth", Value::MapOf({{"kind", "token"}, {"token", login_.token}})}});
  connection_->Request(std::move(hello), [this](Result<Value> reply) {
    if (finishing_) return;
    if (!reply.ok()) return ReportLost(reply.status());
    ready_once_ = true;
    handlers_.on_ready(*reply);
  });
}

void BrokerLink::OnClose(const client::CloseInfo& info) {
  if (finishing_) return StopLoop();
  std::string why = info.opened ? "the connection to the broker closed (code " + std::to_string(info.code) +
                                      (info.reason.empty() ? "" : ": " + info.reason) + ")"
                                : "cannot connect to " + login_.broker + ": " + info.reason;
  // The Connection schedules the next attempt itself (ReconnectPolicy).
  if (ready_once_ && handlers_.on_interrupted && !lost_) return handlers_.on_interrupted(Status::Internal(why));
  ReportLost(Status::Internal(why));
}

void BrokerLink::ReportLost(const Status& why) {
  if (finishing_ || lost_) return;
  lost_ = true;  // a refused hello is followed by its close: one report
  handlers_.on_lost(why);
  if (!finishing_) Finish(1);
}

std::uint64_t BrokerLink::Request(Value request, client::ReplyCallback on_reply) {
  return connection_->Request(std::move(request), std::move(on_reply));
}

Status BrokerLink::SendDataFrame(std::string_view session_id, std::uint64_t channel,
                                 std::span<const std::uint8_t> payload) {
  return connection_->SendDataFrame(session_id, channel, payload);
}

std::size_t BrokerLink::queued_bytes() const { return connection_->queued_bytes(); }

int BrokerLink::Run() {
  if (!stopped_) uv_run(loop_, UV_RUN_DEFAULT);
  return exit_status_;
}

void BrokerLink::Finish(int exit_status) {
  if (finishing_) return;
  finishing_ = true;
  exit_status_ = exit_status;
  if (!connection_->IsOpen()) {
    connection_->Close();  // stops a scheduled reconnection
    return StopLoop();
  }
  close_timer_.Init([this](uv_timer_t* h) { return uv_timer_init(loop_, h); }, this);
  uv_timer_start(
      close_timer_.get(), [](uv_timer_t* h) { static_cast<BrokerLink*>(h->data)->StopLoop(); },
      static_cast<std::uint64_t>(kCloseWait.count()), 0);
  connection_->Close(client::kCloseNormal);  // on_close → StopLoop
}

void BrokerLink::StopLoop() {
  if (stopped_) return;
  stopped_ = true;
  close_timer_.Close();
  uv_stop(loop_);
}

}  // namespace tether::tools::cli
