// Helpers for the access-model end-to-end tests: invite someone and accept for them.
#pragma once

#include <memory>
#include <string>

#include "broker_process.h"

namespace tether::e2e {

inline constexpr const char* kMemberPassword = "member-password-1";

// A request map: Req({{"t","org.get"}}).
inline protocol::Value Req(std::initializer_list<std::pair<std::string, protocol::Value>> fields) {
  return protocol::Value::MapOf(fields);
}
// The next event named `name`, skipping other messages; nil if none came in time.
protocol::Value NextEvent(client::BlockingClient& client, const std::string& name,
                          std::chrono::milliseconds wait = kWait);

// One request that must succeed; its answer.
protocol::Value Ok(client::BlockingClient& client, protocol::Value request);
// One request that must fail with `code`; its message.
std::string Refused(client::BlockingClient& client, protocol::Value request, protocol::ErrorCode code);

// `inviter` invites `email` with `role` (and `scope`, nil = all groups); the invitee
// accepts on a new connection and stays logged in on it.
std::unique_ptr<client::BlockingClient> InviteAndAccept(const BrokerProcess& broker, client::BlockingClient& inviter,
                                                        const std::string& email, const std::string& role,
                                                        protocol::Value scope = protocol::Value(),
                                                        protocol::Value* hello = nullptr);
// The invitation token for one invite.
std::string InviteToken(client::BlockingClient& inviter, const std::string& email, const std::string& role);
// The id of the user with `email`, from user.list.
std::string UserIdOf(client::BlockingClient& admin, const std::string& email);
// An active attended session: its controller, the customer's agent, the session id.
struct LiveSession {
  std::unique_ptr<client::BlockingClient> technician;
  std::unique_ptr<client::BlockingClient> agent;
  std::string id;
};
// `technician` (the owner, logged in now, when null) creates an attended session; an
// agent joins with its key and accepts; both state events have reached the technician.
LiveSession StartAttendedSession(const BrokerProcess& broker,
                                 std::unique_ptr<client::BlockingClient> technician = nullptr);

// A second organisation in the broker's database, with its Super Admin logged in.
std::unique_ptr<client::BlockingClient> SecondOrganisationOwner(const BrokerProcess& broker, const std::string& slug);

}  // namespace tether::e2e
