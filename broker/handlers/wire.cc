// Stored records to wire maps.
#include "handlers/wire.h"

#include "policy/preferences.h"

namespace tether::broker {

using protocol::Value;

Value UserToWire(const storage::User& user) {
  return Value::MapOf({{"id", std::to_string(user.id)},
                       {"email", user.email},
                       {"name", user.name},
                       {"role", user.role_id},
                       {"hidden", user.hidden}});
}

Value OrgToWire(const storage::Organization& org, std::uint32_t seats_used) {
  return Value::MapOf({{"slug", org.slug},
                       {"name", org.name},
                       {"plan", org.plan},
                       {"seats", org.seats},
                       {"seats_used", seats_used},
                       {"preferences", policy::EffectivePreferences(org.preferences)}});
}

}  // namespace tether::broker
