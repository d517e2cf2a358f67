// What agents send (session.consent, session.exit, agent.info) and the file-transfer
// control messages either side sends (file.begin, file.end): audited, then forwarded to
// the other side (PROTOCOL.md "In-session control").
#include <algorithm>
#include <chrono>

#include "broker.h"
#include "handlers/handlers.h"
#include "sessions/session_service.h"

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

bool IsHex(const std::string& text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
         });
}

struct Sides {
  Session* session = nullptr;
  Connection* other = nullptr;
};

// The active session the sender controls (from any of the controller's connections) or
// serves, and the connection on the other side: for the agent, the connection that
// started the transfer when one did, else the controller's.
protocol::Result<Sides> ActiveSides(Connection& sender, const std::string& session_id, const std::string& transfer_id) {
  Session* session = sender.broker().sessions().registry().Find(session_id);
  if (session != nullptr && session->state == SessionState::kActive) {
    if (SessionService::IsViewer(*session, sender.id())) {
      return Status(ErrorCode::kViewOnly, "view participants cannot transfer files");
    }
    if (sender.id() == session->agent_conn) {
      auto transfer = session->transfers.find(transfer_id);
      std::uint64_t to = transfer != session->transfers.end() && transfer->second.requester_conn != 0
                             ? transfer->second.requester_conn
                             : session->controller_conn;
      return Sides{session, sender.broker().FindConnection(to)};
    }
    bool controller = !sender.identity().is_agent() && session->ControlledBy(sender.identity().actor.user_id);
    if (controller) return Sides{session, sender.broker().FindConnection(session->agent_conn)};
  }
  return Status::NotFound("no active session '" + session_id + "' that you take part in");
}

// A view participant's transfer is refused and audited; any other refusal is only answered.
void RefuseTransfer(Connection& c, std::uint64_t re, const std::string& session_id, const Status& refusal) {
  Session* session = c.broker().sessions().registry().Find(session_id);
  if (refusal.code() == ErrorCode::kViewOnly && session != nullptr) {
    return c.broker().sessions().RefuseViewerInput(*session, c, re, refusal.message(), "file");
  }
  c.ReplyError(re, refusal);
}

// Optional fields a side adds for the other (the sender's sha256, a failure's message)
// travel with the forwarded event. Each must be a string when present.
Status CheckOptionalStrings(const Value& body, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto field = protocol::OptionalString(body, key); !field.ok()) return field.status();
  }
  return Status::Ok();
}

void CopyOptional(const Value& from, Value& to, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const Value* v = from.Find(key); v != nullptr && v->is_string()) to.Set(key, *v);
  }
}

}  // namespace

void HandleSessionConsent(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  auto accept = protocol::RequireBool(request.message.body, "accept");
  for (const Status* s : {&id.status(), &accept.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  Status done = c.broker().sessions().Consent(c, *id, *accept);
  if (!done.ok()) return c.ReplyError(request.id, done);
  c.Reply(request.id);
}

void HandleSessionExit(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  const Value* status = request.message.body.Find("status");
  if (!id.ok()) return c.ReplyError(request.id, id.status());
  if (status == nullptr || !status->is_int()) {
    return c.ReplyError(request.id, Status::BadRequest("field 'status' must be an integer"));
  }
  Session* s = c.broker().sessions().registry().Find(*id);
  if (s == nullptr || s->agent_conn != c.id()) return c.ReplyError(request.id, Status::NotFound("no such session"));
  c.broker().sessions().End(*s, EndReason::kAgentLeft, [ref = c.ref(), re = request.id] {
    if (Connection* done = ref.Get()) done->Reply(re);
  }, Value::MapOf({{"exit_status", *status}}));
}

void HandleAgentInfo(Request& request) {
  Connection& c = request.connection;
  const Value& body = request.message.body;
  auto hostname = protocol::OptionalString(body, "hostname");
  auto os = protocol::OptionalString(body, "os");
  auto uptime = protocol::OptionalUint(body, "uptime_s");
  for (const Status* s : {&hostname.status(), &os.status(), &uptime.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  c.SetAgentInfo(Value::MapOf({{"hostname", hostname->value_or("")},
                               {"os", os->value_or("")},
                               {"uptime_s", uptime->value_or(0)},
                               {"reported_at", static_cast<std::uint64_t>(c.broker().clock().NowMs())}}));
  c.Reply(request.id);
}

void HandleFileBegin(Request& request) {
  Connection& c = request.connection;
  const Value& body = request.message.body;
  auto id = protocol::RequireString(body, "session_id");
  auto transfer = protocol::RequireString(body, "transfer_id");
  auto direction = protocol::RequireString(body, "direction");
  auto name = protocol::RequireString(body, "name");
  auto size = protocol::RequireUint(body, "size");
  const Status optional = CheckOptionalStrings(body, {"sha256"});
  for (const Status* s : {&id.status(), &transfer.status(), &direction.status(), &name.status(), &size.status(), &optional}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  if (!IsHex(*transfer, 32)) return c.ReplyError(request.id, Status::BadRequest("transfer_id must be 32 lowercase hex digits"));
  if (*direction != "upload" && *direction != "download") {
    return c.ReplyError(request.id, Status::BadRequest("direction must be \"upload\" or \"download\""));
  }
  if (name->empty() || name->size() > 4096) return c.ReplyError(request.id, Status::BadRequest("name must be 1 to 4096 bytes"));
  auto sides = ActiveSides(c, *id, *transfer);
  if (!sides.ok()) return RefuseTransfer(c, request.id, *id, sides.status());
  Session::Transfer& record = sides->session->transfers[*transfer];
  if (!c.identity().is_agent()) record.requester_conn = c.id();  // the agent's answer goes back here
  record.name = *name;
  record.direction = *direction;
  record.size = *size;
  storage::AuditEvent event = c.NewAuditEvent("file.begin", kOutcomeOk);
  event.session_id = *id;
  event.target = *name;
  event.details = Value::MapOf({{"transfer_id", *transfer}, {"direction", *direction}, {"size", *size}});
  Value forwarded = Value::MapOf({{"session_id", *id}, {"transfer_id", *transfer}, {"direction", *direction},
                                  {"name", *name}, {"size", *size}});
  CopyOptional(body, forwarded, {"sha256"});
  std::uint64_t other = sides->other ? sides->other->id() : 0;
  ConfirmAfterAudit(c.ref(), request.id, std::move(event), [re = request.id, forwarded, other](Connection& done) {
    done.Reply(re);
    if (Connection* to = done.broker().FindConnection(other)) to->SendEvent("file.begin", forwarded);
  });
}

void HandleFileEnd(Request& request) {
  Connection& c = request.connection;
  const Value& body = request.message.body;
  auto id = protocol::RequireString(body, "session_id");
  auto transfer = protocol::RequireString(body, "transfer_id");
  auto sha256 = protocol::RequireString(body, "sha256");
  auto ok = protocol::RequireBool(body, "ok");
  const Status optional = CheckOptionalStrings(body, {"message"});
  for (const Status* s : {&id.status(), &transfer.status(), &sha256.status(), &ok.status(), &optional}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  if (!IsHex(*sha256, 64) && !(sha256->empty() && !*ok)) {
    return c.ReplyError(request.id, Status::BadRequest("sha256 must be 64 lowercase hex digits"));
  }
  auto sides = ActiveSides(c, *id, *transfer);
  if (!sides.ok()) return RefuseTransfer(c, request.id, *id, sides.status());
  auto known = sides->session->transfers.find(*transfer);
  if (known == sides->session->transfers.end()) {
    return c.ReplyError(request.id, Status::NotFound("no transfer '" + *transfer + "' in this session"));
  }
  storage::AuditEvent event = c.NewAuditEvent("file.end", *ok ? kOutcomeOk : kOutcomeFailed);
  event.session_id = *id;
  event.target = known->second.name;
  event.details = Value::MapOf({{"transfer_id", *transfer}, {"direction", known->second.direction},
                                {"name", known->second.name}, {"size", known->second.size},
                                {"sha256", *sha256}, {"ok", *ok}});
  sides->session->transfers.erase(known);
  Value forwarded = Value::MapOf({{"session_id", *id}, {"transfer_id", *transfer}, {"sha256", *sha256}, {"ok", *ok}});
  CopyOptional(body, forwarded, {"message"});
  std::uint64_t other = sides->other ? sides->other->id() : 0;
  ConfirmAfterAudit(c.ref(), request.id, std::move(event), [re = request.id, forwarded, other](Connection& done) {
    done.Reply(re);
    if (Connection* to = done.broker().FindConnection(other)) to->SendEvent("file.end", forwarded);
  });
}

}  // namespace tether::broker
