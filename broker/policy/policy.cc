// The rules of POLICY.md as a table: each action names the privilege it needs and
// whether a support user is barred from it whatever its privileges.
#include "policy/policy.h"

#include <optional>
#include <string_view>

namespace tether::broker::policy {
namespace {

struct Rule {
  Action action;
  std::optional<Privilege> needs;  // nullopt: any user of the organisation
  bool barred_for_support_user;    // POLICY.md "Support access" restriction list
  std::string_view what;           // for the refusal message
};

constexpr Rule kRules[] = {
    {Action::kOrgGet, std::nullopt, false, "read the organisation"},
    {Action::kOrgChangeName, Privilege::kPreferences, true, "change organisation details"},
    {Action::kOrgChangePlanOrSeats, Privilege::kSubscription, true, "change the plan or seats"},
    {Action::kOrgChangePreferences, Privilege::kPreferences, false, "change preferences"},
    {Action::kOrgChangeTwoFactorPolicy, Privilege::kTwoFactorAuth, false,
     "change the two-factor policy"},
    {Action::kOrgChangeSessionConfirmation, Privilege::kSessionConfirmation, false,
     "decide whether sessions need the end user's consent"},
};

const Rule* FindRule(Action action) {
  for (const Rule& rule : kRules) {
    if (rule.action == action) return &rule;
  }
  return nullptr;
}

}  // namespace

protocol::Status Authorize(const Actor& actor, Action action) {
  const Rule* rule = FindRule(action);
  if (rule == nullptr) return protocol::Status::Internal("no policy rule for this action");
  if (actor.support_user && rule->barred_for_support_user) {
    return protocol::Status::PermissionDenied("a support user may not " + std::string(rule->what));
  }
  if (rule->needs && !Has(actor.privileges, *rule->needs)) {
    return protocol::Status::PermissionDenied("you need the privilege '" +
                                              std::string(WireName(*rule->needs)) + "' to " +
                                              std::string(rule->what));
  }
  return protocol::Status::Ok();
}

}  // namespace tether::broker::policy
