// FakeIo: a SessionIo that records what a session sends. Replies are held until the
// test answers them (a real connection never answers inside Request), and
// queued_bytes() is whatever the test sets, to drive backpressure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <deque>
#include <vector>

#include "session_io.h"
#include "tether/protocol/codec.h"

namespace tether::agent::testing {

struct SentFrame {
  std::string session_id;
  std::uint64_t channel;
  std::vector<std::uint8_t> payload;
};

class FakeIo final : public SessionIo {
 public:
  struct SentRequest {
    Value request;
    ReplyCallback on_reply;
    bool answered = false;
  };

  void Request(Value request, ReplyCallback on_reply) override {
    requests.push_back({std::move(request), std::move(on_reply), false});
  }
  protocol::Status SendFrame(std::string_view session_id, std::uint64_t channel,
                             std::span<const std::uint8_t> payload) override {
    frames.push_back({std::string(session_id), channel, {payload.begin(), payload.end()}});
    queued += payload.size() * queue_growth;
    return protocol::Status::Ok();
  }
  std::size_t queued_bytes() const override { return queued; }

  // The first request of type `t` (optionally not yet answered), or nullptr.
  SentRequest* Find(const std::string& t, bool unanswered_only = false) {
    for (SentRequest& r : requests) {
      const Value* type = r.request.Find("t");
      if (type != nullptr && type->as_string() == t && !(unanswered_only && r.answered)) return &r;
    }
    return nullptr;
  }
  // Answers `r` with {"t":"ok"} or an error.
  void Answer(SentRequest& r, protocol::Result<Value> reply = Value::MapOf({{"t", "ok"}})) {
    r.answered = true;
    if (r.on_reply) {
      ReplyCallback callback = r.on_reply;  // may append to `requests`
      callback(std::move(reply));
    }
  }
  // Concatenated payloads of the frames on `channel`.
  std::string Output(std::uint64_t channel = 1) const {
    std::string out;
    for (const SentFrame& f : frames) {
      if (f.channel == channel) out.append(f.payload.begin(), f.payload.end());
    }
    return out;
  }

  std::deque<SentRequest> requests;  // deque: pointers stay valid as it grows
  std::vector<SentFrame> frames;
  std::size_t queued = 0;
  std::size_t queue_growth = 0;  // queued grows by payload × this per frame
};

}  // namespace tether::agent::testing
