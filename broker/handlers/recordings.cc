// recording.get {session_id, offset?}: a session's asciicast recording, in chunks
// (PROTOCOL.md "Recordings"). Who may: `reports` with the session in scope, or
// `reports_own` for sessions one controlled (policy::AuthorizeRecordingView). Every
// request is audited (recording.view, allowed or refused) before it is answered. The file
// is read on the storage thread, never on the loop.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "broker.h"
#include "handlers/admin_request.h"
#include "handlers/lookups.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::uint64_t kChunkBytes = 256 * 1024;

struct Chunk {
  Status status;
  std::string data;
  std::uint64_t size = 0;
  bool complete = false;
};

// What policy needs of a stored session: its controller's scope, its device's group.
policy::SessionFacts FactsOf(storage::Store& store, const storage::SessionRecord& record) {
  policy::SessionFacts facts;
  facts.org_id = record.org_id;
  facts.attended = record.mode == "attended";
  facts.controller_id = record.controller_id;
  auto controller = store.GetUser(record.controller_id);
  if (controller.ok()) facts.controller_scope = ScopeOf(*controller);
  if (!record.device_id.empty()) {
    auto device = store.GetDevice(record.org_id, record.device_id);
    if (device.ok() && device->group_id != 0) {
      facts.device_group = device->group_id;
      auto group = store.GetGroup(record.org_id, device->group_id);
      if (group.ok()) facts.device_department = group->department;
    }
  }
  return facts;
}

// Up to kChunkBytes of the file from `offset`. While the recording is still being
// written the chunk ends at its last complete line (when it has one).
Chunk ReadChunk(const std::string& path, std::uint64_t offset, bool writing, const std::string& session_id) {
  Chunk chunk;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    bool missing = errno == ENOENT || errno == ENOTDIR;  // no file, or no recordings directory
    chunk.status = missing ? Status::NotFound("session '" + session_id +
                                                      "' has no recording (it never became active, or its file "
                                                      "could not be written)")
                                   : Status::Internal("cannot read the recording: " + std::string(std::strerror(errno)));
    return chunk;
  }
  struct stat info {};
  ::fstat(fd, &info);
  chunk.size = static_cast<std::uint64_t>(info.st_size);
  chunk.complete = !writing;
  if (offset > chunk.size) {
    ::close(fd);
    chunk.status = Status::BadRequest("offset " + std::to_string(offset) + " is past the end of the recording (" +
                                      std::to_string(chunk.size) + " bytes)");
    return chunk;
  }
  chunk.data.resize(std::min(kChunkBytes, chunk.size - offset));
  ssize_t n = ::pread(fd, chunk.data.data(), chunk.data.size(), static_cast<off_t>(offset));
  ::close(fd);
  chunk.data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (writing) {
    std::size_t last_line = chunk.data.rfind('\n');
    if (last_line != std::string::npos) chunk.data.resize(last_line + 1);
  }
  return chunk;
}

Chunk Load(storage::Store& store, const Recorder& recorder, const policy::Actor& actor, const std::string& session_id,
           std::uint64_t offset) {
  Chunk refused;
  auto record = store.GetSession(session_id);
  policy::SessionFacts facts;  // org 0: nobody's, when there is no such session
  if (record.ok()) facts = FactsOf(store, *record);
  refused.status = policy::AuthorizeRecordingView(actor, facts);
  if (refused.status.code() == protocol::ErrorCode::kNotFound) {
    refused.status = Status::NotFound("no session '" + session_id + "'");
  }
  if (!refused.status.ok()) return refused;
  if (!record->recorded) {
    refused.status = Status::NotFound("session '" + session_id + "' was not recorded");
    return refused;
  }
  bool writing = recorder.Writing(session_id);  // before the size is read: never "complete" too early
  return ReadChunk(recorder.PathOf(session_id), offset, writing, session_id);
}

}  // namespace

void HandleRecordingGet(Request& request) {
  Connection& c = request.connection;
  auto session_id = protocol::RequireString(request.message.body, "session_id");
  auto offset = protocol::OptionalUint(request.message.body, "offset");
  Status fields = !session_id.ok() ? session_id.status() : offset.status();
  std::string id = session_id.ok() ? *session_id : std::string();
  std::uint64_t from = offset.ok() ? offset->value_or(0) : 0;
  policy::Actor actor = c.identity().actor;
  Recorder& recorder = c.broker().recorder();
  c.broker().OnStorage<Chunk>(
      [fields, &recorder, actor, id, from](storage::Store& store) {
        if (fields.ok()) return Load(store, recorder, actor, id, from);
        Chunk refused;
        refused.status = fields;
        return refused;
      },
      [ref = c.ref(), re = request.id, id, from](Chunk chunk) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        storage::AuditEvent event = c->NewAuditEvent("recording.view", AuditOutcomeOf(chunk.status));
        event.session_id = id;
        event.target = id;
        event.details = Value::MapOf({{"offset", from}});
        if (chunk.status.ok()) event.details.Set("bytes", static_cast<std::uint64_t>(chunk.data.size()));
        if (!chunk.status.ok()) event.details.Set("reason", chunk.status.message());
        auto shared = std::make_shared<Chunk>(std::move(chunk));
        ConfirmAfterAudit(ref, re, std::move(event), [re, id, from, shared](Connection& done) {
          if (!shared->status.ok()) return done.ReplyError(re, shared->status);
          Value::Bytes data(shared->data.begin(), shared->data.end());
          done.Reply(re, Value::MapOf({{"session_id", id},
                                       {"offset", from},
                                       {"data", Value(std::move(data))},
                                       {"size", shared->size},
                                       {"complete", shared->complete}}));
        });
      });
}

}  // namespace tether::broker
