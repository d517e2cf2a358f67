// audit.export (protocol/PROTOCOL.md §6.11; privilege audit_export, never a support
// user): the organisation's chain, oldest first, streamed as audit.export.page events
// and then one ok with the count.
//
// Memory stays bounded whatever the chain's length: the storage thread reads one page
// (at most kPageEvents events, about kPageBytes encoded) and encodes it; the loop only
// queues the bytes; the next page is read once the client has drained the connection
// below half the frame budget (the relay's resume mark). A client that stops reading
// stops the export, and keep-alive drops it in the end.
#include <memory>

#include "broker.h"
#include "handlers/admin_request.h"
#include "handlers/audit_wire.h"
#include "handlers/wire.h"
#include "sessions/session_service.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::size_t kPageEvents = 500;
constexpr std::size_t kPageBytes = 256 * 1024;

// The export of one request: what is left to read.
struct ExportStream {
  ConnectionRef ref;
  std::uint64_t re = 0;
  storage::AuditQuery query;  // oldest first; after_seq moves forward page by page
  std::uint64_t sent = 0;
};

// One page read on the storage thread: the encoded event message, or done.
struct Page {
  Status status;
  std::vector<std::uint8_t> message;  // empty when there was nothing left
  std::uint64_t events = 0;
  std::uint64_t last_seq = 0;
  bool last = false;  // fewer than asked for: nothing follows
};

Value ExportedEvent(const storage::AuditEvent& e) {
  Value wire = AuditEventToWire(e);
  wire.Set("chain", e.chain);
  wire.Set("prev_hash", e.prev_hash);
  wire.Set("hash", e.hash);
  return wire;
}

Page ReadPage(storage::Store& store, const storage::AuditQuery& query, std::uint64_t re) {
  Page page;
  auto events = store.QueryAudit(query);
  if (!events.ok()) {
    page.status = events.status();
    return page;
  }
  page.last = events->size() < query.limit;
  Value list = Value::MakeArray();
  std::size_t bytes = 0;
  for (const storage::AuditEvent& e : *events) {
    if (bytes >= kPageBytes) {  // the rest comes with the next page
      page.last = false;
      break;
    }
    Value wire = ExportedEvent(e);
    bytes += protocol::Encode(wire).size();  // encoded twice, but on the storage thread
    list.Push(std::move(wire));
    page.last_seq = e.seq;
    ++page.events;
  }
  if (page.events > 0) {
    page.message = protocol::Encode(
        protocol::MakeEvent("audit.export.page", Value::MapOf({{"re", re}, {"events", std::move(list)}})));
  }
  return page;
}

void Finish(Connection& connection, const ExportStream& stream, const Status& status) {
  connection.EndStream();
  if (!status.ok()) {
    return connection.ReplyError(stream.re, Status::Internal("reading the audit log failed: " + status.message()));
  }
  connection.Reply(stream.re, Value::MapOf({{"count", stream.sent}}));
}

void SendNextPage(std::shared_ptr<ExportStream> stream) {
  Broker& broker = *stream->ref.broker;
  storage::AuditQuery query = stream->query;
  std::uint64_t re = stream->re;
  broker.OnStorage<Page>([query, re](storage::Store& store) { return ReadPage(store, query, re); },
                         [stream](Page page) {
                           Connection* c = stream->ref.Get();
                           if (c == nullptr) return;  // the client left: the export ends with it
                           if (!page.status.ok()) return Finish(*c, *stream, page.status);
                           if (page.events > 0) {
                             c->SendEncoded(std::move(page.message));
                             stream->sent += page.events;
                             stream->query.after_seq = page.last_seq;
                           }
                           if (page.last) return Finish(*c, *stream, Status::Ok());
                           std::size_t resume_mark = c->broker().sessions().relay().budget() / 2;
                           c->ResumeWhenBelow(resume_mark, [stream] { SendNextPage(stream); });
                         });
}

// On the storage thread: the newest seq now — the export covers the events committed
// before it was asked, and so never its own audit event.
struct Start {
  Status status;
  std::uint64_t upto_seq = 0;
};

Start FindNewestSeq(storage::Store& store, std::int64_t chain) {
  Start start;
  storage::AuditQuery newest;
  newest.chain = chain;
  newest.limit = 1;
  auto events = store.QueryAudit(newest);
  if (!events.ok()) {
    start.status = events.status();
  } else if (!events->empty()) {
    start.upto_seq = events->front().seq;
  }
  return start;
}

// The audit event of the request, allowed or refused; the request (its filters) in details.
storage::AuditEvent ExportAuditEvent(const Connection& connection, const Value& body, const Status& status,
                                     std::uint64_t upto_seq) {
  storage::AuditEvent event = connection.NewAuditEvent("audit.export", AuditOutcomeOf(status));
  event.details = Value::MapOf({{"request", body}});
  if (status.ok()) {
    event.details.Set("upto_seq", upto_seq);
  } else {
    event.details.Set("reason", status.message());
  }
  return event;
}

void Refuse(Request& request, const Status& status) {
  ConfirmAfterAudit(request.connection.ref(), request.id,
                    ExportAuditEvent(request.connection, request.message.body, status, 0),
                    [re = request.id, status](Connection& c) { c.ReplyError(re, status); });
}

}  // namespace

void HandleAuditExport(Request& request) {
  Connection& connection = request.connection;
  // Policy first, on the loop (it is pure): a support user is refused whatever it sent.
  const policy::Actor& actor = connection.identity().actor;
  if (Status allowed = policy::Authorize(actor, policy::Action::kAuditExport); !allowed.ok()) {
    return Refuse(request, allowed);
  }
  auto query = ParseAuditFilters(request.message.body, actor.org_id);
  if (!query.ok()) return Refuse(request, query.status());
  if (!connection.BeginStream()) {
    return Refuse(request,
                  Status(protocol::ErrorCode::kLimitReached, "an export is already running on this connection"));
  }
  query->oldest_first = true;
  query->limit = kPageEvents;
  auto stream = std::make_shared<ExportStream>(ExportStream{connection.ref(), request.id, *query, 0});
  Value body = request.message.body;
  connection.broker().OnStorage<Start>(
      [chain = actor.org_id](storage::Store& store) { return FindNewestSeq(store, chain); },
      [stream, body](Start start) {
        Connection* c = stream->ref.Get();
        if (c == nullptr) return;
        stream->query.before_seq = start.upto_seq + 1;
        storage::AuditEvent event = ExportAuditEvent(*c, body, start.status, start.upto_seq);
        // As ConfirmAfterAudit, but a stream that never starts must also end.
        c->broker().audit().Record(std::move(event), [stream, start](Status recorded) {
          Connection* done = stream->ref.Get();
          if (done == nullptr) return;
          Status answer = recorded.ok() ? start.status : Status::Internal("the audit log could not be written");
          if (!answer.ok()) {
            done->EndStream();
            return done->ReplyError(stream->re, answer);
          }
          SendNextPage(stream);
        });
      });
}

}  // namespace tether::broker
