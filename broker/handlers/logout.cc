// auth.logout: revokes the connection's token, audited, then answers and closes 4401.
#include "broker.h"
#include "handlers/handlers.h"

namespace tether::broker {

void HandleLogout(Request& request) {
  Connection& connection = request.connection;
  std::string hash = connection.identity().token_hash;
  ConnectionRef ref = connection.ref();
  std::uint64_t re = request.id;
  connection.broker().OnStorage<protocol::Status>(
      [hash](storage::Store& store) { return store.RevokeToken(hash); },
      [ref, re](protocol::Status revoked) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!revoked.ok()) {
          c->ReplyError(re, protocol::Status::Internal("could not revoke the token"));
          return;
        }
        ConfirmAfterAudit(ref, re, c->NewAuditEvent(audit_action::kLogout, kOutcomeOk),
                          [re](Connection& done) {
                            done.Reply(re);
                            done.Close(CloseReason::kUnauthenticated);
                          });
      });
}

}  // namespace tether::broker
