// Invite-and-accept and friends.
#include "access_helpers.h"

#include <gtest/gtest.h>

namespace tether::e2e {

using protocol::Value;

Value NextEvent(client::BlockingClient& client, const std::string& name, std::chrono::milliseconds wait) {
  for (int i = 0; i < 50; ++i) {
    auto message = client.NextMessage(wait);
    if (!message.ok()) return {};
    const Value* event = message->Find("event");
    if (event && event->is_string() && event->as_string() == name) return *message;
  }
  return {};
}

Value Ok(client::BlockingClient& client, Value request) {
  std::string what = request.ToJson();
  auto reply = client.Call(std::move(request), kWait);
  EXPECT_TRUE(reply.ok()) << what << " → " << reply.status().ToString();
  return reply.ok() ? *reply : Value::MakeMap();
}

std::string Refused(client::BlockingClient& client, Value request, protocol::ErrorCode code) {
  std::string what = request.ToJson();
  auto reply = client.Call(std::move(request), kWait);
  EXPECT_FALSE(reply.ok()) << what << " was allowed";
  if (reply.ok()) return {};
  EXPECT_EQ(reply.status().code(), code) << what << " → " << reply.status().ToString();
  return reply.status().message();
}

std::string InviteToken(client::BlockingClient& inviter, const std::string& email, const std::string& role) {
  Value invite = Value::MapOf({{"email", email}, {"role", role}});
  Value reply = Ok(inviter, Value::MapOf({{"t", "user.invite"}, {"invites", Value(Value::Array{invite})}}));
  const Value* list = reply.Find("invitations");
  if (list == nullptr || list->as_array().empty()) return {};
  return list->as_array()[0].Find("token")->as_string();
}

std::unique_ptr<client::BlockingClient> InviteAndAccept(const BrokerProcess& broker, client::BlockingClient& inviter,
                                                        const std::string& email, const std::string& role,
                                                        Value scope, Value* hello) {
  Value invite = Value::MapOf({{"email", email}, {"role", role}, {"scope", std::move(scope)}});
  Value reply = Ok(inviter, Value::MapOf({{"t", "user.invite"}, {"invites", Value(Value::Array{invite})}}));
  const Value* list = reply.Find("invitations");
  if (list == nullptr || list->as_array().empty()) return nullptr;
  std::string token = list->as_array()[0].Find("token")->as_string();
  auto invitee = Connect(broker);
  auto accepted = invitee->Hello(
      Value::MapOf({{"kind", "invite"}, {"token", token}, {"name", "Member " + email}, {"password", kMemberPassword}}),
      kWait);
  EXPECT_TRUE(accepted.ok()) << accepted.status().ToString();
  if (hello && accepted.ok()) *hello = *accepted;
  return invitee;
}

std::string UserIdOf(client::BlockingClient& admin, const std::string& email) {
  Value users = Ok(admin, Value::MapOf({{"t", "user.list"}}));
  const Value* list = users.Find("users");
  if (list == nullptr) return {};
  for (const Value& user : list->as_array()) {
    if (user.Find("email")->as_string() == email) return user.Find("id")->as_string();
  }
  ADD_FAILURE() << email << " is not listed";
  return {};
}

LiveSession StartAttendedSession(const BrokerProcess& broker, std::unique_ptr<client::BlockingClient> technician) {
  LiveSession live;
  live.technician = technician ? std::move(technician) : LoggedInOwner(broker);
  Value created = Ok(*live.technician, Value::MapOf({{"t", "session.create"}, {"mode", "attended"}}));
  live.id = created.Find("session_id")->as_string();
  live.agent = Connect(broker);
  EXPECT_TRUE(live.agent->Hello(Value::MapOf({{"kind", "session_key"}, {"key", created.Find("key")->as_string()},
                                              {"name", "Customer"}}), kWait).ok());
  NextEvent(*live.agent, "session.request");
  Ok(*live.agent, Value::MapOf({{"t", "session.consent"}, {"session_id", live.id}, {"accept", true}}));
  NextEvent(*live.technician, "session.state");
  NextEvent(*live.technician, "session.state");
  return live;
}

std::unique_ptr<client::BlockingClient> SecondOrganisationOwner(const BrokerProcess& broker, const std::string& slug) {
  std::string out;
  int rc = RunProgram({TETHER_CTL_BIN, "init", "--db", broker.db_path(), "--org", slug, "--name", "Org " + slug,
                       "--admin-email", "owner@" + slug + ".test"},
                      std::string(kOwnerPassword) + "\n", &out);
  EXPECT_EQ(rc, 0) << out;
  auto client = Connect(broker);
  auto hello = client->Hello(PasswordAuth(slug, "owner@" + slug + ".test"), kWait);
  EXPECT_TRUE(hello.ok()) << hello.status().ToString();
  return client;
}

}  // namespace tether::e2e
