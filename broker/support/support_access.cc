// Support access: the bounds of a grant, its expiry timer, and what ending it does live.
#include "support/support_access.h"

#include <chrono>
#include <string>
#include <vector>

#include "broker.h"
#include "connection.h"
#include "core/log.h"
#include "handlers/admin_request.h"
#include "sessions/session_service.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

// `ms` plus `years` calendar years in UTC; 29 February lands on 28 February.
std::int64_t AddYears(std::int64_t ms, int years) {
  using namespace std::chrono;
  const sys_time<milliseconds> at{milliseconds(ms)};
  const sys_days day = floor<days>(at);
  const milliseconds into_day = at - day;
  year_month_day date{day};
  year_month_day later = (date.year() + std::chrono::years(years)) / date.month() / date.day();
  if (!later.ok()) later = later.year() / later.month() / last;
  return (sys_days{later} + into_day).time_since_epoch().count();
}

std::string Iso8601(std::int64_t ms) {
  using namespace std::chrono;
  const sys_seconds at = floor<seconds>(sys_time<milliseconds>{milliseconds(ms)});
  const sys_days day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss<seconds> time{at - day};
  char text[64];  // room for any value the compiler cannot rule out (-Wformat-truncation)
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return text;
}

// `support_access.expired`, written by the broker itself in the chain of the organisation.
storage::AuditEvent ExpiredEvent(const storage::SupportGrant& grant, std::int64_t now) {
  storage::AuditEvent event;
  event.chain = grant.org_id;
  event.time = now;
  event.actor_kind = "system";
  event.actor_id = "tether-broker";
  event.action = "support_access.expired";
  event.target = std::to_string(grant.user_id);
  event.outcome = kOutcomeOk;
  event.details = Value::MapOf({{"until", grant.until}, {"granted_by", std::to_string(grant.granted_by)}});
  return event;
}

}  // namespace

Status CheckSupportUntil(std::int64_t until_ms, std::int64_t now_ms) {
  const std::int64_t earliest = now_ms + kDayMs;
  const std::int64_t latest = AddYears(now_ms, 5);
  if (until_ms < earliest || until_ms > latest) {
    return Status::BadRequest("until must be at least 1 day and at most 5 years from now (between " +
                              Iso8601(earliest) + " and " + Iso8601(latest) + ")");
  }
  return Status::Ok();
}

void EndSupportUserPresence(Broker& broker, std::int64_t user_id) {
  // Its connections close last, so that they too are told their sessions ended.
  broker.sessions().EndEverythingOf(
      user_id, [&broker, user_id] { CloseUserConnections(broker, user_id, CloseReason::kRevoked); });
}

void SupportAccess::Load() {
  broker_.OnStorage<protocol::Result<std::vector<storage::SupportGrant>>>(
      [](storage::Store& store) { return store.ListSupportGrantsInForce(); },
      [this](protocol::Result<std::vector<storage::SupportGrant>> grants) {
        if (!grants.ok()) {
          Log(LogLevel::kError, "support_access_load_failed", {{"error", grants.status().ToString()}});
          return;
        }
        for (const storage::SupportGrant& grant : *grants) Arm(grant);
      });
}

void SupportAccess::Arm(const storage::SupportGrant& grant) { armed_[grant.org_id] = grant; }

void SupportAccess::Disarm(std::int64_t org_id) { armed_.erase(org_id); }

void SupportAccess::Sweep() {
  const std::int64_t now = broker_.clock().NowMs();
  std::vector<storage::SupportGrant> due;
  for (const auto& [org_id, grant] : armed_) {
    if (grant.until <= now && !expiring_.count(org_id)) due.push_back(grant);
  }
  for (storage::SupportGrant& grant : due) Expire(std::move(grant));
}

void SupportAccess::Expire(storage::SupportGrant grant) {
  const std::int64_t now = broker_.clock().NowMs();
  expiring_.insert(grant.org_id);
  broker_.OnStorage<Status>(
      [grant, now](storage::Store& store) {
        return store.Atomically([&]() -> Status {
          // Changed or revoked since it was armed: not due (not_found), nothing to do.
          auto current = store.FindSupportGrantInForce(grant.org_id);
          if (!current.ok()) return current.status();
          if (current->id != grant.id || current->until > now) return Status::NotFound("support access is not due");
          if (Status s = store.EndSupportGrant(grant.id, now, "expired"); !s.ok()) return s;
          std::vector<storage::AuditEvent> events{ExpiredEvent(grant, now)};
          return store.AppendAudit(events);
        });
      },
      [this, grant](Status ended) {
        expiring_.erase(grant.org_id);
        auto armed = armed_.find(grant.org_id);
        // Revoked or changed meanwhile: that request decided (a longer `until` stays armed).
        const bool still_this_grant = armed != armed_.end() && armed->second.id == grant.id &&
                                      armed->second.until == grant.until;
        if (ended.code() == protocol::ErrorCode::kNotFound) {
          if (still_this_grant) armed_.erase(armed);
          return;
        }
        if (!ended.ok()) {  // stays armed: the next sweep tries again
          Log(LogLevel::kError, "support_access_expiry_failed", {{"error", ended.ToString()}});
          return;
        }
        if (still_this_grant) armed_.erase(armed);
        EndSupportUserPresence(broker_, grant.user_id);
      });
}

}  // namespace tether::broker
