// AuthorizeRecordingView (recording.get): `reports` sees recordings of sessions in
// scope, `reports_own` only of sessions the actor controlled; no privilege is refused
// before anything about the session is said; another organisation's session is not_found.
#include <gtest/gtest.h>

#include "policy_cases.h"

namespace tether::broker::policy::testing {
namespace {

SessionFacts Unattended(std::int64_t controller_id, std::int64_t group, std::int64_t org_id = kOrg) {
  SessionFacts facts;
  facts.org_id = org_id;
  facts.attended = false;
  facts.controller_id = controller_id;
  facts.device_group = group;
  return facts;
}

// "ok", or the refusal's code.
std::string Decision(const Actor& actor, const SessionFacts& session) {
  protocol::Status status = AuthorizeRecordingView(actor, session);
  return status.ok() ? "ok" : std::string(protocol::WireName(status.code()));
}

TEST(PolicyRecording, ReportsSeesSessionsInScope) {
  Actor admin = Admin();
  EXPECT_EQ(Decision(admin, Unattended(99, 5)), "ok");
  admin.scope = Chosen({6});
  EXPECT_EQ(Decision(admin, Unattended(99, 5)), "permission_denied") << "out of scope";
  EXPECT_EQ(Decision(admin, Unattended(99, 6)), "ok");
  EXPECT_EQ(Decision(SupportUser(), Unattended(99, 5)), "ok") << "viewing is no export";
}

TEST(PolicyRecording, ReportsOwnSeesOnlySessionsTheActorControlled) {
  Actor technician = Technician();  // holds reports_own
  EXPECT_EQ(Decision(technician, Unattended(technician.user_id, 5)), "ok");
  EXPECT_EQ(Decision(technician, Unattended(99, 5)), "permission_denied");
}

TEST(PolicyRecording, WithoutAReportsPrivilegeEverythingIsPermissionDenied) {
  Actor nobody = Custom({Privilege::kRemoteSupport});
  EXPECT_EQ(Decision(nobody, Unattended(nobody.user_id, 5)), "permission_denied");
  EXPECT_EQ(Decision(nobody, Unattended(99, 5, kOtherOrg)), "permission_denied");
}

TEST(PolicyRecording, AnotherOrganisationsSessionIsNotFound) {
  EXPECT_EQ(Decision(SuperAdmin(), Unattended(7, 5, kOtherOrg)), "not_found");
  EXPECT_EQ(Decision(Technician(), Unattended(7, 5, kOtherOrg)), "not_found");
}

}  // namespace
}  // namespace tether::broker::policy::testing
