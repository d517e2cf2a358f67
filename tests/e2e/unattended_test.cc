// End to end: unattended devices over the real broker — deployment keys, enrolment,
// device hello, session.connect with scope and online checks, resume after a drop,
// rotation, deletion and wake-on-LAN. The devices here speak the protocol directly;
// the real tether-agent has its own tests.
#include <gtest/gtest.h>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;



struct Device {
  std::unique_ptr<client::BlockingClient> connection;
  std::string id;
  std::string secret;
};

Device Enrol(const BrokerProcess& broker, const std::string& key, const std::string& name, const std::string& mac = "") {
  Device device;
  device.connection = Connect(broker);
  Value auth = Value::MapOf({{"kind", "enroll"}, {"deployment_key", key}, {"name", name}, {"os", "linux"}});
  if (!mac.empty()) auth.Set("mac", mac);
  auto enrolled = device.connection->Hello(auth, kWait);
  EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  if (!enrolled.ok()) return device;
  device.id = enrolled->Find("device_id")->as_string();
  device.secret = enrolled->Find("secret")->as_string();
  EXPECT_EQ(device.secret.size(), 64u);
  return device;
}

std::unique_ptr<client::BlockingClient> DeviceLogin(const BrokerProcess& broker, const Device& device) {
  auto connection = Connect(broker);
  auto hello = connection->Hello(Value::MapOf({{"kind", "device"}, {"device_id", device.id}, {"secret", device.secret}}), kWait);
  EXPECT_TRUE(hello.ok()) << hello.status().ToString();
  return connection;
}

struct Fleet {
  std::unique_ptr<client::BlockingClient> owner;
  std::string group;
  std::string key;
};

Fleet MakeFleet(const BrokerProcess& broker) {
  Fleet fleet;
  fleet.owner = LoggedInOwner(broker);
  fleet.group = Ok(*fleet.owner, Req({{"t", "group.create"}, {"name", "Servers"}})).Find("group_id")->as_string();
  fleet.key = Ok(*fleet.owner, Req({{"t", "deploy_key.create"}, {"group_id", fleet.group}})).Find("deployment_key")->as_string();
  return fleet;
}

TEST(Unattended, EnrolledDeviceIsListedOnlineAndConnectsWithoutConsentByDefault) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "db-1");
  Value devices = Ok(*fleet.owner, Req({{"t", "device.list"}}));
  ASSERT_EQ(devices.Find("devices")->as_array().size(), 1u);
  const Value& listed = devices.Find("devices")->as_array()[0];
  EXPECT_EQ(listed.Find("device_id")->as_string(), device.id);
  EXPECT_TRUE(listed.Find("online")->as_bool());
  EXPECT_EQ(listed.Find("group_id")->as_string(), fleet.group);
  std::string session = Ok(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", device.id}})).Find("session_id")->as_string();
  Value request = NextEvent(*device.connection, "session.request");
  EXPECT_FALSE(request.Find("consent_required")->as_bool());
  EXPECT_EQ(NextEvent(*fleet.owner, "session.state").Find("state")->as_string(), "active");
  Refused(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", device.id}}), ErrorCode::kDeviceBusy);
}

TEST(Unattended, DeviceMovesToAGroupAndBackToTheDefaultGroup) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "db-1");
  auto group_of = [&] {
    Value devices = Ok(*fleet.owner, Req({{"t", "device.list"}}));
    return devices.Find("devices")->as_array().at(0).Find("group_id")->as_string();
  };
  std::string other = Ok(*fleet.owner, Req({{"t", "group.create"}, {"name", "Laptops"}})).Find("group_id")->as_string();
  Ok(*fleet.owner, Req({{"t", "device.move"}, {"device_id", device.id}, {"group_id", other}}));
  EXPECT_EQ(group_of(), other);
  Ok(*fleet.owner, Req({{"t", "device.move"}, {"device_id", device.id}, {"group_id", "0"}}));
  EXPECT_EQ(group_of(), "0");
  Refused(*fleet.owner, Req({{"t", "device.move"}, {"device_id", device.id}, {"group_id", "-1"}}), ErrorCode::kBadRequest);
  Refused(*fleet.owner, Req({{"t", "device.move"}, {"device_id", device.id}, {"group_id", "999"}}), ErrorCode::kNotFound);
}

TEST(Unattended, SessionConfirmationMakesTheAgentAsk) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Ok(*fleet.owner, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"session_confirmation", true}})}}));
  Device device = Enrol(broker, fleet.key, "pc-1");
  Ok(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", device.id}}));
  EXPECT_TRUE(NextEvent(*device.connection, "session.request").Find("consent_required")->as_bool());
  EXPECT_EQ(NextEvent(*fleet.owner, "session.state").Find("state")->as_string(), "consent");
}

TEST(Unattended, AGroupMayRequireConsentForItsDevicesAlone) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Value updated = Ok(*fleet.owner, Req({{"t", "group.update"}, {"group_id", fleet.group}, {"session_confirmation", true}}));
  EXPECT_TRUE(updated.Find("group")->Find("session_confirmation")->as_bool());
  Device guarded = Enrol(broker, fleet.key, "guarded");
  Ok(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", guarded.id}}));
  EXPECT_TRUE(NextEvent(*guarded.connection, "session.request").Find("consent_required")->as_bool());
  // A device of the default group is not affected.
  std::string open_key = Ok(*fleet.owner, Req({{"t", "deploy_key.create"}, {"group_id", "0"}})).Find("deployment_key")->as_string();
  Device open = Enrol(broker, open_key, "open");
  Ok(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", open.id}}));
  EXPECT_FALSE(NextEvent(*open.connection, "session.request").Find("consent_required")->as_bool());
}

TEST(Unattended, IdleSessionEndsAfterTheConfiguredTimeout) {
  BrokerProcess broker(BrokerOptions().Config("idle_timeout_ms = 600000\n"));
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "idle");
  Ok(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", device.id}}));
  NextEvent(*fleet.owner, "session.state");
  Ok(*fleet.owner, Req({{"t", "test.clock.advance"}, {"ms", 600'001}}));
  EXPECT_EQ(NextEvent(*fleet.owner, "session.ended").Find("reason")->as_string(), "idle_timeout");
}

TEST(Unattended, DeviceOutsideTheTechniciansScopeIsRefused) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "secret-server");
  std::string other = Ok(*fleet.owner, Req({{"t", "group.create"}, {"name", "Laptops"}})).Find("group_id")->as_string();
  Value scope = Value::MapOf({{"groups", Value(Value::Array{other})}, {"departments", Value::MakeArray()}});
  auto tech = InviteAndAccept(broker, *fleet.owner, "narrow@acme.test", "technician", scope);
  Refused(*tech, Req({{"t", "session.connect"}, {"device_id", device.id}}), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Ok(*tech, Req({{"t", "device.list"}})).Find("devices")->as_array().empty());
}

TEST(Unattended, OfflineDeviceIsDeviceOffline) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "sleeper");
  device.connection.reset();
  bool offline = false;
  for (int i = 0; i < 50 && !offline; ++i) {
    auto reply = fleet.owner->Call(Req({{"t", "session.connect"}, {"device_id", device.id}}), kWait);
    offline = !reply.ok() && reply.status().code() == ErrorCode::kDeviceOffline;
  }
  EXPECT_TRUE(offline);
}

TEST(Unattended, AgentThatComesBackWithinTheGraceResumesTheSession) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "flaky");
  Ok(*fleet.owner, Req({{"t", "session.connect"}, {"device_id", device.id}}));
  NextEvent(*device.connection, "session.request");
  device.connection.reset();  // the agent dies
  auto back = DeviceLogin(broker, device);
  Value resumed = NextEvent(*back, "session.request");
  EXPECT_TRUE(resumed.Find("resumed")->as_bool());
  // Gone for longer than the grace: the session ends with agent_left.
  back.reset();
  Ok(*fleet.owner, Req({{"t", "test.clock.advance"}, {"ms", 30'001}}));
  EXPECT_EQ(NextEvent(*fleet.owner, "session.ended").Find("reason")->as_string(), "agent_left");
}

TEST(Unattended, WrongSecretAndUnknownDeploymentKeyAreRefused) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device device = Enrol(broker, fleet.key, "x");
  auto impostor = Connect(broker);
  auto reply = impostor->Hello(Value::MapOf({{"kind", "device"}, {"device_id", device.id}, {"secret", std::string(64, 'f')}}), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnauthenticated);
  auto stranger = Connect(broker);
  auto enrol = stranger->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", "dk_nope"}, {"name", "n"}, {"os", "linux"}}), kWait);
  ASSERT_FALSE(enrol.ok());
  EXPECT_EQ(enrol.status().code(), ErrorCode::kUnauthenticated);
}

TEST(Unattended, DeletedDeviceIsClosedWith4403AndRotatedSecretReplacesTheOld) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device rotated = Enrol(broker, fleet.key, "rot");
  std::string fresh = Ok(*fleet.owner, Req({{"t", "device.rotate_secret"}, {"device_id", rotated.id}})).Find("secret")->as_string();
  EXPECT_EQ(rotated.connection->WaitClosed(kWait)->code, 4403);
  auto old = Connect(broker);
  EXPECT_FALSE(old->Hello(Value::MapOf({{"kind", "device"}, {"device_id", rotated.id}, {"secret", rotated.secret}}), kWait).ok());
  rotated.secret = fresh;
  auto renewed = DeviceLogin(broker, rotated);
  Ok(*fleet.owner, Req({{"t", "device.delete"}, {"device_id", rotated.id}}));
  EXPECT_EQ(renewed->WaitClosed(kWait)->code, 4403);
}

TEST(Unattended, WakeOnLanGoesThroughAnOnlineAgentOfTheSameGroup) {
  BrokerProcess broker;
  Fleet fleet = MakeFleet(broker);
  Device sleeper = Enrol(broker, fleet.key, "sleeper", "aa:bb:cc:dd:ee:ff");
  Device waker = Enrol(broker, fleet.key, "waker");
  sleeper.connection.reset();
  bool sent = false;
  for (int i = 0; i < 50 && !sent; ++i) sent = fleet.owner->Call(Req({{"t", "device.wake"}, {"device_id", sleeper.id}}), kWait).ok();
  ASSERT_TRUE(sent);
  Value wake = NextEvent(*waker.connection, "device.wake_request");
  EXPECT_EQ(wake.Find("mac")->as_string(), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(wake.Find("port")->as_uint(), 9u);
}

}  // namespace
}  // namespace tether::e2e
