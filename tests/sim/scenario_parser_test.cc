// The scenario parser: what a good file becomes, and that a malformed one is refused with
// the file, the line and the reason.
#include "scenario_parser.h"

#include <gtest/gtest.h>

namespace tether::sim {
namespace {

std::string ErrorOf(const std::string& text) {
  auto parsed = ParseScenarioText(text, "s.yaml");
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : parsed.status().message();
}

const char* kGood = R"(name: good
org:
  plan: professional
  seats: 4
  preferences: {session_confirmation: true}
  groups:
    Servers: {department: IT}
  roles:
    Night: {privileges: [unattended_access]}
  users:
    tom: {role: technician, scope: [Servers]}
    sue: {role: Night, scope: {departments: [IT]}}
  devices:
    db-1: {group: Servers}
actors:
  tom:
    steps:
      - login
      - connect: db-1
        as: s1
        timeout: 2s
      - expect_output: {matches: "ok [0-9]+"}
        session: s1
      - request: {t: user.list}
        expect_error: permission_denied
  agent:
    kind: device_agent
    device: db-1
    output: {every: 100ms, bytes: 512}
    consent: manual
    steps:
      - consent: accept
audit:
  - session.created
  - {action: session.connect, outcome: denied, actor: tom}
)";

TEST(ScenarioParser, ReadsOrganisationActorsStepsAndAudit) {
  auto parsed = ParseScenarioText(kGood, "s.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const Scenario& s = *parsed;
  EXPECT_EQ(s.org.plan, "professional");
  EXPECT_EQ(s.org.seats, 4u);
  ASSERT_EQ(s.org.users.size(), 2u);
  EXPECT_EQ(s.org.users[0].scope_groups, std::vector<std::string>{"Servers"});
  EXPECT_FALSE(s.org.users[1].all_groups);
  EXPECT_EQ(s.org.users[1].scope_departments, std::vector<std::string>{"IT"});
  ASSERT_EQ(s.actors.size(), 2u);
  const ActorSpec& tom = s.actors[0];
  ASSERT_EQ(tom.steps.size(), 4u);
  EXPECT_EQ(tom.steps[1].kind, StepKind::kConnect);
  EXPECT_EQ(tom.steps[1].session, "s1");
  EXPECT_EQ(tom.steps[1].timeout, Millis(2000));
  EXPECT_EQ(tom.steps[1].line, 19);
  std::size_t end = 0;
  EXPECT_TRUE(tom.steps[2].match.Matches("xx ok 42 yy", &end));
  EXPECT_EQ(end, 8u);
  EXPECT_EQ(tom.steps[3].expect_error, ErrorCode::kPermissionDenied);
  EXPECT_EQ(s.actors[1].output.bytes, 512u);
  EXPECT_EQ(s.actors[1].consent, ConsentAnswer::kManual);
  ASSERT_EQ(s.audit.size(), 2u);
  EXPECT_EQ(s.audit[1].outcome, "denied");
}

const char* kSupport = R"(name: support
org:
  support_access: {until: 30d}
actors:
  ann:
    user: owner
    steps:
      - revoke_support_access
      - grant_support_access: 2d
      - extend_support_access: 36h
        expect_error: bad_request
  vendor:
    kind: support
    steps:
      - login
      - request: {t: user.update, user_id: "${user.support}", role: admin}
        expect_error: permission_denied
audit:
  - {action: support_access.revoke, actor: ann, support: false}
  - {action: user.update, actor: support, support: true}
)";

TEST(ScenarioParser, ReadsSupportAccessGrantActorsStepsAndAuditFlag) {
  auto parsed = ParseScenarioText(kSupport, "s.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const Scenario& s = *parsed;
  ASSERT_TRUE(s.org.support_access.has_value());
  EXPECT_EQ(s.org.support_access->until, Millis(30LL * 24 * 3600 * 1000));
  EXPECT_EQ(s.org.support_access->line, 3);
  EXPECT_TRUE(s.GrantsSupportAccess());
  const ActorSpec& ann = s.actors[0];
  ASSERT_EQ(ann.steps.size(), 3u);
  EXPECT_EQ(ann.steps[0].kind, StepKind::kRevokeSupportAccess);
  EXPECT_EQ(ann.steps[1].kind, StepKind::kGrantSupportAccess);
  EXPECT_EQ(ann.steps[1].number, 2LL * 24 * 3600 * 1000);
  EXPECT_EQ(ann.steps[2].kind, StepKind::kExtendSupportAccess);
  EXPECT_EQ(ann.steps[2].number, 36LL * 3600 * 1000);
  EXPECT_EQ(ann.steps[2].expect_error, ErrorCode::kBadRequest);
  const ActorSpec& vendor = s.actors[1];
  EXPECT_EQ(vendor.kind, ActorKind::kUser);
  EXPECT_TRUE(vendor.support);
  EXPECT_EQ(vendor.user, kSupportUser);
  ASSERT_EQ(s.audit.size(), 2u);
  EXPECT_EQ(s.audit[0].support, false);
  EXPECT_EQ(s.audit[1].support, true);
  EXPECT_EQ(s.audit[1].actor, "support");
}

TEST(ScenarioParser, AGrantStepAloneMakesTheSupportUserKnown) {
  auto parsed = ParseScenarioText(
      "name: x\nactors:\n  ann:\n    user: owner\n    steps:\n      - grant_support_access: 30d\n"
      "  vendor:\n    kind: support\n    steps:\n      - login\n",
      "s.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_FALSE(parsed->org.support_access.has_value());
  EXPECT_TRUE(parsed->GrantsSupportAccess());
}

TEST(ScenarioParser, YamlSyntaxErrorNamesFileAndLine) {
  std::string error = ErrorOf("name: x\nactors:\n  tom: {steps: [login\n");
  EXPECT_EQ(error.rfind("s.yaml:", 0), 0u) << error;
}

// Each malformed file and the exact "file:line: reason" it gets.
struct Malformed {
  const char* text;
  const char* error;
};

TEST(ScenarioParser, PauseIsAStepOfEveryoneWhoseDurationIsItsTimeout) {
  auto parsed = ParseScenarioText(
      "name: p\norg:\n  devices:\n    pc: {}\nactors:\n  tom:\n    user: owner\n    steps:\n      - pause: 90s\n"
      "  agent:\n    kind: device_agent\n    device: pc\n    steps:\n      - pause: 250ms\n",
      "s.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  for (const auto& actor : parsed->actors) {
    ASSERT_EQ(actor.steps.size(), 1u);
    EXPECT_EQ(actor.steps[0].kind, StepKind::kPause);
    EXPECT_EQ(actor.steps[0].timeout.count(), actor.name == "tom" ? 90'000 : 250);
  }
}

TEST(ScenarioParser, MalformedScenariosNameFileLineAndReason) {
  const Malformed cases[] = {
      {"actors: {}\n", "s.yaml:1: the scenario needs 'name'"},
      {"name: x\nactors: {}\nextra: 1\n",
       "s.yaml:3: unknown key 'extra' in the scenario (known: actors, audit, description, name, org)"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - fly: away\n",
       "s.yaml:6: no step name in this list item (steps: login, create_session, connect, ...)"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - teleport\n",
       "s.yaml:6: unknown step 'teleport'"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - create_session: s1\n      - end: s2\n",
       "s.yaml:7: step 'end': no step defines session 's2' (create_session or connect ... as)"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - login\n      - create_session: s1\n"
       "        timeout: soon\n",
       "s.yaml:8: step 'create_session': timeout must be a duration such as 500ms, 5s, 10m, 2h or 7d, not 'soon'"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - request: {t: org.get}\n"
       "        expect_error: nope\n",
       "s.yaml:7: step 'request': unknown error code 'nope'"},
      {"name: x\nactors:\n  cust:\n    kind: attended_agent\n    steps:\n      - login\n",
       "s.yaml:6: step 'login' is not a step of an attended agent"},
      {"name: x\nactors:\n  tom:\n    steps: []\n",
       "s.yaml:3: actor 'tom': user 'tom' is not in org: users (nor 'owner', nor accepting an invitation)"},
      {"name: x\norg:\n  users:\n    tom: {role: wizard}\nactors: {}\n", "s.yaml:4: user 'tom': no role 'wizard'"},
      {"name: x\norg:\n  plan: gold\nactors: {}\n",
       "s.yaml:3: org: plan must be free, standard, professional or enterprise"},
      {"name: x\norg:\n  support_access: {}\nactors: {}\n",
       "s.yaml:3: org: support_access needs 'until' (a duration after the broker's clock, e.g. 30d)"},
      {"name: x\norg:\n  support_access:\n    until: next week\nactors: {}\n",
       "s.yaml:4: org: support_access: until must be a duration such as 500ms, 5s, 10m, 2h or 7d, not 'next week'"},
      {"name: x\norg:\n  support_access: {until: 7d, password: x}\nactors: {}\n",
       "s.yaml:3: unknown key 'password' in org: support_access (known: until)"},
      {"name: x\norg:\n  users:\n    support: {role: admin}\nactors: {}\n",
       "s.yaml:4: 'support' is the hidden support user of support access; it needs no declaration"},
      {"name: x\nactors:\n  vendor:\n    kind: support\n    steps:\n      - login\n",
       "s.yaml:3: actor 'vendor' is a support actor, but nothing grants support access (org: support_access or a "
       "grant_support_access step)"},
      {"name: x\norg:\n  support_access: {until: 7d}\nactors:\n  vendor:\n    kind: support\n    user: owner\n",
       "s.yaml:7: actor 'vendor': 'user' does not apply to this kind of actor"},
      {"name: x\norg:\n  support_access: {until: 7d}\nactors:\n  vendor:\n    kind: support\n    steps:\n"
       "      - login: {token: true}\n",
       "s.yaml:8: step 'login': a support actor has no token from the set-up; it logs in with the grant's password"},
      {"name: x\nactors:\n  ann:\n    user: owner\n    steps:\n      - grant_support_access\n",
       "s.yaml:6: step 'grant_support_access' needs an argument"},
      {"name: x\nactors:\n  ann:\n    user: owner\n    steps:\n      - extend_support_access: later\n",
       "s.yaml:6: step 'extend_support_access' (until, after the broker's clock) must be a duration such as 500ms, "
       "5s, 10m, 2h or 7d, not 'later'"},
      {"name: x\nactors:\n  ann:\n    user: owner\n    steps:\n      - revoke_support_access: 3d\n",
       "s.yaml:6: step 'revoke_support_access' takes no argument"},
      {"name: x\nactors:\n  cust:\n    kind: attended_agent\n    steps:\n      - revoke_support_access\n",
       "s.yaml:6: step 'revoke_support_access' is not a step of an attended agent"},
      {"name: x\nactors: {}\naudit:\n  - {action: a.b, support: maybe}\n",
       "s.yaml:4: audit: support must be true or false"},
      {"name: x\nactors: {}\naudit:\n  - {action: a.b, actor: support}\n",
       "s.yaml:4: audit: 'support' is no actor, user or device of this scenario"},
      {"name: x\nactors:\n  a:\n    kind: device_agent\n    device: nowhere\n",
       "s.yaml:3: actor 'a': device 'nowhere' is not in org: devices"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - expect_output: {matches: \"(\"}\n"
       "        session: s1\n",
       "s.yaml:6: step 'expect_output': not a regular expression: "},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - barrier: b\n        expect_error: conflict\n",
       "s.yaml:7: step 'barrier' sends nothing to refuse: no expect_error"},
      {"name: x\nactors:\n  tom:\n    user: owner\n    steps:\n      - pause: 1s\n        timeout: 2s\n",
       "s.yaml:7: step 'pause' is its own timeout"},
      {"name: x\nactors: {}\naudit:\n  - {action: a.b, actor: ghost}\n",
       "s.yaml:4: audit: 'ghost' is no actor, user or device of this scenario"},
      // Found by fuzz/fuzz_scenario_parser: amount × unit overflowed int64 (UBSan).
      {"name: x\nactors: {a: {user: owner, steps: [{advance_clock: 9999999999999999d}]}}\n",
       "s.yaml:2: step 'advance_clock' must be at most 106751991167d (2^63 ms), not '9999999999999999d'"},
  };
  for (const auto& c : cases) {
    std::string error = ErrorOf(c.text);
    EXPECT_EQ(error.substr(0, std::string(c.error).size()), c.error) << c.text;
  }
}

}  // namespace
}  // namespace tether::sim
