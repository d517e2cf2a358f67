// FakePeer: one connection of the FakeBroker (fake_broker.h) — the scripted broker and
// agent behaviour, with no libwebsockets in it: bytes in, messages out through `send`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "fake_broker.h"
#include "tether/protocol/value.h"

namespace tether::tools::cli::testing {

struct FakeBroker::Shared {
  FakeBrokerOptions options;
  mutable std::mutex state_mutex;  // guards everything below
  std::vector<std::string> resizes;
  std::string keystrokes;
  std::map<std::string, std::string> files;
  std::vector<std::string> requests;
  std::vector<std::string> file_ends;
  int next_session = 1;
  bool refuse_rejoin = false;  // after "drop-for-good": the grace ran out
};

class FakePeer {
 public:
  // `send` queues one whole message; `close` closes with a code after what is queued.
  FakePeer(FakeBroker::Shared& shared, std::function<void(std::vector<std::uint8_t>)> send,
           std::function<void(int code)> close)
      : shared_(shared), send_(std::move(send)), close_(std::move(close)) {}

  void OnMessage(std::vector<std::uint8_t> message);

 private:
  struct Upload {
    std::string session_id, name, data;
    std::uint64_t size = 0;
  };
  using Value = protocol::Value;

  void OnControl(const std::string& type, std::uint64_t id, const Value& request);
  void OnSessionRequest(const std::string& type, std::uint64_t id, const Value& request);
  void OnFileBegin(std::uint64_t id, const Value& request);
  void OnFrame(std::span<const std::uint8_t> frame);
  void OnKeystroke(char c);
  void RunLine(const std::string& line);
  void OnUploadChunk(std::span<const std::uint8_t> payload);
  void StartSession(const std::string& device_id);
  void SendDownload(const std::string& session_id, const std::string& transfer_id, const std::string& name);
  void Event(const char* name, Value fields);
  void Output(const std::string& session_id, const std::string& text);
  std::string NewSessionId();

  FakeBroker::Shared& shared_;
  std::function<void(std::vector<std::uint8_t>)> send_;
  std::function<void(int)> close_;
  bool authenticated_ = false;
  std::string session_id_;  // the session this connection controls
  std::string line_;
  std::string size_ = "unknown";
  std::map<std::string, Upload> uploads_;  // by transfer id (hex)
};

}  // namespace tether::tools::cli::testing
