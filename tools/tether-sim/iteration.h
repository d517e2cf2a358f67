// Iteration: one run of the scenario's actors, all on the runner's loop. It holds what the
// actors share — session labels, saved variables, the devices enrolled for this run,
// barriers — and ends when every actor has finished its steps, or at the first failure
// (the other actors stop where they are, so one broken expectation reports once instead
// of as a cascade of timeouts).
//
// Thread-safety: none; the loop's thread only.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "org_context.h"
#include "results.h"
#include "scenario.h"
#include "tether/client/client_context.h"

namespace tether::sim {

class ActorRun;
class Runner;

struct SessionLabel {
  std::string id;
  std::string key;  // attended sessions: the key the customer's agent joins with
};

class Iteration {
 public:
  Iteration(Runner& runner, int index);
  ~Iteration();
  Iteration(const Iteration&) = delete;
  Iteration& operator=(const Iteration&) = delete;

  void Start();
  int index() const { return index_; }
  Runner& runner() { return runner_; }
  const Scenario& scenario() const;
  const OrgContext& org() const;
  client::ClientContext& client_context();
  RunResults& results();
  bool stopping() const { return stopping_; }
  // Whether every connection closed after the end: the runner may then destroy it.
  bool closed() const;

  // Shared state. Setting any of it lets waiting actors look again.
  const SessionLabel* FindSession(const std::string& label) const;
  void DefineSession(const std::string& label, SessionLabel session);
  std::optional<std::string> DeviceId(const std::string& name) const;
  void DefineDevice(const std::string& name, const std::string& id);
  void SetVariable(const std::string& name, std::string value);
  void SetUserId(const std::string& user, const std::string& id);
  std::optional<std::string> UserId(const std::string& user) const;
  // How `user` logs in: the set-up's credentials, or for the support user those of the
  // latest grant (a grant_support_access step of this iteration, else the set-up's);
  // nullptr while none is known.
  const Credentials* CredentialsOf(const std::string& user) const;
  void SetSupportGrant(Credentials support);

  // "${user.tom}", "${group.Servers}", "${role.Night shift}", "${device.db-1}",
  // "${session.s1}", "${key.s1}", "${email.tom}", "${var.token}": every string inside
  // `value` with its references replaced; an unknown one is an error naming it.
  protocol::Result<Value> Interpolate(const Value& value) const;
  protocol::Result<std::string> InterpolateString(const std::string& text) const;

  // Barriers: `actor` reached its n-th `barrier: name`; open once every actor that has
  // that barrier in its steps reached it n times.
  void Arrive(const std::string& barrier, const std::string& actor);
  bool BarrierOpen(const std::string& barrier, const std::string& actor) const;

  void Record(StepRecord record);
  // An actor finished its steps (or failed: then the others stop).
  void ActorFinished(bool failed);
  // Something shared changed: every actor looks again at what it waits for.
  void Changed();
  void ConnectionClosed();

 private:
  std::optional<std::string> Lookup(const std::string& reference) const;
  void Stop();

  Runner& runner_;
  int index_;
  std::vector<std::unique_ptr<ActorRun>> actors_;
  std::map<std::string, SessionLabel> sessions_;
  std::map<std::string, std::string> device_ids_, variables_, user_ids_;
  std::optional<Credentials> support_;  // granted by a step of this iteration
  std::map<std::string, std::map<std::string, int>> arrivals_;  // barrier → actor → count
  std::map<std::string, std::vector<std::string>> barrier_members_;
  int unfinished_ = 0;
  int open_connections_ = 0;
  bool stopping_ = false;
  bool failed_ = false;
  bool notifying_ = false;
  bool changed_again_ = false;
};

}  // namespace tether::sim
