// Request handlers: one small function per request type, found through one table
// (handlers.cc). Each validates its fields, asks policy, does its work through the
// storage thread, records its audit event and only then answers.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "connection.h"
#include "tether/protocol/codec.h"

namespace tether::broker {

struct Request {
  Connection& connection;
  protocol::ControlMessage message;
  std::uint64_t id;  // every request has one; the dispatcher refuses those without
};

using Handler = void (*)(Request& request);

struct HandlerEntry {
  std::string_view type;
  Handler handler;
  bool test_only = false;  // exists only under --test-clock
  bool users = true;       // people may send it
  bool agents = false;     // agents may send it
};

// nullptr for an unknown type.
const HandlerEntry* FindHandler(std::string_view type);
// Whether the handler of `type` writes an audit event for every outcome.
bool AuditsEveryOutcome(std::string_view type);

// The handlers (each in its own file).
void HandleHello(Request& request);
void HandleLogout(Request& request);
void HandleOrgGet(Request& request);
void HandleOrgUpdate(Request& request);
void HandleSupportAccessGrant(Request& request);
void HandleSupportAccessUpdate(Request& request);
void HandleSupportAccessRevoke(Request& request);
void HandleSupportAccessGet(Request& request);
void HandleTestClockAdvance(Request& request);
void HandleRoleList(Request& request);
void HandleRoleCreate(Request& request);
void HandleRoleUpdate(Request& request);
void HandleRoleDelete(Request& request);
void HandleUserInvite(Request& request);
void HandleUserList(Request& request);
void HandleUserUpdate(Request& request);
void HandleUserRemove(Request& request);
void HandleUserTransferOwnership(Request& request);
void HandleUserPasswordReset(Request& request);
void HandleLicenceGet(Request& request);
void HandleGroupList(Request& request);
void HandleGroupCreate(Request& request);
void HandleGroupDelete(Request& request);
void HandleGroupUpdate(Request& request);
void HandleDeviceMove(Request& request);
void HandleNotificationList(Request& request);
void HandlePasswordChange(Request& request);
void HandleTotpEnroll(Request& request);
void HandleTotpConfirm(Request& request);
void HandleTotpDisable(Request& request);

void HandleSessionCreate(Request& request);
void HandleSessionEnd(Request& request);
void HandleSessionLeave(Request& request);
void HandleSessionRejoin(Request& request);
void HandleSessionList(Request& request);
void HandleSessionResize(Request& request);
void HandleSessionInfo(Request& request);
void HandleSessionConsent(Request& request);
void HandleSessionExit(Request& request);
void HandleAgentInfo(Request& request);
void HandleFileBegin(Request& request);
void HandleFileEnd(Request& request);
void HandleDeployKeyCreate(Request& request);
void HandleDeviceList(Request& request);
void HandleSessionConnect(Request& request);
void HandleSessionSchedule(Request& request);
void HandleSessionSupervise(Request& request);
void HandleAuditQuery(Request& request);
void HandleAuditVerify(Request& request);
void HandleAuditExport(Request& request);
void HandleReportSessions(Request& request);
void HandleRecordingGet(Request& request);
void HandleSessionHandover(Request& request);
void HandleSessionStart(Request& request);
void HandleDeviceRotateSecret(Request& request);
void HandleDeviceDelete(Request& request);
void HandleDeviceWake(Request& request);

// hello's other kinds (hello.cc dispatches to them).
void HelloWithSessionKey(Request& request, const protocol::Value& auth);
void HelloWithEnrolment(Request& request, const protocol::Value& auth);
void HelloAsDevice(Request& request, const protocol::Value& auth);
void HelloWithInvitation(Request& request, const protocol::Value& auth);
void HelloWithReset(Request& request, const protocol::Value& auth);

// Records `event`; once it is durable runs `confirm` on the connection if it is still
// there. If the audit write fails, answers `internal` to request `re` instead: an
// action whose audit event is not durable is never confirmed.
void ConfirmAfterAudit(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                       std::function<void(Connection&)> confirm);

}  // namespace tether::broker
