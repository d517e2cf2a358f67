// SessionRegistry: the live sessions and the indexes the hot paths need — by id, by
// attended key (waiting sessions), by device (its one controlled session), and by
// connection (every session a connection takes part in).
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sessions/session.h"

namespace tether::broker {

class SessionRegistry {
 public:
  Session& Add(std::unique_ptr<Session> session);
  // Forgets an ended session and every index entry pointing at it.
  void Remove(const std::string& session_id);

  Session* Find(const std::string& session_id);
  Session* FindByKey(const std::string& key);
  Session* FindByDevice(const std::string& device_id);
  // Sessions the connection takes part in (controller, agent or viewer).
  std::vector<Session*> ForConnection(std::uint64_t connection_id);
  std::vector<Session*> All();
  std::size_t size() const { return sessions_.size(); }

  // Keep the indexes in step with the session's fields.
  void IndexKey(Session& session);      // session.key set
  void UnindexKey(Session& session);    // key used or expired
  void IndexDevice(Session& session);   // session.device_id set
  void Attach(Session& session, std::uint64_t connection_id);
  void Detach(Session& session, std::uint64_t connection_id);

 private:
  std::unordered_map<std::string, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::string, std::string> by_key_;
  std::unordered_map<std::string, std::string> by_device_;
  std::unordered_map<std::uint64_t, std::set<std::string>> by_connection_;
};

}  // namespace tether::broker
