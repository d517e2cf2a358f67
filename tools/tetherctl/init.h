// `tetherctl init`: creates an organisation and its Super Admin directly in the database
// (the bootstrap step before any broker is running or anyone can log in).
#pragma once

#include <cstdint>
#include <string>

#include "tether/protocol/status.h"

namespace tether::tools {

struct InitOptions {
  std::string db_path;
  std::string slug;
  std::string name;
  std::string admin_email;
  std::string admin_password;
  std::string admin_name = "Super Admin";
  std::string plan = "professional";
  std::uint32_t seats = 10;
};

// Checks every option (slug shape, email, password length, plan) before touching the
// database; refuses an existing slug with conflict. Audited as `org.create` on the new
// organisation's chain.
protocol::Status InitOrganisation(const InitOptions& options, std::int64_t now_ms);

}  // namespace tether::tools
