// Indexes over the live sessions.
#include "sessions/session_registry.h"

namespace tether::broker {

Session& SessionRegistry::Add(std::unique_ptr<Session> session) {
  Session& added = *session;
  sessions_[added.id] = std::move(session);
  return added;
}

void SessionRegistry::Remove(const std::string& session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  Session& session = *it->second;
  UnindexKey(session);
  auto device = by_device_.find(session.device_id);
  if (device != by_device_.end() && device->second == session_id) by_device_.erase(device);
  for (auto conn = by_connection_.begin(); conn != by_connection_.end();) {
    conn->second.erase(session_id);
    conn = conn->second.empty() ? by_connection_.erase(conn) : std::next(conn);
  }
  sessions_.erase(it);
}

Session* SessionRegistry::Find(const std::string& session_id) {
  auto it = sessions_.find(session_id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

Session* SessionRegistry::FindByKey(const std::string& key) {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : Find(it->second);
}

Session* SessionRegistry::FindByDevice(const std::string& device_id) {
  auto it = by_device_.find(device_id);
  return it == by_device_.end() ? nullptr : Find(it->second);
}

std::vector<Session*> SessionRegistry::ForConnection(std::uint64_t connection_id) {
  std::vector<Session*> out;
  auto it = by_connection_.find(connection_id);
  if (it == by_connection_.end()) return out;
  for (const std::string& id : it->second) {
    if (Session* s = Find(id)) out.push_back(s);
  }
  return out;
}

std::vector<Session*> SessionRegistry::All() {
  std::vector<Session*> out;
  out.reserve(sessions_.size());
  for (auto& [id, session] : sessions_) out.push_back(session.get());
  return out;
}

void SessionRegistry::IndexKey(Session& session) { by_key_[session.key] = session.id; }

void SessionRegistry::UnindexKey(Session& session) {
  if (session.key.empty()) return;
  auto it = by_key_.find(session.key);
  if (it != by_key_.end() && it->second == session.id) by_key_.erase(it);
  session.key.clear();
}

void SessionRegistry::IndexDevice(Session& session) { by_device_[session.device_id] = session.id; }

void SessionRegistry::Attach(Session& session, std::uint64_t connection_id) {
  if (connection_id != 0) by_connection_[connection_id].insert(session.id);
}

void SessionRegistry::Detach(Session& session, std::uint64_t connection_id) {
  auto it = by_connection_.find(connection_id);
  if (it == by_connection_.end()) return;
  it->second.erase(session.id);
  if (it->second.empty()) by_connection_.erase(it);
}

}  // namespace tether::broker
