// SessionService, supervision (PROTOCOL.md "Data frames", POLICY.md "Sessions"): view
// participants join, watch, lag, leave or lose access; control is handed over. Kept
// apart from the state machine in session_service.cc.
#include <algorithm>

#include "broker.h"
#include "connection.h"
#include "handlers/handlers.h"
#include "handlers/wire.h"
#include "policy/policy.h"
#include "sessions/session_service.h"

namespace tether::broker {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

// A viewer never pauses anyone (ARCHITECTURE.md "Backpressure"), nor slows the
// controller: its output yields to the controller's (PROTOCOL.md §5.5). A frame is
// queued for a viewer only while its own queue is within the viewer budget, and not when
// - the controller's queue is over that budget (the controller is behind), or
// - the session's output runs faster than viewer_full_rate_bytes a second (more than a
//   person reads as it scrolls: a dump, a big file) and the viewers have used up their
//   share: then they together get viewer_share_percent of the controller's bytes, whole
//   frames, each frame to all of them (their screens stay alike).
// Every frame not queued for a viewer is counted (frames.dropped). Only those of its own
// making (its queue over the budget, on a frame not yielded) count towards slow_consumer:
// a viewer that reads as fast as it can is never removed for the broker's choice to serve
// the controller first. A yielded frame costs a counter per viewer, nothing more.
bool SessionService::ViewersYield(Session& session, std::size_t frame_bytes, const Connection* controller) {
  constexpr std::uint64_t kWindowMs = 100;
  std::uint64_t now = static_cast<std::uint64_t>(broker_.clock().NowMs());
  if (now - session.output_window_start >= kWindowMs) {
    std::uint64_t elapsed = now - session.output_window_start;
    session.output_fast = session.output_window_bytes * 1000 > supervision_.viewer_full_rate_bytes * elapsed;
    session.output_window_start = now;
    session.output_window_bytes = 0;
  }
  session.output_window_bytes += frame_bytes;
  if (controller != nullptr && controller->queued_bytes() > supervision_.viewer_budget_bytes) return true;
  if (!session.output_fast && session.output_window_bytes * 1000 <= supervision_.viewer_full_rate_bytes * kWindowMs) {
    return false;
  }
  // In hundredths of a byte, so that the share of a small frame is not rounded away.
  std::uint64_t cost = static_cast<std::uint64_t>(frame_bytes) * session.viewers.size() * 100;
  session.viewer_credit = std::min(session.viewer_credit + frame_bytes * supervision_.viewer_share_percent, cost);
  if (session.viewer_credit < cost) return true;
  session.viewer_credit -= cost;
  return false;
}

void SessionService::DeliverToViewers(Session& session, const SharedMessage& frame, const Connection* controller) {
  if (session.viewers.empty()) return;
  if (ViewersYield(session, frame->size(), controller)) {
    for (Viewer& viewer : session.viewers) ++viewer.dropped_frames;
    return;
  }
  std::vector<std::uint64_t> too_slow;
  for (Viewer& viewer : session.viewers) {
    Connection* c = broker_.FindConnection(viewer.connection_id);
    if (c == nullptr) continue;
    if (c->queued_bytes() <= supervision_.viewer_budget_bytes) {
      c->SendFrame(frame);
      continue;
    }
    ++viewer.dropped_frames;
    viewer.dropped_bytes += frame->size();
    if (viewer.dropped_bytes > supervision_.slow_consumer_bytes) too_slow.push_back(viewer.connection_id);
  }
  for (std::uint64_t id : too_slow) RemoveViewer(session, id, "slow_consumer");
}

// frames.dropped {session_id, count}: a control message, never dropped itself.
void SessionService::NoticeDrops(Session& session) {
  for (Viewer& viewer : session.viewers) {
    if (viewer.dropped_frames == 0) continue;
    if (Connection* c = broker_.FindConnection(viewer.connection_id)) {
      c->SendEvent("frames.dropped", Value::MapOf({{"session_id", session.id}, {"count", viewer.dropped_frames}}));
    }
    viewer.dropped_frames = 0;
  }
}

Value SessionService::Participants(const Session& session) const {
  Value list = Value::MakeArray();
  list.Push(Value::MapOf({{"user", UserToWire(session.controller)}, {"mode", "control"}}));
  for (const Viewer& viewer : session.viewers) list.Push(Value::MapOf({{"user", UserToWire(viewer.user)}, {"mode", "view"}}));
  return list;
}

Status SessionService::Supervise(Session& session, Connection& supervisor, bool announce,
                                 std::function<void(Session&)> joined) {
  const storage::User& user = supervisor.identity().user;
  if (session.state != SessionState::kActive && session.state != SessionState::kScheduled) {
    return Status::Conflict("only active or scheduled sessions can be supervised");
  }
  if (user.id == session.controller.id) {
    return Status::PermissionDenied("the session's controller cannot also watch it");
  }
  bool already = std::any_of(session.viewers.begin(), session.viewers.end(),
                             [&](const Viewer& v) { return v.connection_id == supervisor.id(); });
  if (already) return Status::Conflict("you already supervise this session");
  if (session.viewers.size() >= supervision_.max_supervisors) {
    return Status(ErrorCode::kLimitReached, "the session has as many supervisors as it may");
  }
  storage::AuditEvent event = supervisor.NewAuditEvent("participant.joined", kOutcomeOk);
  event.session_id = session.id;
  event.details = Value::MapOf({{"mode", "view"}, {"announced", announce}});
  std::string id = session.id;
  ConnectionRef ref = supervisor.ref();
  broker_.audit().Record(std::move(event), [this, id, ref, announce, joined = std::move(joined)](Status) {
    Session* live = registry_.Find(id);
    Connection* watcher = ref.Get();
    if (live == nullptr || watcher == nullptr) return;
    Viewer viewer;
    viewer.user_id = watcher->identity().user.id;
    viewer.connection_id = watcher->id();
    viewer.user = watcher->identity().user;
    viewer.announced = announce;
    if (announce) {
      Broadcast(*live, "participant.joined",
                Value::MapOf({{"session_id", live->id}, {"user", UserToWire(viewer.user)}, {"mode", "view"}}));
    }
    live->viewers.push_back(viewer);
    StoreParticipant(*live, viewer.user_id, ParticipantMode::kView);
    registry_.Attach(*live, watcher->id());
    joined(*live);
    // The screen so far, before anything live (frames keep their order).
    if (!live->screen.empty()) {
      std::size_t tail = std::min(live->screen.size(), supervision_.screen_bytes);  // it holds up to twice that
      std::span<const std::uint8_t> screen(
          reinterpret_cast<const std::uint8_t*>(live->screen.data()) + live->screen.size() - tail, tail);
      watcher->SendEncoded(protocol::EncodeDataFrame(live->id, 1, screen));
    }
  });
  return Status::Ok();
}

bool SessionService::IsViewer(const Session& session, std::uint64_t connection_id) {
  return std::any_of(session.viewers.begin(), session.viewers.end(),
                     [&](const Viewer& v) { return v.connection_id == connection_id; });
}

void SessionService::RefuseViewerInput(Session& session, Connection& viewer, std::optional<std::uint64_t> re,
                                       const std::string& message, const char* input) {
  storage::AuditEvent event = viewer.NewAuditEvent("session.input_refused", kOutcomeDenied);
  event.session_id = session.id;
  event.target = session.id;
  event.details = Value::MapOf({{"input", input}});
  // The refusal is answered once its event is durable, like every audited refusal; a
  // failed write leaves it refused all the same.
  broker_.audit().Record(std::move(event), [ref = viewer.ref(), re, message](Status) {
    if (Connection* connection = ref.Get()) connection->ReplyError(re, Status(protocol::ErrorCode::kViewOnly, message));
  });
}

storage::AuditEvent SessionService::ViewerLeftEvent(const Session& session, const Viewer& viewer,
                                                    const char* reason) {
  storage::AuditEvent event = Event(session, "participant.left", kOutcomeOk);
  event.actor_id = std::to_string(viewer.user_id);
  event.support = viewer.user.hidden;
  event.details = Value::MapOf({{"mode", "view"}, {"reason", reason}, {"dropped_bytes", viewer.dropped_bytes}});
  return event;
}

void SessionService::RemoveViewer(Session& session, std::uint64_t connection_id, const char* reason,
                                  std::function<void()> after) {
  auto it = std::find_if(session.viewers.begin(), session.viewers.end(),
                         [&](const Viewer& v) { return v.connection_id == connection_id; });
  if (it == session.viewers.end()) return;
  Viewer viewer = *it;
  session.viewers.erase(it);  // at once: no further frame goes to it
  registry_.Detach(session, connection_id);
  storage::AuditEvent event = ViewerLeftEvent(session, viewer, reason);
  Value left = Value::MapOf({{"session_id", session.id}, {"user", UserToWire(viewer.user)}, {"mode", "view"}});
  std::string id = session.id;
  std::string why = reason;
  broker_.audit().Record(std::move(event), [this, id, left, viewer, why, after = std::move(after)](Status) {
    // The viewer is told why it is out, when it did not ask to leave: what it lost, then
    // the reason (control messages are never dropped).
    if (why != "left") {
      if (Connection* c = broker_.FindConnection(viewer.connection_id)) {
        if (viewer.dropped_frames > 0) {
          c->SendEvent("frames.dropped", Value::MapOf({{"session_id", id}, {"count", viewer.dropped_frames}}));
        }
        c->SendEvent("session.ended", Value::MapOf({{"session_id", id}, {"reason", why}}));
      }
    }
    Session* live = registry_.Find(id);
    if (live != nullptr && viewer.announced) Broadcast(*live, "participant.left", left);
    if (after) after();
  });
}

Status SessionService::Handover(Session& session, Connection& controller, std::int64_t to_user, bool stay,
                                std::function<void()> done) {
  if (session.controller_conn != controller.id()) return Status::PermissionDenied("only the controller hands over");
  auto it = std::find_if(session.viewers.begin(), session.viewers.end(),
                         [&](const Viewer& v) { return v.user_id == to_user; });
  if (it == session.viewers.end()) return Status::NotFound("user " + std::to_string(to_user) + " is not watching");
  Connection* receiver = broker_.FindConnection(it->connection_id);
  if (receiver == nullptr) return Status::NotFound("the view participant has gone");
  // POLICY.md: a support user cannot be chosen for hand-over; the receiver must hold
  // what starting the session needed.
  const policy::Actor& actor = receiver->identity().actor;
  Status receivable = policy::AuthorizeHandoverTo({actor.user_id, actor.org_id, actor.role_id, actor.support_user});
  if (!receivable.ok()) return receivable;
  Status allowed = policy::Authorize(actor, session.attended ? policy::Action::kSessionCreate
                                                            : policy::Action::kSessionConnect);
  if (allowed.ok() && !session.attended &&
      !policy::ScopeCovers(actor.scope, session.device_group, session.device_department)) {
    allowed = Status::PermissionDenied("the device's group is outside the receiver's scope");
  }
  if (!allowed.ok()) return Status::PermissionDenied("the receiver cannot take control: " + allowed.message());
  storage::AuditEvent event = controller.NewAuditEvent("session.handover", kOutcomeOk);
  event.session_id = session.id;
  event.target = std::to_string(to_user);
  event.details = Value::MapOf({{"from", std::to_string(session.controller.id)}, {"to", std::to_string(to_user)},
                                {"former_stays", stay}});
  std::string id = session.id;
  std::uint64_t receiver_conn = receiver->id();
  std::uint64_t former_conn = controller.id();
  broker_.audit().Record(std::move(event), [this, id, receiver_conn, former_conn, to_user, stay,
                                            done = std::move(done)](Status) {
    Session* live = registry_.Find(id);
    Connection* receiver = broker_.FindConnection(receiver_conn);
    if (live == nullptr || receiver == nullptr || live->controller_conn != former_conn) return;
    Viewer former;
    former.user_id = live->controller.id;
    former.connection_id = former_conn;
    former.user = live->controller;
    live->controller = receiver->identity().user;
    live->controller_conn = receiver_conn;
    // The controller is never also a viewer: every view entry of the receiver goes.
    for (const Viewer& v : live->viewers) {
      if (v.user_id == to_user && v.connection_id != receiver_conn) registry_.Detach(*live, v.connection_id);
    }
    std::erase_if(live->viewers, [&](const Viewer& v) { return v.user_id == to_user; });
    if (stay) {
      live->viewers.push_back(former);
    } else {
      registry_.Detach(*live, former_conn);
    }
    Store(*live);
    // Both held control: the technician's own report finds the session either way.
    StoreParticipant(*live, former.user_id, ParticipantMode::kControl);
    StoreParticipant(*live, to_user, ParticipantMode::kControl);
    Value control = Value::MapOf({{"session_id", live->id}, {"controller", UserToWire(live->controller)}});
    if (done) done();
    Broadcast(*live, "session.control", control);
    if (!stay) {
      if (Connection* c = broker_.FindConnection(former_conn)) c->SendEvent("session.control", control);
    }
  });
  return Status::Ok();
}

void SessionService::EndEverythingOf(std::int64_t user_id, std::function<void()> then) {
  // One count for each removal and end in flight, and one for this loop: `then` runs
  // when the last of them is done.
  auto pending = std::make_shared<int>(1);
  auto done = [pending, then = std::move(then)] {
    if (--*pending == 0) then();
  };
  for (Session* session : registry_.All()) {
    std::vector<std::uint64_t> watching;
    for (const Viewer& viewer : session->viewers) {
      if (viewer.user_id == user_id) watching.push_back(viewer.connection_id);
    }
    for (std::uint64_t connection_id : watching) {
      ++*pending;
      RemoveViewer(*session, connection_id, "revoked", done);
    }
  }
  for (Session* session : registry_.All()) {
    if (session->controller.id != user_id || session->state == SessionState::kEnded) continue;
    ++*pending;
    End(*session, EndReason::kRevoked, done);
  }
  done();
}

void SessionService::OnIdentityChanged(Connection& connection) {
  const policy::Actor& actor = connection.identity().actor;
  for (Session* session : registry_.ForConnection(connection.id())) {
    bool viewer = std::any_of(session->viewers.begin(), session->viewers.end(),
                              [&](const Viewer& v) { return v.connection_id == connection.id(); });
    if (!viewer) continue;
    policy::SessionFacts facts{session->org_id, session->attended, session->controller.id,
                               policy::ScopeFromWire(session->controller.scope).ok()
                                   ? *policy::ScopeFromWire(session->controller.scope)
                                   : policy::Scope{},
                               session->device_group, session->device_department};
    bool may = policy::Authorize(actor, policy::Action::kSessionSupervise).ok() && policy::SessionInScope(actor, facts);
    if (!may) RemoveViewer(*session, connection.id(), "revoked");
  }
}

}  // namespace tether::broker
