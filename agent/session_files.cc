// SessionFiles: file.begin / channel 2 / file.end for uploads and downloads.
#include "session_files.h"

#include <unistd.h>

#include <utility>

#include "system_info.h"
#include "tether/protocol/codec.h"

namespace tether::agent {

namespace {

constexpr std::uint64_t kFileChannel = 2;

// A download's SHA-256, computed on libuv's thread pool so that a large file does not
// stall the terminal. The job owns a duplicate descriptor: the transfer may be dropped
// while the hash runs.
struct HashJob {
  uv_work_t work;
  int fd = -1;
  std::uint64_t size = 0;
  Result<std::string> result = Status::Internal("not hashed");
  std::function<void(Result<std::string>)> done;
};

void StartHash(uv_loop_t* loop, int fd, std::uint64_t size, std::function<void(Result<std::string>)> done) {
  auto* job = new HashJob;
  job->fd = ::dup(fd);
  job->size = size;
  job->done = std::move(done);
  job->work.data = job;
  auto work = [](uv_work_t* w) {
    auto* j = static_cast<HashJob*>(w->data);
    j->result = j->fd < 0 ? Result<std::string>(Status::Internal("cannot duplicate the descriptor"))
                          : HashFile(j->fd, j->size);
  };
  auto after = [](uv_work_t* w, int status) {
    std::unique_ptr<HashJob> j(static_cast<HashJob*>(w->data));
    if (j->fd >= 0) ::close(j->fd);
    if (status != 0) j->result = Status::Internal("hashing was cancelled");
    j->done(std::move(j->result));
  };
  if (uv_queue_work(loop, &job->work, work, after) != 0) {
    std::unique_ptr<HashJob> j(job);
    if (j->fd >= 0) ::close(j->fd);
    j->done(Status::Internal("cannot queue the hash"));
  }
}

}  // namespace

SessionFiles::SessionFiles(uv_loop_t* loop, SessionIo& io, std::string session_id, FileOptions options,
                           std::function<void()> wake, LogFn log)
    : loop_(loop), io_(io), session_id_(std::move(session_id)), options_(std::move(options)),
      wake_(std::move(wake)), log_(std::move(log)) {
  if (options_.home.empty()) options_.home = CurrentLogin().home;
}

SessionFiles::~SessionFiles() { *alive_ = false; }

void SessionFiles::OnFileBegin(const Value& event) {
  auto id_hex = protocol::RequireString(event, "transfer_id");
  auto direction = protocol::RequireString(event, "direction");
  if (!id_hex.ok() || !direction.ok()) {
    log_("file.begin ignored: " + (id_hex.ok() ? direction.status() : id_hex.status()).message());
    return;
  }
  auto id = ParseTransferId(*id_hex);
  if (!id.ok()) {
    log_("file.begin ignored: " + id.status().message());
    return;
  }
  if (uploads_.count(*id) != 0 || downloads_.count(*id) != 0) {
    log_("file.begin ignored: transfer " + *id_hex + " is already in progress");
  } else if (active() >= options_.max_transfers) {
    SendEnd(*id, "", false, "too many transfers at once");
  } else if (*direction == "upload") {
    BeginUpload(*id, event);
  } else if (*direction == "download") {
    BeginDownload(*id, event);
  } else {
    SendEnd(*id, "", false, "unknown direction '" + *direction + "'");
  }
}

void SessionFiles::BeginUpload(const TransferId& id, const Value& event) {
  auto name = protocol::RequireString(event, "name");
  auto size = protocol::RequireUint(event, "size");
  auto sha256 = protocol::OptionalString(event, "sha256");  // ext: lets the agent verify
  Status bad = !name.ok() ? name.status() : !size.ok() ? size.status() : sha256.status();
  if (!bad.ok()) return SendEnd(id, "", false, bad.message());
  if (*size > options_.max_bytes) {
    return SendEnd(id, "", false, "over the limit of " + std::to_string(options_.max_bytes) + " bytes", *name);
  }
  auto path = ResolveTransferPath(*name, options_.home);
  if (!path.ok()) return SendEnd(id, "", false, path.status().message(), *name);
  auto receiver = FileReceiver::Create(*path, *size, sha256->value_or(""));
  if (!receiver.ok()) return SendEnd(id, "", false, receiver.status().message(), *name);
  log_("receiving " + path->string() + " (" + std::to_string(*size) + " bytes)");
  uploads_[id] = Upload{path->string(), std::move(*receiver)};
  if (*size == 0) FinishUpload(id);
}

void SessionFiles::OnChunk(std::span<const std::uint8_t> payload) {
  std::optional<protocol::ChunkView> chunk = protocol::ParseChunk(payload);
  if (!chunk) return;  // not a chunk of any transfer
  auto upload = uploads_.find(chunk->id);
  if (upload == uploads_.end()) return;  // late chunks of a transfer already failed
  Status appended = upload->second.receiver->Append(chunk->data);
  if (!appended.ok()) {
    std::string name = upload->second.name;
    uploads_.erase(upload);  // the temporary file goes with it
    return SendEnd(chunk->id, "", false, appended.message(), name);
  }
  if (upload->second.receiver->complete()) FinishUpload(chunk->id);
}

void SessionFiles::FinishUpload(const TransferId& id) {
  auto upload = uploads_.find(id);
  FileReceiver::Outcome outcome = upload->second.receiver->Finish();
  std::string name = upload->second.name;
  uploads_.erase(upload);
  if (outcome.ok) log_("received " + name);
  SendEnd(id, outcome.sha256, outcome.ok, outcome.message, name);
}

void SessionFiles::BeginDownload(const TransferId& id, const Value& event) {
  auto name = protocol::RequireString(event, "name");
  if (!name.ok()) return SendEnd(id, "", false, name.status().message());
  auto path = ResolveTransferPath(*name, options_.home);
  if (!path.ok()) return SendEnd(id, "", false, path.status().message(), *name);
  auto source = FileSource::Open(*path, options_.max_bytes);
  if (!source.ok()) return SendEnd(id, "", false, source.status().message(), *name);
  log_("sending " + path->string() + " (" + std::to_string((*source)->size()) + " bytes)");
  Download& download = downloads_[id];
  download.name = path->string();
  download.source = std::move(*source);
  StartHash(loop_, download.source->fd(), download.source->size(),
            [this, alive = alive_, id](Result<std::string> sha256) {
              if (*alive) AnnounceDownload(id, std::move(sha256));
            });
}

void SessionFiles::AnnounceDownload(const TransferId& id, Result<std::string> sha256) {
  auto download = downloads_.find(id);
  if (download == downloads_.end()) return;  // the controller gave up meanwhile
  if (!sha256.ok()) {
    std::string name = download->second.name;
    downloads_.erase(download);
    return SendEnd(id, "", false, sha256.status().message(), name);
  }
  Value begin = Value::MapOf({{"t", "file.begin"},
                              {"session_id", session_id_},
                              {"transfer_id", ToHex(id)},
                              {"direction", "download"},
                              {"name", download->second.name},
                              {"size", download->second.source->size()},
                              {"sha256", *sha256}});
  // Chunks wait for the broker's ok: it forwards file.begin only after auditing it, and
  // the controller must see it before the first chunk.
  io_.Request(std::move(begin), [this, alive = alive_, id](protocol::Result<Value> reply) {
    if (!*alive) return;
    auto download = downloads_.find(id);
    if (download == downloads_.end()) return;
    if (!reply.ok()) {
      log_("download of " + download->second.name + " refused: " + reply.status().ToString());
      downloads_.erase(download);
      return;
    }
    download->second.sending = true;
    if (wake_) wake_();
  });
}

bool SessionFiles::Pump(std::size_t budget) {
  bool more = false;
  for (auto it = downloads_.begin(); it != downloads_.end();) {
    Download& d = it->second;
    Status failed;
    std::vector<std::uint8_t> payload;
    while (d.sending && d.source && !d.source->done() && io_.queued_bytes() < budget && failed.ok()) {
      payload.assign(it->first.begin(), it->first.end());
      failed = d.source->ReadNext(kMaxChunkData, payload);
      if (failed.ok()) failed = io_.SendFrame(session_id_, kFileChannel, payload);
    }
    if (!failed.ok()) {
      TransferId id = it->first;
      std::string name = d.name;
      it = downloads_.erase(it);
      SendEnd(id, "", false, failed.message(), name);
      continue;
    }
    if (d.source && d.source->done()) {
      d.source.reset();  // all sent; the entry waits for the controller's file.end
    } else if (d.sending && d.source) {
      more = true;
    }
    ++it;
  }
  return more;
}

void SessionFiles::OnFileEnd(const Value& event) {
  auto id_hex = protocol::RequireString(event, "transfer_id");
  auto id = id_hex.ok() ? ParseTransferId(*id_hex) : Result<TransferId>(id_hex.status());
  if (!id.ok()) return;
  auto ok = protocol::OptionalBool(event, "ok");
  bool succeeded = ok.ok() && ok->value_or(false);
  if (auto download = downloads_.find(*id); download != downloads_.end()) {
    log_(download->second.name + (succeeded ? ": the controller received it" : ": the controller reports a failure"));
    downloads_.erase(download);
  } else if (auto upload = uploads_.find(*id); upload != uploads_.end()) {
    log_("upload of " + upload->second.name + " cancelled by the controller");
    uploads_.erase(upload);  // the temporary file goes with it
  }
}

void SessionFiles::SendEnd(const TransferId& id, const std::string& sha256, bool ok, const std::string& message,
                           const std::string& name) {
  if (!ok) log_("file transfer " + (name.empty() ? ToHex(id) : name) + " failed: " + message);
  Value end = Value::MapOf({{"t", "file.end"},
                            {"session_id", session_id_},
                            {"transfer_id", ToHex(id)},
                            {"sha256", sha256},
                            {"ok", ok}});
  if (!message.empty()) end.Set("message", message);  // ext: why, for the controller's user
  io_.Request(std::move(end), [log = log_, alive = alive_](protocol::Result<Value> reply) {
    if (*alive && !reply.ok()) log("file.end refused: " + reply.status().ToString());
  });
}

}  // namespace tether::agent
