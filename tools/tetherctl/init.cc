// Bootstrap of an organisation: validation, the Super Admin, the first audit event.
#include "tetherctl/init.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "auth/password.h"
#include "policy/preferences.h"
#include "policy/privileges.h"
#include "tether/storage/store.h"

namespace tether::tools {
namespace {

using protocol::Status;

bool ValidSlug(const std::string& slug) {
  if (slug.empty() || slug.size() > 63 || slug.front() == '-' || slug.back() == '-') return false;
  return std::all_of(slug.begin(), slug.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-';
  });
}

bool PlausibleEmail(const std::string& email) {
  auto at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() && email.find('@', at + 1) == std::string::npos &&
         email.size() <= 254 && email.find_first_of(" \t\r\n") == std::string::npos;
}

Status Validate(const InitOptions& o) {
  if (!ValidSlug(o.slug)) return Status::BadRequest("--org must be 1-63 of a-z, 0-9 and '-', e.g. 'acme'");
  if (o.name.empty() || o.name.size() > 200) return Status::BadRequest("--name must be 1 to 200 characters");
  if (!PlausibleEmail(o.admin_email)) return Status::BadRequest("--admin-email is not an email address");
  if (o.admin_password.size() < broker::auth::kMinPasswordLength) {
    return Status::BadRequest("the admin password must be at least " +
                              std::to_string(broker::auth::kMinPasswordLength) + " characters");
  }
  if (!broker::policy::IsKnownPlan(o.plan)) {
    return Status::BadRequest("--plan must be free, standard, professional or enterprise");
  }
  if (o.seats < 1) return Status::BadRequest("--seats must be at least 1 (the Super Admin takes one)");
  return Status::Ok();
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

Status InitOrganisation(const InitOptions& options, std::int64_t now_ms) {
  Status valid = Validate(options);
  if (!valid.ok()) return valid;
  std::filesystem::path db(options.db_path);
  std::error_code ignored;
  if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path(), ignored);
  auto store = storage::OpenSqliteStore(options.db_path);
  if (!store.ok()) return store.status();
  auto hash = broker::auth::HashPassword(options.admin_password);
  if (!hash.ok()) return hash.status();

  storage::Organization org;
  org.slug = options.slug;
  org.name = options.name;
  org.plan = options.plan;
  org.seats = options.seats;
  org.created_at = now_ms;
  auto created = (*store)->CreateOrganization(org);
  if (!created.ok()) return created.status();

  storage::User admin;
  admin.org_id = created->id;
  admin.email = Lowercase(options.admin_email);
  admin.name = options.admin_name;
  admin.role_id = std::string(broker::policy::kSuperAdminRole);
  admin.password_hash = *hash;
  admin.created_at = now_ms;
  auto user = (*store)->CreateUser(admin);
  if (!user.ok()) return user.status();

  std::vector<storage::AuditEvent> events(1);
  storage::AuditEvent& event = events[0];
  event.chain = created->id;
  event.time = now_ms;
  event.actor_kind = "system";
  event.actor_id = "tetherctl";
  event.action = "org.create";
  event.target = created->slug;
  event.outcome = "ok";
  event.details = protocol::Value::MapOf({{"plan", org.plan},
                                          {"seats", org.seats},
                                          {"super_admin", std::to_string(user->id)},
                                          {"email", admin.email}});
  return (*store)->AppendAudit(events);
}

}  // namespace tether::tools
