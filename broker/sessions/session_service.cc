// The session state machine: creation, joining, consent, activation, the end, and the
// deadlines (PROTOCOL.md "Sessions").
#include "sessions/session_service.h"

#include <openssl/rand.h>

#include <algorithm>

#include "auth/secrets.h"
#include "broker.h"
#include "connection.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "handlers/wire.h"
#include "policy/policy.h"

namespace tether::broker {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

namespace {

// A uniformly random 9-digit key: rejection sampling keeps every key equally likely.
std::string NewKey() {
  for (;;) {
    std::uint32_t n = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&n), sizeof n) != 1) continue;
    if (n >= 4'000'000'000u) continue;  // the largest multiple of 10^9 below 2^32
    char key[10];
    std::snprintf(key, sizeof key, "%09u", n % 1'000'000'000u);
    return key;
  }
}

std::string NewSessionId() {
  auto hex = auth::RandomHex(12);
  return "s_" + (hex.ok() ? *hex : std::string(24, '0'));
}

}  // namespace

SessionService::SessionService(Broker& broker, SessionTimeouts timeouts, std::size_t frame_budget_bytes,
                               SupervisionLimits supervision)
    : broker_(broker), timeouts_(timeouts), supervision_(supervision), relay_(broker, frame_budget_bytes) {}

storage::AuditEvent SessionService::Event(const Session& session, std::string action, std::string outcome) {
  storage::AuditEvent event;
  event.chain = session.org_id;
  event.time = broker_.clock().NowMs();
  event.action = std::move(action);
  event.outcome = std::move(outcome);
  event.session_id = session.id;
  event.actor_kind = "user";
  event.actor_id = std::to_string(session.controller.id);
  event.target = session.attended ? session.agent_name : session.device_id;
  return event;
}

void SessionService::Store(const Session& session) {
  storage::SessionRecord record = session.ToRecord();
  broker_.OnStorage<Status>([record](storage::Store& store) { return store.SaveSession(record); },
                            [](Status) {});
}

void SessionService::StoreParticipant(const Session& session, std::int64_t user_id, ParticipantMode mode) {
  std::string id = session.id;
  std::string wire_mode(WireName(mode));
  std::int64_t now = broker_.clock().NowMs();
  broker_.OnStorage<Status>(
      [id, user_id, wire_mode, now](storage::Store& store) {
        return store.AddSessionParticipant(id, user_id, wire_mode, now);
      },
      [](Status) {});
}

void SessionService::Broadcast(const Session& session, std::string_view event, const Value& fields) {
  std::vector<std::uint64_t> targets = {session.controller_conn, session.agent_conn};
  for (const Viewer& viewer : session.viewers) targets.push_back(viewer.connection_id);
  for (std::uint64_t id : targets) {
    if (Connection* c = id ? broker_.FindConnection(id) : nullptr) c->SendEvent(event, fields);
  }
}

void SessionService::SetState(Session& session, SessionState state, const char* action, Value details) {
  session.state = state;
  Store(session);
  storage::AuditEvent event = Event(session, action, kOutcomeOk);
  event.details = std::move(details);
  // Announce the state this transition made, even if a later one happened meanwhile: each
  // participant sees every state, in order.
  std::string id = session.id;
  Value announced = Value::MapOf(
      {{"session_id", session.id}, {"state", std::string(WireName(state))}, {"recorded", session.recorded}});
  broker_.audit().Record(std::move(event), [this, id, announced](Status) {
    if (Session* live = registry_.Find(id)) Broadcast(*live, "session.state", announced);
  });
}

protocol::Status SessionService::CheckSessionsPerUser(std::int64_t user_id) {
  std::size_t cap = broker_.config().max_sessions_per_user;
  std::vector<Session*> all = registry_.All();
  std::size_t held = std::count_if(all.begin(), all.end(), [user_id](const Session* s) { return s->controller.id == user_id; });
  if (held < cap) return Status::Ok();
  return Status(ErrorCode::kLimitReached,
                "you already have " + std::to_string(held) + " open sessions, the most one user may have");
}

protocol::Result<Session*> SessionService::CreateAttended(Connection& controller, bool recorded) {
  if (Status cap = CheckSessionsPerUser(controller.identity().user.id); !cap.ok()) return cap;
  auto session = std::make_unique<Session>();
  session->id = NewSessionId();
  session->recorded = recorded;
  session->org_id = controller.identity().actor.org_id;
  session->attended = true;
  session->state = SessionState::kWaiting;
  session->controller = controller.identity().user;
  session->controller_conn = controller.id();
  session->created_at = broker_.clock().NowMs();
  session->key_expires_at = session->created_at + timeouts_.key_life_ms;
  do {
    session->key = NewKey();
  } while (registry_.FindByKey(session->key) != nullptr);
  Session& added = registry_.Add(std::move(session));
  registry_.IndexKey(added);
  registry_.Attach(added, controller.id());
  Store(added);
  return &added;
}

Session& SessionService::Schedule(Connection& controller, std::int64_t at, std::string title,
                                 const storage::Device* device) {
  auto session = std::make_unique<Session>();
  session->id = NewSessionId();
  session->org_id = controller.identity().actor.org_id;
  session->attended = device == nullptr;
  session->state = SessionState::kScheduled;
  session->controller = controller.identity().user;
  session->title = std::move(title);
  session->scheduled_at = at;
  session->created_at = broker_.clock().NowMs();
  if (device != nullptr) {
    session->device_id = device->id;
    session->device_group = device->group_id;
    session->agent_name = device->name;
  }
  Session& added = registry_.Add(std::move(session));
  Store(added);
  return added;
}

protocol::Status SessionService::StartScheduled(Session& session, Connection& controller, bool consent_required,
                                                bool recorded) {
  std::int64_t now = broker_.clock().NowMs();
  if (session.state != SessionState::kScheduled) return Status::Conflict("the session is not scheduled");
  if (now < session.scheduled_at) {
    return Status::Conflict("the session is scheduled for " + std::to_string(session.scheduled_at) + " (ms)");
  }
  session.recorded = recorded;  // the preference when it starts, not when it was planned
  session.controller_conn = controller.id();
  registry_.Attach(session, controller.id());
  if (session.attended) {
    session.key_expires_at = now + timeouts_.key_life_ms;
    do {
      session.key = NewKey();
    } while (registry_.FindByKey(session.key) != nullptr);
    registry_.IndexKey(session);
    SetState(session, SessionState::kWaiting, "session.started", Value::MakeMap());
    return Status::Ok();
  }
  Connection* agent = broker_.DeviceConnection(session.device_id);
  if (agent == nullptr) return Status(ErrorCode::kDeviceOffline, "the device is offline");
  if (registry_.FindByDevice(session.device_id) != nullptr) {
    return Status(ErrorCode::kDeviceBusy, "the device already has a controlled session");
  }
  session.agent_conn = agent->id();
  registry_.Attach(session, agent->id());
  registry_.IndexDevice(session);
  session.consent_required = consent_required;
  session.state = SessionState::kConsent;
  AskConsent(session);
  return Status::Ok();
}

namespace {

// `session.ended` of a session a crash left open, written by the broker itself at start-up.
storage::AuditEvent BrokerRestartEvent(const storage::SessionRecord& record) {
  storage::AuditEvent event;
  event.chain = record.org_id;
  event.time = record.ended_at;
  event.action = "session.ended";
  event.outcome = kOutcomeOk;
  event.session_id = record.id;
  event.actor_kind = "system";
  event.actor_id = "tether-broker";
  event.details = Value::MapOf({{"reason", "broker_restart"}});
  return event;
}

}  // namespace

void SessionService::RecoverAfterRestart() {
  struct Found {
    std::vector<storage::SessionRecord> ended;
    struct Scheduled {
      storage::SessionRecord record;
      storage::User controller;
      std::int64_t device_group = 0;
    };
    std::vector<Scheduled> scheduled;
  };
  std::int64_t now = broker_.clock().NowMs();
  broker_.OnStorage<Found>(
      [now](storage::Store& store) {
        Found found;
        // Each session a crash left open ends together with its audit event: both or neither.
        Status recovered = store.Atomically([&]() -> Status {
          auto ended = store.EndOpenSessions("broker_restart", now);
          if (!ended.ok()) return ended.status();
          std::vector<storage::AuditEvent> events;
          for (const storage::SessionRecord& record : *ended) events.push_back(BrokerRestartEvent(record));
          if (Status s = store.AppendAudit(events); !s.ok()) return s;
          found.ended = *ended;
          return Status::Ok();
        });
        if (!recovered.ok()) Log(LogLevel::kError, "recovery_failed", {{"error", recovered.ToString()}});
        auto scheduled = store.ListScheduledSessions();
        for (const storage::SessionRecord& record : scheduled.ok() ? *scheduled : std::vector<storage::SessionRecord>{}) {
          auto controller = store.GetUser(record.controller_id);
          if (!controller.ok()) continue;  // its controller is gone: nobody can start it
          auto device = record.device_id.empty() ? protocol::Result<storage::Device>(Status::NotFound(""))
                                                 : store.FindDevice(record.device_id);
          found.scheduled.push_back({record, *controller, device.ok() ? device->group_id : 0});
        }
        return found;
      },
      [this](Found found) {
        for (auto& [record, controller, device_group] : found.scheduled) {
          auto session = std::make_unique<Session>();
          session->id = record.id;
          session->org_id = record.org_id;
          session->attended = record.mode == "attended";
          session->state = SessionState::kScheduled;
          session->controller = controller;
          session->device_id = record.device_id;
          session->device_group = device_group;
          session->agent_name = record.agent_name;
          session->title = record.title;
          session->scheduled_at = record.scheduled_at;
          session->created_at = record.created_at;
          registry_.Add(std::move(session));
        }
      });
}

protocol::Result<Session*> SessionService::JoinAttended(const std::string& key, Connection& agent,
                                                        const std::string& name) {
  Session* session = registry_.FindByKey(key);
  if (session == nullptr || session->state != SessionState::kWaiting ||
      session->key_expires_at <= broker_.clock().NowMs()) {
    return Status::Unauthenticated("unknown or used session key");
  }
  registry_.UnindexKey(*session);  // single use
  session->agent_conn = agent.id();
  session->agent_name = name;
  registry_.Attach(*session, agent.id());
  return session;
}

void SessionService::AskConsent(Session& session) {
  session.consent_asked_at = broker_.clock().NowMs();
  if (Connection* agent = broker_.FindConnection(session.agent_conn)) {
    agent->SendEvent("session.request", Value::MapOf({{"session_id", session.id},
                                                      {"controller", UserToWire(session.controller)},
                                                      {"consent_required", session.consent_required},
                                                      {"recorded", session.recorded}}));
  }
  if (session.consent_required) {
    SetState(session, SessionState::kConsent, "session.consent_asked", Value::MakeMap());
  } else {
    Activate(session);
  }
}

void SessionService::Activate(Session& session) {
  session.started_at = broker_.clock().NowMs();
  session.last_activity = session.started_at;
  StartRecording(session);
  SetState(session, SessionState::kActive, "session.active", Value::MakeMap());
}

protocol::Result<Session*> SessionService::ConnectUnattended(Connection& controller, Connection& agent,
                                                             const storage::Device& device,
                                                             const std::string& department, bool consent_required,
                                                             bool recorded) {
  if (registry_.FindByDevice(device.id) != nullptr) {
    return Status(ErrorCode::kDeviceBusy, "the device already has a controlled session");
  }
  if (Status cap = CheckSessionsPerUser(controller.identity().user.id); !cap.ok()) return cap;
  auto session = std::make_unique<Session>();
  session->id = NewSessionId();
  session->org_id = device.org_id;
  session->attended = false;
  session->state = SessionState::kConsent;
  session->consent_required = consent_required;
  session->recorded = recorded;
  session->controller = controller.identity().user;
  session->controller_conn = controller.id();
  session->agent_conn = agent.id();
  session->device_id = device.id;
  session->device_group = device.group_id;
  session->device_department = department;
  session->agent_name = device.name;
  session->created_at = broker_.clock().NowMs();
  Session& added = registry_.Add(std::move(session));
  registry_.IndexDevice(added);
  registry_.Attach(added, controller.id());
  registry_.Attach(added, agent.id());
  return &added;
}

protocol::Status SessionService::Consent(Connection& agent, const std::string& session_id, bool accept) {
  Session* session = registry_.Find(session_id);
  if (session == nullptr || session->agent_conn != agent.id()) return Status::NotFound("no such session");
  if (session->state != SessionState::kConsent) return Status::Conflict("the session is not asking for consent");
  storage::AuditEvent event = agent.NewAuditEvent(accept ? "session.consent_granted" : "session.consent_denied",
                                                  accept ? kOutcomeOk : kOutcomeDenied);
  event.session_id = session->id;
  broker_.audit().Record(std::move(event), [](Status) {});
  if (accept) {
    Activate(*session);
  } else {
    End(*session, EndReason::kConsentDenied);
  }
  return Status::Ok();
}

protocol::Result<Session*> SessionService::Rejoin(Connection& controller, const std::string& session_id) {
  Session* session = registry_.Find(session_id);
  if (session == nullptr || session->controller.id != controller.identity().actor.user_id) {
    return Status::NotFound("no such session of yours");
  }
  if (session->controller_conn != 0 && session->controller_conn != controller.id()) {
    return Status::Conflict("the session's controller is still connected");
  }
  session->controller_conn = controller.id();
  session->controller_gone_at = 0;
  registry_.Attach(*session, controller.id());
  return session;
}

void SessionService::DeviceOnline(const std::string& device_id, Connection& agent) {
  Session* session = registry_.FindByDevice(device_id);
  // Resume when the agent was away, or when it is back before its old connection was
  // noticed as gone (that one is being replaced and must no longer count as the agent).
  if (session == nullptr || (session->agent_gone_at == 0 && session->agent_conn == agent.id())) return;
  if (session->agent_conn != 0 && session->agent_conn != agent.id()) registry_.Detach(*session, session->agent_conn);
  session->agent_conn = agent.id();
  session->agent_gone_at = 0;
  registry_.Attach(*session, agent.id());
  std::string id = session->id;
  broker_.audit().Record(Event(*session, "session.agent_returned", kOutcomeOk), [this, id](Status) {
    Session* live = registry_.Find(id);
    if (live == nullptr) return;
    if (Connection* a = broker_.FindConnection(live->agent_conn)) {
      a->SendEvent("session.request", Value::MapOf({{"session_id", live->id},
                                                    {"controller", UserToWire(live->controller)},
                                                    {"consent_required", false},
                                                    {"recorded", live->recorded},
                                                    {"resumed", true}}));
    }
    Broadcast(*live, "session.state", Value::MapOf({{"session_id", live->id},
                                                    {"state", std::string(WireName(live->state))},
                                                    {"recorded", live->recorded}}));
  });
}

void SessionService::EndSessionsControlledBy(std::int64_t user_id) {
  for (Session* session : registry_.All()) {
    if (session->controller.id == user_id && session->state != SessionState::kScheduled) End(*session, EndReason::kRevoked);
  }
}

void SessionService::End(Session& session, EndReason reason, std::function<void()> after, Value extra,
                         const Connection* by) {
  if (session.state == SessionState::kEnded) return;
  session.state = SessionState::kEnded;
  storage::SessionRecord record = session.ToRecord();
  record.ended_at = broker_.clock().NowMs();
  record.end_reason = std::string(WireName(reason));
  broker_.OnStorage<Status>([record](storage::Store& store) { return store.SaveSession(record); }, [](Status) {});
  storage::AuditEvent event = Event(session, "session.ended", kOutcomeOk);
  if (by != nullptr) {
    storage::AuditEvent who = by->NewAuditEvent("session.ended", kOutcomeOk);
    event.actor_kind = who.actor_kind;
    event.actor_id = who.actor_id;
    event.support = who.support;
    event.source = who.source;
  }
  event.details = Value::MapOf({{"reason", record.end_reason}});
  for (const auto& [key, value] : extra.as_map()) event.details.Set(key, value);
  std::vector<std::uint64_t> participants = {session.controller_conn, session.agent_conn};
  for (const Viewer& viewer : session.viewers) {
    participants.push_back(viewer.connection_id);
    // Each watcher's participation ends on record before the session does (told by
    // `session.ended` alone, like every participant).
    broker_.audit().Record(ViewerLeftEvent(session, viewer, "session_ended"), [](Status) {});
  }
  Value ended = Value::MapOf({{"session_id", session.id}, {"reason", record.end_reason}});
  for (const auto& [key, value] : extra.as_map()) ended.Set(key, value);
  // Announced once audited and, when recorded, once the recording is closed and synced:
  // whoever is told the session ended can fetch the whole recording.
  auto waits = std::make_shared<int>(session.recording ? 2 : 1);
  auto announce = [this, participants, ended, waits, after = std::move(after)] {
    if (--*waits > 0) return;
    for (std::uint64_t id : participants) {
      if (Connection* c = id ? broker_.FindConnection(id) : nullptr) c->SendEvent("session.ended", ended);
    }
    if (after) after();
  };
  StopRecording(session, announce);
  registry_.Remove(session.id);  // no frame is routed to it from here on
  for (std::uint64_t id : participants) {
    if (Connection* c = id ? broker_.FindConnection(id) : nullptr) relay_.OnDrained(*c);  // release holds
  }
  broker_.audit().Record(std::move(event), [announce](Status) { announce(); });
}

void SessionService::OnConnectionClosed(std::uint64_t connection_id, bool is_agent) {
  relay_.Forget(connection_id);
  std::int64_t now = broker_.clock().NowMs();
  for (Session* session : registry_.ForConnection(connection_id)) {
    registry_.Detach(*session, connection_id);
    if (is_agent && session->agent_conn == connection_id) {
      session->agent_conn = 0;
      // An unattended agent that comes back soon resumes the same active session.
      if (!session->attended && session->state == SessionState::kActive) {
        session->agent_gone_at = now;
        broker_.audit().Record(Event(*session, "session.agent_disconnected", kOutcomeOk), [](Status) {});
      } else {
        End(*session, EndReason::kAgentLeft);
      }
    } else if (session->controller_conn == connection_id) {
      session->controller_conn = 0;
      if (session->state == SessionState::kScheduled) continue;  // nothing runs yet
      session->controller_gone_at = now;
      broker_.audit().Record(Event(*session, "session.controller_disconnected", kOutcomeOk), [](Status) {});
    } else {
      RemoveViewer(*session, connection_id, "left");
    }
  }
}

namespace {

constexpr std::uint64_t kFileChunkChannel = 2;

// The transfer id at the start of a channel-2 payload, as the 32 hex digits file.begin used.
std::string TransferIdOf(std::span<const std::uint8_t> payload) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (payload.size() < 16) return {};
  std::string id;
  for (std::size_t i = 0; i < 16; ++i) {
    id.push_back(kHex[payload[i] >> 4]);
    id.push_back(kHex[payload[i] & 0x0f]);
  }
  return id;
}

}  // namespace

void SessionService::OnDataFrame(Connection& sender, const protocol::DataFrameView& frame,
                                 const SharedMessage& message) {
  Session* session = registry_.Find(std::string(frame.session_id));
  bool active = session != nullptr && session->state == SessionState::kActive;
  bool file_chunk = frame.channel == kFileChunkChannel;
  const Session::Transfer* transfer = nullptr;
  if (active && file_chunk) {
    auto it = session->transfers.find(TransferIdOf(frame.payload));
    if (it != session->transfers.end()) transfer = &it->second;
  }
  // From the controller: to the agent. Another connection of the controller's user may
  // send the chunks of a transfer it started.
  bool from_controller = active && (sender.id() == session->controller_conn ||
                                    (transfer != nullptr && transfer->requester_conn == sender.id()));
  if (from_controller) {
    session->last_activity = broker_.clock().NowMs();
    if (Connection* agent = broker_.FindConnection(session->agent_conn)) relay_.Forward(sender, *agent, message);
    return;
  }
  if (active && sender.id() == session->agent_conn) {
    session->last_activity = broker_.clock().NowMs();
    std::uint64_t to = transfer != nullptr && transfer->requester_conn != 0 ? transfer->requester_conn
                                                                          : session->controller_conn;
    Connection* receiver = broker_.FindConnection(to);
    if (receiver != nullptr) relay_.Forward(sender, *receiver, message);
    if (file_chunk) return;  // files are the controller's business, not the watchers'
    if (frame.channel == 1) {
      RecordOutput(*session, sender, frame.payload);
      // Keep the tail of the terminal for supervisors who join later. Trimmed only once
      // it holds twice the tail: trimming on every frame moved the whole tail (64 KiB) per
      // 64-byte frame, most of the broker's time with small frames.
      session->screen.append(frame.payload.begin(), frame.payload.end());
      if (session->screen.size() > 2 * supervision_.screen_bytes) {
        session->screen.erase(0, session->screen.size() - supervision_.screen_bytes);
      }
    }
    DeliverToViewers(*session, message, receiver);
    return;
  }
  if (active && IsViewer(*session, sender.id())) {
    return RefuseViewerInput(*session, sender, std::nullopt, "view participants cannot send input", "data");
  }
  sender.ReplyError(std::nullopt,
                    Status::NotFound("no session '" + std::string(frame.session_id) + "' that you take part in"));
}

void SessionService::Sweep() {
  std::int64_t now = broker_.clock().NowMs();
  relay_.KeepPausedAlive();
  for (Session* session : registry_.All()) {
    NoticeDrops(*session);
    std::optional<EndReason> reason;
    if (session->state == SessionState::kWaiting && session->key_expires_at <= now) reason = EndReason::kKeyExpired;
    if (session->state == SessionState::kConsent && session->consent_asked_at != 0 &&
        now - session->consent_asked_at >= timeouts_.consent_ms) {
      reason = EndReason::kConsentDenied;
    }
    if (session->controller_gone_at != 0 && now - session->controller_gone_at >= timeouts_.controller_grace_ms) {
      reason = EndReason::kControllerLeft;
    }
    if (session->agent_gone_at != 0 && now - session->agent_gone_at >= timeouts_.agent_return_ms) {
      reason = EndReason::kAgentLeft;
    }
    if (timeouts_.idle_ms > 0 && session->state == SessionState::kActive &&
        now - session->last_activity >= timeouts_.idle_ms) {
      reason = EndReason::kIdleTimeout;
    }
    if (reason) End(*session, *reason);
  }
}

void SessionService::EndAll(EndReason reason, std::function<void()> done) {
  // Scheduled sessions have not run: they outlive the shutdown (RecoverAfterRestart).
  std::vector<Session*> sessions;
  for (Session* session : registry_.All()) {
    if (session->state != SessionState::kScheduled) sessions.push_back(session);
  }
  if (sessions.empty()) {
    if (done) done();
    return;
  }
  auto remaining = std::make_shared<std::size_t>(sessions.size());
  for (Session* session : sessions) {
    End(*session, reason, [remaining, done] {
      if (--*remaining == 0 && done) done();
    });
  }
}

}  // namespace tether::broker
