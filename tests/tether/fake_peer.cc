// The FakeBroker's scripted broker-and-agent behaviour (fake_peer.h).
#include "fake_peer.h"

#include <algorithm>

#include "tether/protocol/codec.h"
#include "tether/protocol/data_frame.h"
#include "tether/transfer_wire.h"

namespace tether::tools::cli::testing {
namespace {

using protocol::Value;

std::string Str(const Value& map, const char* key) {
  const Value* field = map.Find(key);
  return field != nullptr && field->is_string() ? field->as_string() : "";
}

std::string Sha256Of(const std::string& data) {
  Sha256 hash;
  hash.Update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  return hash.FinishHex();
}

Value Device(const char* id, const char* name, const Value& group, bool online) {
  return Value::MapOf({{"device_id", id}, {"name", name}, {"os", "linux"}, {"group_id", group},
                       {"online", online}, {"last_seen", 1767225600000ull}});
}

}  // namespace

void FakePeer::OnMessage(std::vector<std::uint8_t> message) {
  if (protocol::ClassifyMessage(message) == protocol::MessageKind::kDataFrame) return OnFrame(message);
  auto control = protocol::DecodeControl(message);
  if (!control.ok()) {
    return send_(protocol::Encode(protocol::MakeError(std::nullopt, protocol::ErrorCode::kBadRequest, "undecodable")));
  }
  {
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    shared_.requests.push_back(control->type);
  }
  OnControl(control->type, control->id.value_or(0), control->body);
}

void FakePeer::OnControl(const std::string& type, std::uint64_t id, const Value& request) {
  auto ok = [&](Value fields = Value::MakeMap()) { send_(protocol::Encode(protocol::MakeOk(id, std::move(fields)))); };
  if (type == "hello") {
    const Value* auth = request.Find("auth");
    if (auth == nullptr || Str(*auth, "token") != "good-token") {
      send_(protocol::Encode(protocol::MakeError(id, protocol::ErrorCode::kUnauthenticated, "invalid token")));
      return close_(4401);
    }
    authenticated_ = true;
    Value user = Value::MapOf({{"id", "7"}, {"email", "tom@acme.test"}, {"name", "Tom"}, {"role", "technician"},
                               {"hidden", false}});
    return ok(Value::MapOf({{"user", user}, {"privileges", Value::Array{Value("remote_support")}}}));
  }
  if (!authenticated_) return close_(4401);
  if (type == "device.list") {
    Value devices = Value::Array{Device("d_online", "FRONT-DESK-01", Value("3"), true),
                                 Device("d_offline", "Lab\x1b]0;pwned\x07", Value(), false)};
    if (Str(request, "group_id") == "3") devices.as_array().pop_back();
    return ok(Value::MapOf({{"devices", devices}}));
  }
  if (type == "file.begin") return OnFileBegin(id, request);
  if (type == "file.end") {
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    const Value* good = request.Find("ok");
    shared_.file_ends.push_back(std::string(good && good->is_bool() && good->as_bool() ? "ok " : "failed ") +
                                Str(request, "sha256"));
    return ok();
  }
  OnSessionRequest(type, id, request);
}

void FakePeer::OnSessionRequest(const std::string& type, std::uint64_t id, const Value& request) {
  auto ok = [&](Value fields = Value::MakeMap()) { send_(protocol::Encode(protocol::MakeOk(id, std::move(fields)))); };
  if (type == "session.create") {
    session_id_ = NewSessionId();
    ok(Value::MapOf({{"session_id", session_id_}, {"key", "012345678"}, {"expires_at", 1767226200000ull}}));
    if (shared_.options.attended == AttendedOutcome::kActive) StartSession("");
  } else if (type == "session.connect") {
    std::string device = Str(request, "device_id");
    if (device == "d_offline") {
      send_(protocol::Encode(protocol::MakeError(id, protocol::ErrorCode::kDeviceOffline, "the device is offline")));
      return;
    }
    session_id_ = NewSessionId();
    ok(Value::MapOf({{"session_id", session_id_}}));
    StartSession(device);
  } else if (type == "session.resize") {
    size_ = std::to_string(request.Find("cols")->as_uint()) + "x" + std::to_string(request.Find("rows")->as_uint());
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    shared_.resizes.push_back(size_);
    ok();
  } else if (type == "session.end") {
    ok();
    Event("session.ended", Value::MapOf({{"session_id", Str(request, "session_id")}, {"reason", "controller_ended"}}));
  } else if (type == "session.rejoin") {
    bool refused;
    {
      std::lock_guard<std::mutex> lock(shared_.state_mutex);
      refused = shared_.refuse_rejoin;
    }
    if (refused) {
      send_(protocol::Encode(protocol::MakeError(id, protocol::ErrorCode::kNotFound, "no such session of yours")));
      return;
    }
    session_id_ = Str(request, "session_id");
    ok(Value::MapOf({{"session_id", session_id_}, {"state", "active"}}));
    Output(session_id_, "fake$ ");
  } else if (type == "session.info") {
    ok(Value::MapOf({{"hostname", "fakehost"}, {"os", "linux"}, {"uptime_s", 1u}, {"reported_at", 1u}}));
  } else {
    send_(protocol::Encode(protocol::MakeError(id, protocol::ErrorCode::kBadRequest, "unknown message type")));
  }
}

void FakePeer::StartSession(const std::string& device_id) {
  Event("session.state", Value::MapOf({{"session_id", session_id_}, {"state", "consent"}, {"recorded", false}}));
  if (device_id == "d_denied") {
    Event("session.ended", Value::MapOf({{"session_id", session_id_}, {"reason", "consent_denied"}}));
    return;
  }
  Event("session.state", Value::MapOf({{"session_id", session_id_}, {"state", "active"}, {"recorded", false}}));
  Output(session_id_, "fake$ ");
}

void FakePeer::OnFrame(std::span<const std::uint8_t> frame) {
  auto view = protocol::PeekDataFrame(frame);
  if (!view.ok()) return;
  if (view->channel == 2) return OnUploadChunk(view->payload);
  if (view->channel != 1 || view->session_id != session_id_) {
    send_(protocol::Encode(protocol::MakeError(std::nullopt, protocol::ErrorCode::kNotFound, "no such session")));
    return;
  }
  std::string bytes(view->payload.begin(), view->payload.end());
  {
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    shared_.keystrokes += bytes;
  }
  for (char c : bytes) OnKeystroke(c);
}

void FakePeer::OnKeystroke(char c) {
  if (c != '\r' && c != '\n') {
    line_ += c;
    return Output(session_id_, std::string(1, c));
  }
  Output(session_id_, "\r\n");
  std::string line;
  line.swap(line_);
  RunLine(line);
}

void FakePeer::RunLine(const std::string& line) {
  if (line.rfind("exit", 0) == 0) {
    int status = line.size() > 5 ? std::stoi(line.substr(5)) : 0;
    Value ended = Value::MapOf({{"session_id", session_id_}, {"reason", "agent_left"}});
    if (shared_.options.send_exit_status) ended.Set("exit_status", status);
    Event("session.ended", ended);
    session_id_.clear();
    return;
  }
  if (line == "drop" || line == "drop-for-good") {
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    shared_.refuse_rejoin = line == "drop-for-good";
    return close_(1011);  // the connection dies; the session waits for a rejoin
  }
  if (line == "size") {
    Output(session_id_, size_ + "\r\n");
  } else if (!line.empty()) {
    Output(session_id_, "you typed: " + line + "\r\n");
  }
  Output(session_id_, "fake$ ");
}

void FakePeer::OnFileBegin(std::uint64_t id, const Value& request) {
  std::string session = Str(request, "session_id");
  if (session == "s_notmine") {
    send_(protocol::Encode(protocol::MakeError(id, protocol::ErrorCode::kNotFound, "no session 's_notmine'")));
    return;
  }
  send_(protocol::Encode(protocol::MakeOk(id)));
  std::string transfer = Str(request, "transfer_id"), name = Str(request, "name");
  if (Str(request, "direction") == "download") return SendDownload(session, transfer, name);
  const Value* size = request.Find("size");
  uploads_[transfer] = Upload{session, name, "", size != nullptr && size->is_uint() ? size->as_uint() : 0};
  if (uploads_[transfer].size == 0) OnUploadChunk({});  // nothing will come: answer at once
}

void FakePeer::OnUploadChunk(std::span<const std::uint8_t> payload) {
  std::string transfer;
  if (payload.empty()) {
    for (auto& [id, upload] : uploads_) {
      if (upload.size == 0) transfer = id;
    }
  } else {
    auto chunk = ParseChunk(payload);
    if (!chunk) return;
    transfer = ToHex(chunk->id);
    if (!uploads_.count(transfer)) return;
    uploads_[transfer].data.append(chunk->data.begin(), chunk->data.end());
  }
  Upload& upload = uploads_[transfer];
  if (upload.data.size() < upload.size || upload.name == "hang-me") return;  // hang-me: the agent never answers
  bool accepted = upload.name != "refuse-me";
  if (accepted) {
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    shared_.files[upload.name] = upload.data;
  }
  Value end = Value::MapOf({{"session_id", upload.session_id}, {"transfer_id", transfer},
                           {"sha256", accepted ? Sha256Of(upload.data) : ""}, {"ok", accepted}});
  if (!accepted) end.Set("message", "refused by the test");
  Event("file.end", end);
  uploads_.erase(transfer);
}

void FakePeer::SendDownload(const std::string& session_id, const std::string& transfer_id, const std::string& name) {
  std::string content;
  {
    std::lock_guard<std::mutex> lock(shared_.state_mutex);
    auto found = shared_.files.find(name);
    if (found == shared_.files.end()) {
      Event("file.end", Value::MapOf({{"session_id", session_id}, {"transfer_id", transfer_id}, {"sha256", ""},
                                      {"ok", false}, {"message", "no such file"}}));
      return;
    }
    content = found->second;
  }
  std::string sha = name == "corrupt-me" ? std::string(64, '0') : Sha256Of(content);
  Event("file.begin", Value::MapOf({{"session_id", session_id}, {"transfer_id", transfer_id},
                                    {"direction", "download"}, {"name", "/home/fake/" + name}, {"size", content.size()},
                                    {"sha256", sha}}));
  TransferId id = *TransferIdFromHex(transfer_id);
  for (std::size_t at = 0; at < content.size(); at += kChunkDataBytes) {
    std::size_t n = std::min(kChunkDataBytes, content.size() - at);
    auto payload = ChunkPayload(id, std::span<const std::uint8_t>(
                                        reinterpret_cast<const std::uint8_t*>(content.data() + at), n));
    send_(protocol::EncodeDataFrame(session_id, 2, payload));
  }
}

void FakePeer::Event(const char* name, Value fields) { send_(protocol::Encode(protocol::MakeEvent(name, fields))); }

void FakePeer::Output(const std::string& session_id, const std::string& text) {
  if (session_id.empty()) return;
  send_(protocol::EncodeDataFrame(
      session_id, 1, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}

std::string FakePeer::NewSessionId() {
  std::lock_guard<std::mutex> lock(shared_.state_mutex);
  char id[32];
  std::snprintf(id, sizeof id, "s_%024x", shared_.next_session++);
  return id;
}

}  // namespace tether::tools::cli::testing
