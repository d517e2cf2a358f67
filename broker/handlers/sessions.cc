// Requests of a session's controller and of supervisors-to-be: session.create,
// session.end, session.leave, session.rejoin, session.list, session.resize, session.info,
// session.schedule, session.start, session.supervise, session.handover (PROTOCOL.md
// "Sessions", "In-session control").
#include <algorithm>

#include "broker.h"
#include "handlers/admin_request.h"
#include "handlers/device_view.h"
#include "handlers/fields.h"
#include "handlers/handlers.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"
#include "sessions/session_service.h"

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

policy::SessionFacts FactsOf(const Session& session) {
  policy::SessionFacts facts;
  facts.org_id = session.org_id;
  facts.attended = session.attended;
  facts.controller_id = session.controller.id;
  facts.controller_scope = ScopeOf(session.controller);
  facts.device_group = session.device_group;
  facts.device_department = session.device_department;
  return facts;
}

// A session id sent by a client is kept in an audit target up to this length (§2.2).
constexpr std::size_t kMaxAuditedSessionId = 128;

// The session named by the request, if the actor may know of it (else not_found).
protocol::Result<Session*> VisibleSession(Request& request) {
  auto id = protocol::RequireString(request.message.body, "session_id");
  if (!id.ok()) return id.status();
  Session* session = request.connection.broker().sessions().registry().Find(*id);
  const policy::Actor& actor = request.connection.identity().actor;
  if (session == nullptr || !policy::SessionInScope(actor, FactsOf(*session))) {
    return Status::NotFound("no session '" + *id + "'");
  }
  return session;
}

Value SessionToWire(SessionService& sessions, const Session& session) {
  Value participants = sessions.Participants(session);
  return Value::MapOf({{"session_id", session.id},
                       {"state", std::string(WireName(session.state))},
                       {"mode", session.attended ? "attended" : "unattended"},
                       {"controller", UserToWire(session.controller)},
                       {"device_id", session.device_id.empty() ? Value() : Value(session.device_id)},
                       {"started_at", static_cast<std::uint64_t>(session.started_at)},
                       {"participants", std::move(participants)},
                       {"recorded", session.recorded}});
}

}  // namespace

protocol::Result<Session*> VisibleSessionFor(Request& request) { return VisibleSession(request); }

// Creates the session once the organisation's `recording` preference is known.
void CreateAttendedSession(Connection& c, std::uint64_t re, bool recorded) {
  auto session = c.broker().sessions().CreateAttended(c, recorded);
  if (!session.ok()) {  // the per-user session cap
    storage::AuditEvent refused = c.NewAuditEvent("session.create", AuditOutcomeOf(session.status()));
    refused.details = Value::MapOf({{"reason", session.status().message()}});
    return ConfirmAfterAudit(c.ref(), re, std::move(refused),
                             [re, status = session.status()](Connection& done) { done.ReplyError(re, status); });
  }
  Session& s = **session;
  storage::AuditEvent event = c.NewAuditEvent("session.created", kOutcomeOk);
  event.session_id = s.id;
  event.details = Value::MapOf({{"mode", "attended"},
                                {"key_expires_at", static_cast<std::uint64_t>(s.key_expires_at)},
                                {"recorded", recorded}});
  Value reply = Value::MapOf(
      {{"session_id", s.id}, {"key", s.key}, {"expires_at", static_cast<std::uint64_t>(s.key_expires_at)}});
  ConfirmAfterAudit(c.ref(), re, std::move(event), [re, reply](Connection& done) { done.Reply(re, reply); });
}

void HandleSessionCreate(Request& request) {
  Connection& c = request.connection;
  Status allowed = policy::Authorize(c.identity().actor, policy::Action::kSessionCreate);
  auto mode = protocol::RequireString(request.message.body, "mode");
  if (allowed.ok() && !mode.ok()) allowed = mode.status();
  if (allowed.ok() && *mode != "attended") allowed = Status::BadRequest("field 'mode' must be \"attended\"");
  if (!allowed.ok()) {
    storage::AuditEvent refused = c.NewAuditEvent("session.create", AuditOutcomeOf(allowed));
    refused.details = Value::MapOf({{"reason", allowed.message()}});
    return ConfirmAfterAudit(c.ref(), request.id, std::move(refused),
                             [re = request.id, allowed](Connection& done) { done.ReplyError(re, allowed); });
  }
  std::int64_t org_id = c.identity().actor.org_id;
  c.broker().OnStorage<bool>([org_id](storage::Store& store) { return OrganisationRecords(store, org_id); },
                             [ref = c.ref(), re = request.id](bool recorded) {
                               if (Connection* c = ref.Get()) CreateAttendedSession(*c, re, recorded);
                             });
}

void HandleSessionEnd(Request& request) {
  Connection& c = request.connection;
  auto session = VisibleSession(request);
  if (!session.ok() && session.status().code() == protocol::ErrorCode::kNotFound) {
    // Trying to end a session one cannot see (another organisation's, out of scope, or
    // made up) is recorded like a refusal: it is what an attacker probing ids would do.
    storage::AuditEvent refused = c.NewAuditEvent("session.end", kOutcomeFailed);
    const std::string& id = request.message.body.Find("session_id")->as_string();
    refused.target = id.size() <= kMaxAuditedSessionId ? id : id.substr(0, kMaxAuditedSessionId);
    return ConfirmAfterAudit(c.ref(), request.id, std::move(refused),
                             [re = request.id, status = session.status()](Connection& done) { done.ReplyError(re, status); });
  }
  if (!session.ok()) return c.ReplyError(request.id, session.status());
  Session& s = **session;
  EndReason reason = EndReason::kControllerEnded;
  if (s.controller.id != c.identity().actor.user_id) {
    Status allowed = policy::Authorize(c.identity().actor, policy::Action::kSessionEndOthers);
    if (!allowed.ok()) {
      storage::AuditEvent refused = c.NewAuditEvent("session.end", kOutcomeDenied);
      refused.session_id = s.id;
      return ConfirmAfterAudit(c.ref(), request.id, std::move(refused),
                               [re = request.id, allowed](Connection& done) { done.ReplyError(re, allowed); });
    }
    reason = EndReason::kAdminEnded;
  }
  c.broker().sessions().End(s, reason, [ref = c.ref(), re = request.id] {
    if (Connection* done = ref.Get()) done->Reply(re);
  }, Value::MakeMap(), &c);
}

void HandleSessionLeave(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  if (!id.ok()) return c.ReplyError(request.id, id.status());
  SessionService& sessions = c.broker().sessions();
  Session* s = sessions.registry().Find(*id);
  bool viewer = s != nullptr && std::any_of(s->viewers.begin(), s->viewers.end(),
                                            [&](const Viewer& v) { return v.connection_id == c.id(); });
  if (viewer) {
    return sessions.RemoveViewer(*s, c.id(), "left", [ref = c.ref(), re = request.id] {
      if (Connection* done = ref.Get()) done->Reply(re);
    });
  }
  if (s == nullptr || (s->controller_conn != c.id() && s->agent_conn != c.id())) {
    return c.ReplyError(request.id, Status::NotFound("no session '" + *id + "' that you take part in"));
  }
  // The controller or the agent leaving ends the session; nobody is left to serve.
  EndReason reason = s->agent_conn == c.id() ? EndReason::kAgentLeft : EndReason::kControllerEnded;
  sessions.End(*s, reason, [ref = c.ref(), re = request.id] {
    if (Connection* done = ref.Get()) done->Reply(re);
  });
}

void HandleSessionRejoin(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  if (!id.ok()) return c.ReplyError(request.id, id.status());
  auto session = c.broker().sessions().Rejoin(c, *id);
  if (!session.ok()) return c.ReplyError(request.id, session.status());
  storage::AuditEvent event = c.NewAuditEvent("session.controller_rejoined", kOutcomeOk);
  event.session_id = (*session)->id;
  Value reply = Value::MapOf({{"session_id", (*session)->id}, {"state", std::string(WireName((*session)->state))}});
  ConfirmAfterAudit(c.ref(), request.id, std::move(event),
                    [re = request.id, reply](Connection& done) { done.Reply(re, reply); });
}

void HandleSessionList(Request& request) {
  Connection& c = request.connection;
  auto state = protocol::OptionalString(request.message.body, "state");
  if (!state.ok()) return c.ReplyError(request.id, state.status());
  Value list = Value::MakeArray();
  for (Session* s : c.broker().sessions().registry().All()) {
    if (!policy::SessionInScope(c.identity().actor, FactsOf(*s))) continue;
    if (*state && **state != WireName(s->state)) continue;
    list.Push(SessionToWire(c.broker().sessions(), *s));
  }
  c.Reply(request.id, Value::MapOf({{"sessions", std::move(list)}}));
}

void HandleSessionResize(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  auto cols = protocol::RequireUint(request.message.body, "cols");
  auto rows = protocol::RequireUint(request.message.body, "rows");
  for (const Status* s : {&id.status(), &cols.status(), &rows.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  if (*cols == 0 || *rows == 0 || *cols > 10000 || *rows > 10000) {
    return c.ReplyError(request.id, Status::BadRequest("cols and rows must be 1 to 10000"));
  }
  Session* s = c.broker().sessions().registry().Find(*id);
  if (s != nullptr && SessionService::IsViewer(*s, c.id())) {
    return c.broker().sessions().RefuseViewerInput(*s, c, request.id, "view participants cannot resize", "resize");
  }
  if (s == nullptr || s->controller_conn != c.id()) {
    return c.ReplyError(request.id, Status::NotFound("no session '" + *id + "' that you control"));
  }
  c.broker().sessions().RecordResize(*s, static_cast<std::uint32_t>(*cols), static_cast<std::uint32_t>(*rows));
  if (Connection* agent = c.broker().FindConnection(s->agent_conn)) {
    agent->SendEvent("session.resize", Value::MapOf({{"session_id", s->id}, {"cols", *cols}, {"rows", *rows}}));
  }
  c.Reply(request.id);
}

void HandleSessionInfo(Request& request) {
  Connection& c = request.connection;
  auto session = VisibleSession(request);
  if (!session.ok()) return c.ReplyError(request.id, session.status());
  Connection* agent = c.broker().FindConnection((*session)->agent_conn);
  if (agent == nullptr || agent->identity().agent_info.is_nil()) {
    return c.ReplyError(request.id, Status::NotFound("the agent has reported no information yet"));
  }
  Value reply = agent->identity().agent_info;
  c.Reply(request.id, std::move(reply));
}

// session.schedule {at, title, device_id?}: a session to start later (PROTOCOL.md).
void HandleSessionSchedule(Request& request) {
  Connection& c = request.connection;
  const Value& body = request.message.body;
  auto at = protocol::RequireUint(body, "at");
  auto title = protocol::RequireString(body, "title");
  auto device_id = protocol::OptionalString(body, "device_id");
  for (const Status* s : {&at.status(), &title.status(), &device_id.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  if (title->empty() || title->size() > 200) return c.ReplyError(request.id, Status::BadRequest("title must be 1 to 200 bytes"));
  Status allowed = policy::Authorize(c.identity().actor, policy::Action::kSessionCreate);
  if (allowed.ok() && *device_id) allowed = policy::Authorize(c.identity().actor, policy::Action::kSessionConnect);
  if (!allowed.ok()) return c.ReplyError(request.id, allowed);
  auto finish = [re = request.id, at = *at, title = *title](Connection& c, const storage::Device* device) {
    Status cap = c.broker().sessions().CheckSessionsPerUser(c.identity().user.id);
    if (!cap.ok()) return RefuseAudited(c, re, "session.schedule", device ? device->id : "", cap);
    Session& session = c.broker().sessions().Schedule(c, static_cast<std::int64_t>(at), title, device);
    storage::AuditEvent event = c.NewAuditEvent("session.scheduled", kOutcomeOk);
    event.session_id = session.id;
    event.details = Value::MapOf({{"at", at}, {"title", title}});
    ConfirmAfterAudit(c.ref(), re, std::move(event), [re, id = session.id](Connection& done) {
      done.Reply(re, Value::MapOf({{"session_id", id}}));
    });
  };
  if (!*device_id) return finish(c, nullptr);
  WithDeviceInScope(c, request.id, "session.schedule", **device_id,
                    [finish](Connection& conn, const DeviceView& view) { finish(conn, &view.device); });
}

// session.start {session_id} (extension): the controller opens a scheduled session at or
// after its time. Attended sessions answer with a key, like session.create.
void HandleSessionStart(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  if (!id.ok()) return c.ReplyError(request.id, id.status());
  Session* session = c.broker().sessions().registry().Find(*id);
  if (session == nullptr || session->controller.id != c.identity().actor.user_id) {
    return c.ReplyError(request.id, Status::NotFound("no scheduled session '" + *id + "' of yours"));
  }
  auto start = [re = request.id, id = *id](Connection& c, bool consent_required, bool recorded) {
    Session* session = c.broker().sessions().registry().Find(id);
    if (session == nullptr) return c.ReplyError(re, Status::NotFound("the session has gone"));
    Status started = c.broker().sessions().StartScheduled(*session, c, consent_required, recorded);
    if (!started.ok()) return c.ReplyError(re, started);
    Value reply = Value::MapOf({{"session_id", session->id}});
    if (session->attended) {
      reply.Set("key", session->key);
      reply.Set("expires_at", static_cast<std::uint64_t>(session->key_expires_at));
    }
    c.Reply(re, std::move(reply));
  };
  std::int64_t org_id = c.identity().actor.org_id;
  if (session->attended) {
    return c.broker().OnStorage<bool>([org_id](storage::Store& store) { return OrganisationRecords(store, org_id); },
                                      [ref = c.ref(), start](bool recorded) {
                                        if (Connection* c = ref.Get()) start(*c, true, recorded);
                                      });
  }
  // Unattended: whether the user must consent is the organisation's or the group's call.
  c.broker().OnStorage<DeviceView>(
      [org_id, device = session->device_id](storage::Store& store) { return LoadDevice(store, org_id, device); },
      [ref = c.ref(), start](DeviceView view) {
        if (Connection* c = ref.Get()) start(*c, view.confirmation_required, view.recorded);
      });
}

// session.supervise {session_id}: view mode, in scope, with session_supervision.
void HandleSessionSupervise(Request& request) {
  Connection& c = request.connection;
  auto session = VisibleSessionFor(request);
  Status allowed = policy::Authorize(c.identity().actor, policy::Action::kSessionSupervise);
  if (allowed.ok() && !session.ok()) allowed = session.status();
  if (!allowed.ok()) {
    storage::AuditEvent refused = c.NewAuditEvent("session.supervise", AuditOutcomeOf(allowed));
    refused.details = Value::MapOf({{"reason", allowed.message()}});
    return ConfirmAfterAudit(c.ref(), request.id, std::move(refused),
                             [re = request.id, allowed](Connection& done) { done.ReplyError(re, allowed); });
  }
  std::string session_id = (*session)->id;
  std::int64_t org_id = c.identity().actor.org_id;
  // Whether joining is announced is the organisation's choice (announce_supervisors).
  c.broker().OnStorage<bool>(
      [org_id](storage::Store& store) {
        auto org = store.GetOrganization(org_id);
        const Value* pref = org.ok() ? org->preferences.Find("announce_supervisors") : nullptr;
        return !(pref && pref->is_bool() && !pref->as_bool());
      },
      [ref = c.ref(), re = request.id, session_id](bool announce) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        SessionService& sessions = c->broker().sessions();
        Session* live = sessions.registry().Find(session_id);
        if (live == nullptr) return c->ReplyError(re, Status::NotFound("the session has ended"));
        Status checked = sessions.Supervise(*live, *c, announce, [ref, re](Session& joined) {
          if (Connection* done = ref.Get()) {
            done->Reply(re, Value::MapOf({{"session_id", joined.id},
                                          {"participants", done->broker().sessions().Participants(joined)}}));
          }
        });
        if (!checked.ok()) return c->ReplyError(re, checked);
      });
}

// session.handover {session_id, user_id, stay?}: the controller gives control to a view
// participant (who must hold what starting the session needed).
void HandleSessionHandover(Request& request) {
  Connection& c = request.connection;
  auto id = protocol::RequireString(request.message.body, "session_id");
  auto user_id = RequireNumericId(request.message.body, "user_id");
  auto stay = protocol::OptionalBool(request.message.body, "stay");
  for (const Status* s : {&id.status(), &user_id.status(), &stay.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, *s);
  }
  auto visible = VisibleSessionFor(request);  // not even its existence is confirmed otherwise
  if (!visible.ok() || (*visible)->state != SessionState::kActive) {
    return c.ReplyError(request.id, Status::NotFound("no active session '" + *id + "'"));
  }
  Status checked = c.broker().sessions().Handover(**visible, c, *user_id, stay->value_or(true),
                                                  [ref = c.ref(), re = request.id] {
                                                    if (Connection* done = ref.Get()) done->Reply(re);
                                                  });
  if (!checked.ok()) return c.ReplyError(request.id, checked);
}

}  // namespace tether::broker
