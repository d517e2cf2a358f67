// The one dispatch table, and the audit-then-confirm step every handler shares.
#include "handlers/handlers.h"

#include <array>

#include "broker.h"

namespace tether::broker {
namespace {

constexpr std::array kHandlers = {
    HandlerEntry{"hello", &HandleHello, false},
    HandlerEntry{"auth.logout", &HandleLogout, false},
    HandlerEntry{"org.get", &HandleOrgGet, false},
    HandlerEntry{"org.update", &HandleOrgUpdate, false},
    HandlerEntry{"test.clock.advance", &HandleTestClockAdvance, true},
    HandlerEntry{"role.list", &HandleRoleList, false},
    HandlerEntry{"role.create", &HandleRoleCreate, false},
    HandlerEntry{"role.update", &HandleRoleUpdate, false},
    HandlerEntry{"role.delete", &HandleRoleDelete, false},
    HandlerEntry{"user.invite", &HandleUserInvite, false},
    HandlerEntry{"user.list", &HandleUserList, false},
    HandlerEntry{"user.update", &HandleUserUpdate, false},
    HandlerEntry{"user.remove", &HandleUserRemove, false},
    HandlerEntry{"user.transfer_ownership", &HandleUserTransferOwnership, false},
    HandlerEntry{"user.password_reset", &HandleUserPasswordReset, false},
    HandlerEntry{"licence.get", &HandleLicenceGet, false},
    HandlerEntry{"group.list", &HandleGroupList, false},
    HandlerEntry{"group.create", &HandleGroupCreate, false},
    HandlerEntry{"group.delete", &HandleGroupDelete, false},
    HandlerEntry{"group.update", &HandleGroupUpdate, false},
    HandlerEntry{"device.move", &HandleDeviceMove, false},
    HandlerEntry{"notification.list", &HandleNotificationList, false},
    HandlerEntry{"auth.password.change", &HandlePasswordChange, false},
    HandlerEntry{"auth.totp.enroll", &HandleTotpEnroll, false},
    HandlerEntry{"auth.totp.confirm", &HandleTotpConfirm, false},
    HandlerEntry{"auth.totp.disable", &HandleTotpDisable, false},
    HandlerEntry{"session.create", &HandleSessionCreate},
    HandlerEntry{"session.end", &HandleSessionEnd},
    HandlerEntry{"session.rejoin", &HandleSessionRejoin},
    HandlerEntry{"session.list", &HandleSessionList},
    HandlerEntry{"session.resize", &HandleSessionResize},
    HandlerEntry{"session.info", &HandleSessionInfo},
    HandlerEntry{"session.connect", &HandleSessionConnect},
    HandlerEntry{"session.schedule", &HandleSessionSchedule},
    HandlerEntry{"session.supervise", &HandleSessionSupervise},
    HandlerEntry{"audit.query", &HandleAuditQuery},
    HandlerEntry{"audit.verify", &HandleAuditVerify},
    HandlerEntry{"support_access.grant", &HandleSupportAccessGrant},
    HandlerEntry{"support_access.update", &HandleSupportAccessUpdate},
    HandlerEntry{"support_access.revoke", &HandleSupportAccessRevoke},
    HandlerEntry{"support_access.get", &HandleSupportAccessGet},
    HandlerEntry{"audit.export", &HandleAuditExport},
    HandlerEntry{"report.sessions", &HandleReportSessions},
    HandlerEntry{"recording.get", &HandleRecordingGet},
    HandlerEntry{"session.handover", &HandleSessionHandover},
    HandlerEntry{"session.start", &HandleSessionStart},
    HandlerEntry{"deploy_key.create", &HandleDeployKeyCreate},
    HandlerEntry{"device.list", &HandleDeviceList},
    HandlerEntry{"device.delete", &HandleDeviceDelete},
    HandlerEntry{"device.wake", &HandleDeviceWake},
    HandlerEntry{"device.rotate_secret", &HandleDeviceRotateSecret, false, true, true},
    // Both sides.
    HandlerEntry{"session.leave", &HandleSessionLeave, false, true, true},
    HandlerEntry{"file.begin", &HandleFileBegin, false, true, true},
    HandlerEntry{"file.end", &HandleFileEnd, false, true, true},
    // Agents only.
    HandlerEntry{"session.consent", &HandleSessionConsent, false, false, true},
    HandlerEntry{"session.exit", &HandleSessionExit, false, false, true},
    HandlerEntry{"agent.info", &HandleAgentInfo, false, false, true},
};

// Requests whose handler audits every outcome, allowed or refused (the admin requests
// of protocol/PROTOCOL.md §6 and hello). Any other request of a support user is recorded
// as `support.request` before it runs (POLICY.md "Support access": every action of the
// support user is audited).
constexpr std::string_view kAuditedByTheirHandler[] = {
    "hello", "auth.logout", "org.update", "role.list", "role.create", "role.update", "role.delete",
    "user.invite", "user.list", "user.update", "user.remove", "user.transfer_ownership", "user.password_reset",
    "licence.get", "group.list", "group.create", "group.delete", "group.update", "device.move",
    "notification.list", "auth.password.change", "auth.totp.enroll", "auth.totp.confirm", "auth.totp.disable",
    "audit.query", "audit.verify", "deploy_key.create", "device.delete", "device.rotate_secret",
    "support_access.grant", "support_access.update", "support_access.revoke", "support_access.get",
    "audit.export", "report.sessions", "recording.get",
};

}  // namespace

bool AuditsEveryOutcome(std::string_view type) {
  for (std::string_view audited : kAuditedByTheirHandler) {
    if (audited == type) return true;
  }
  return false;
}

const HandlerEntry* FindHandler(std::string_view type) {
  for (const HandlerEntry& entry : kHandlers) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

void ConfirmAfterAudit(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                       std::function<void(Connection&)> confirm) {
  ref.broker->audit().Record(std::move(event), [ref, re, confirm = std::move(confirm)](
                                                   protocol::Status status) {
    Connection* connection = ref.Get();
    if (connection == nullptr) return;
    if (!status.ok()) {
      connection->ReplyError(re, protocol::Status::Internal("the audit log could not be written"));
      return;
    }
    confirm(*connection);
  });
}

}  // namespace tether::broker
