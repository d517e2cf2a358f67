#include "arena.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace tether::e2e {

BrokerOptions ArenaOptions(const std::string& extra_toml) {
  return BrokerOptions().Config(
      "login_failures_per_account = 100000\nlogin_failures_per_address = 100000\n"
      "key_guesses_per_address = 100000\n" + extra_toml);
}

Arena::Arena(BrokerOptions options) : broker_(std::make_unique<BrokerProcess>(std::move(options))) {
  owner_ = LoggedInOwner(*broker_);
  bystander_ = LoggedInOwner(*broker_);
}

Arena::~Arena() = default;

void Arena::ExpectBystanderServed(const std::string& after_row) {
  auto answer = bystander_->Call(protocol::Value::MapOf({{"t", "org.get"}}), kWait);
  EXPECT_TRUE(answer.ok()) << "after " << after_row << ": " << answer.status().ToString();
}

void Arena::ExpectAudited(std::int64_t chain, std::string action, std::string outcome) {
  expected_.push_back({chain, std::move(action), std::move(outcome)});
}

void Arena::ExpectAuditIntact() {
  owner_.reset();
  bystander_.reset();
  ASSERT_EQ(broker_->Stop(), 0) << broker_->log();
  std::string output;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker_->db_path()}, "", &output), 0) << output;
  using Key = std::tuple<std::int64_t, std::string, std::string>;
  std::map<Key, int> wanted, found;
  for (const ExpectedAuditEvent& e : expected_) ++wanted[{e.chain, e.action, e.outcome}];
  for (std::int64_t chain : {0, 1, 2}) {
    for (const AuditRow& row : ReadAuditChain(broker_->db_path(), chain)) ++found[{chain, row.action, row.outcome}];
  }
  for (const auto& [key, count] : wanted) {
    EXPECT_GE(found[key], count) << "chain " << std::get<0>(key) << ": " << std::get<1>(key) << " "
                                 << std::get<2>(key);
  }
}

}  // namespace tether::e2e
