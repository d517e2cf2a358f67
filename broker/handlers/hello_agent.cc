// hello for agents: `session_key` (an attended customer's agent joins a waiting session).
// Wrong keys are limited per address (key_guesses_per_address per hour) so that guessing
// a live key is hopeless: see README "Security notes" for the bound.
#include <algorithm>

#include "auth/secrets.h"
#include "broker.h"
#include "handlers/handlers.h"
#include "handlers/login.h"
#include "handlers/wire.h"
#include "sessions/session_service.h"

namespace tether::broker {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

void HelloWithSessionKey(Request& request, const Value& auth) {
  Connection& c = request.connection;
  Broker& broker = c.broker();
  auto key = protocol::RequireString(auth, "key");
  auto name = protocol::RequireString(auth, "name");
  auto os = protocol::OptionalString(auth, "os");
  auto hostname = protocol::OptionalString(auth, "hostname");
  for (const Status* s : {&key.status(), &name.status(), &os.status(), &hostname.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
  }
  if (name->empty() || name->size() > 200) {
    return c.ReplyError(request.id, Status::BadRequest("auth: 'name' must be 1 to 200 bytes"));
  }
  std::int64_t now = broker.clock().NowMs();
  if (broker.key_guesses().IsBlocked(c.peer_address(), now)) {
    storage::AuditEvent event = c.NewAuditEvent(audit_action::kLogin, kOutcomeDenied);
    event.details = Value::MapOf({{"kind", "session_key"}, {"reason", "rate_limited"}});
    return RefuseLogin(c.ref(), request.id, std::move(event),
                       Status(ErrorCode::kRateLimited, "too many wrong session keys; try again later"),
                       CloseReason::kRateLimited, "");
  }
  SessionService& sessions = broker.sessions();
  auto joined = sessions.JoinAttended(*key, c, *name);
  if (!joined.ok()) {
    broker.key_guesses().RecordFailure(c.peer_address(), now);
    storage::AuditEvent event = c.NewAuditEvent(audit_action::kLogin, kOutcomeFailed);
    event.details = Value::MapOf({{"kind", "session_key"}, {"reason", "unknown_key"}});
    return RefuseLogin(c.ref(), request.id, std::move(event), joined.status(), CloseReason::kUnauthenticated, "");
  }
  Session& session = **joined;
  Identity identity;
  identity.kind = Identity::Kind::kAttendedAgent;
  identity.actor.org_id = session.org_id;
  identity.agent_name = *name;
  identity.attended_session_id = session.id;
  identity.agent_info = Value::MapOf({{"hostname", hostname->value_or("")}, {"os", os->value_or("")},
                                      {"uptime_s", 0u}, {"reported_at", static_cast<std::uint64_t>(now)}});
  c.CompleteAuthentication(std::move(identity));
  storage::AuditEvent event = c.NewAuditEvent("session.agent_joined", kOutcomeOk);
  event.details = Value::MapOf({{"name", *name}, {"os", os->value_or("")}});
  std::string session_id = session.id;
  ConfirmAfterAudit(c.ref(), request.id, std::move(event), [re = request.id, session_id](Connection& done) {
    done.Reply(re, Value::MapOf({{"session_id", session_id}}));
    SessionService& service = done.broker().sessions();
    if (Session* live = service.registry().Find(session_id)) service.AskConsent(*live);
  });
}

}  // namespace tether::broker

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

// Refuses a device hello: audited, counted against the address, 4401.
void RefuseDevice(Request& request, const std::string& kind, const std::string& reason, const Status& reply) {
  storage::AuditEvent event = request.connection.NewAuditEvent(audit_action::kLogin, kOutcomeFailed);
  event.details = Value::MapOf({{"kind", kind}, {"reason", reason}});
  RefuseLogin(request.connection.ref(), request.id, std::move(event), reply, CloseReason::kUnauthenticated, "");
}

bool AddressBlocked(Request& request, const std::string& kind) {
  Connection& c = request.connection;
  if (!c.broker().address_failures().IsBlocked(c.peer_address(), c.broker().clock().NowMs())) return false;
  storage::AuditEvent event = c.NewAuditEvent(audit_action::kLogin, kOutcomeDenied);
  event.details = Value::MapOf({{"kind", kind}, {"reason", "rate_limited"}});
  RefuseLogin(c.ref(), request.id, std::move(event), Status(ErrorCode::kRateLimited, "too many failed logins; try again later"),
              CloseReason::kRateLimited, "");
  return true;
}

// The connection is the device from here on: online, its session resumed if one waits.
void BecomeDevice(Connection& c, const storage::Device& device) {
  Identity identity;
  identity.kind = Identity::Kind::kDevice;
  identity.actor.org_id = device.org_id;
  identity.device = device;
  identity.agent_name = device.name;
  c.CompleteAuthentication(std::move(identity));
  if (std::uint64_t replaced = c.broker().DeviceOnline(device.id, c.id())) {
    if (Connection* older = c.broker().FindConnection(replaced)) older->Close(CloseReason::kReplaced);
  }
  c.broker().sessions().DeviceOnline(device.id, c);
}

}  // namespace

// hello enroll: a deployment key turns into a new device and its one-time secret.
void HelloWithEnrolment(Request& request, const Value& auth) {
  Connection& c = request.connection;
  auto key = protocol::RequireString(auth, "deployment_key");
  auto name = protocol::RequireString(auth, "name");
  auto os = protocol::RequireString(auth, "os");
  auto mac = protocol::OptionalString(auth, "mac");
  for (const Status* s : {&key.status(), &name.status(), &os.status(), &mac.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
  }
  if (name->empty() || name->size() > 200) return c.ReplyError(request.id, Status::BadRequest("auth: 'name' must be 1 to 200 bytes"));
  if (AddressBlocked(request, "enroll")) return;
  auto secret = auth::RandomHex(32);
  if (!secret.ok()) return c.ReplyError(request.id, secret.status());
  c.BeginAuthentication();
  struct Enrolled {
    Status status;
    storage::Device device;
  };
  std::string key_hash = auth::Sha256Hex(*key);
  storage::Device device;
  device.name = *name;
  device.os = *os;
  device.mac = mac->value_or("");
  device.secret_hash = auth::Sha256Hex(*secret);
  device.created_at = c.broker().clock().NowMs();
  device.last_seen = device.created_at;
  c.broker().OnStorage<Enrolled>(
      [key_hash, device](storage::Store& store) mutable {
        auto key = store.FindDeployKey(key_hash);
        if (!key.ok() || key->revoked) return Enrolled{Status::Unauthenticated("unknown deployment key"), {}};
        device.org_id = key->org_id;
        device.group_id = key->group_id;
        auto created = store.CreateDevice(device);
        if (!created.ok()) return Enrolled{created.status(), {}};
        return Enrolled{Status::Ok(), *created};
      },
      [ref = c.ref(), re = request.id, secret = *secret](Enrolled enrolled) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!enrolled.status.ok()) {
          Request again{*c, {}, re};
          return RefuseDevice(again, "enroll", "unknown_deployment_key", Status::Unauthenticated("unknown deployment key"));
        }
        BecomeDevice(*c, enrolled.device);
        storage::AuditEvent event = c->NewAuditEvent("device.enrolled", kOutcomeOk);
        event.target = enrolled.device.id;
        event.details = Value::MapOf({{"name", enrolled.device.name}, {"group_id", std::to_string(enrolled.device.group_id)}});
        Value reply = Value::MapOf({{"device_id", enrolled.device.id}, {"secret", secret},
                                    {"broker_fingerprint", c->broker().certificate_fingerprint()}});
        ConfirmAfterAudit(ref, re, std::move(event), [re, reply](Connection& done) { done.Reply(re, reply); });
      });
}

// hello device: an enrolled device proves its secret (compared as SHA-256, in constant time).
void HelloAsDevice(Request& request, const Value& auth) {
  Connection& c = request.connection;
  auto device_id = protocol::RequireString(auth, "device_id");
  auto secret = protocol::RequireString(auth, "secret");
  for (const Status* s : {&device_id.status(), &secret.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
  }
  if (AddressBlocked(request, "device")) return;
  c.BeginAuthentication();
  c.broker().OnStorage<protocol::Result<storage::Device>>(
      [id = *device_id](storage::Store& store) { return store.FindDevice(id); },
      [ref = c.ref(), re = request.id, hash = auth::Sha256Hex(*secret)](protocol::Result<storage::Device> device) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!device.ok() || !auth::ConstantTimeEquals(device->secret_hash, hash)) {
          Request again{*c, {}, re};
          return RefuseDevice(again, "device", "bad_device_secret", Status::Unauthenticated("unknown device or wrong secret"));
        }
        BecomeDevice(*c, *device);
        storage::AuditEvent event = c->NewAuditEvent(audit_action::kLogin, kOutcomeOk);
        event.details = Value::MapOf({{"kind", "device"}});
        Value reply = Value::MapOf({{"device", DeviceToWire(*device, true, c->broker().clock().NowMs())}});
        ConfirmAfterAudit(ref, re, std::move(event), [re, reply](Connection& done) { done.Reply(re, reply); });
      });
}

}  // namespace tether::broker
