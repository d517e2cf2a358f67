// Arena: one broker shared by the rows of a table-driven attack test (starting a broker
// per row would make the suites slow), a healthy client connected beside the attacks
// that must keep being served after every row, and the audit events the rows must have
// left — checked at the end, with the broker stopped, against the chain that
// `tetherctl audit verify` accepts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "access_helpers.h"

namespace tether::e2e {

// No rate limit trips during a suite whose rows all come from 127.0.0.1.
BrokerOptions ArenaOptions(const std::string& extra_toml = "");

// A well-formed transfer id and SHA-256 (of nothing) for file.begin / file.end rows.
inline constexpr const char* kTransferId = "0123456789abcdef0123456789abcdef";
inline constexpr const char* kSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct ExpectedAuditEvent {
  std::int64_t chain;  // 1: the first organisation (acme); 0: the system chain
  std::string action, outcome;
};

class Arena {
 public:
  explicit Arena(BrokerOptions options = ArenaOptions());
  ~Arena();

  BrokerProcess& broker() { return *broker_; }
  // The organisation's Super Admin, logged in on a connection of its own.
  client::BlockingClient& owner() { return *owner_; }

  // The bystander (a second connection of the owner) is still answered: call after a row.
  void ExpectBystanderServed(const std::string& after_row);
  void ExpectAudited(std::int64_t chain, std::string action, std::string outcome);
  // Stops the broker; the whole database verifies and every expected event is there
  // (as many of each action and outcome as were expected, at least).
  void ExpectAuditIntact();

 private:
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<client::BlockingClient> owner_;
  std::unique_ptr<client::BlockingClient> bystander_;
  std::vector<ExpectedAuditEvent> expected_;
};

}  // namespace tether::e2e
