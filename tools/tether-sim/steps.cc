// What each step does and when it holds (docs/scenarios.md "Steps").
#include "actor_run.h"

#include "runner.h"
#include "tether/protocol/data_frame.h"

namespace tether::sim {
namespace {

std::string Scalar(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int()) return std::to_string(v.as_int());
  return v.ToJson();
}

Value Hello(Value auth) { return Value::MapOf({{"t", "hello"}, {"proto", 1}, {"auth", std::move(auth)}}); }

// A dotted path into a reply: "invitations.0.token".
const Value* AtPath(const Value& root, const std::string& path) {
  const Value* at = &root;
  std::size_t start = 0;
  while (at && start <= path.size()) {
    auto dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (at->is_array()) {
      std::size_t index = 0;
      try {
        index = std::stoul(part);
      } catch (const std::exception&) {
        return nullptr;
      }
      at = index < at->as_array().size() ? &at->as_array()[index] : nullptr;
    } else {
      at = at->Find(part);
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at;
}

}  // namespace

// A reference not known yet (another actor will save or define it) is waited for, up to
// the step's timeout; a malformed one fails at once.
std::optional<ActorRun::Outcome> ActorRun::Unresolved(const protocol::Status& status) {
  if (status.code() != protocol::ErrorCode::kNotFound) return Outcome{false, "well-formed references", status.message()};
  current_->waiting_for = "a reference to be known: " + status.message();
  return std::nullopt;
}

std::optional<ActorRun::Outcome> ActorRun::Check() {
  switch (current_->step->kind) {
    case StepKind::kPause:
      return std::nullopt;  // holds when its timer runs out (OnTimeout)
    case StepKind::kExpectEvent:
    case StepKind::kExpectClosed:
    case StepKind::kBarrier:
    case StepKind::kDisconnect:
      return CheckWaitStep();
    case StepKind::kInput:
    case StepKind::kOutput:
    case StepKind::kExpectOutput:
    case StepKind::kExpectInput:
      return CheckDataStep();
    default:
      return CheckRequestStep();
  }
}

void ActorRun::SendRequest(Value request) {
  current_->sent = true;
  if (!connection_) {
    current_->reply = protocol::Result<Value>(protocol::Status::Internal("not connected: " + DescribeRecent()));
    return;
  }
  // The reply callback may run after this step was given up (timeout): it then finds
  // another step, or none, and must leave it alone.
  const Step* step = current_->step;
  connection_->Request(std::move(request), [this, step](protocol::Result<Value> reply) {
    if (!current_ || current_->step != step) return;
    current_->reply = std::move(reply);
    Advance();
  });
}

std::optional<ActorRun::Outcome> ActorRun::Replied(const std::function<std::optional<Outcome>(const Value&)>& on_ok) {
  if (!current_->reply) return std::nullopt;
  const Step& step = *current_->step;
  const protocol::Result<Value>& reply = *current_->reply;
  if (step.expect_error) {
    std::string expected = "error " + std::string(protocol::WireName(*step.expect_error));
    if (reply.ok()) return Outcome{false, expected, "success: " + reply->ToJson()};
    if (reply.status().code() == *step.expect_error) return Outcome{true, "", ""};
    return Outcome{false, expected, reply.status().ToString()};
  }
  if (!reply.ok()) return Outcome{false, "success", reply.status().ToString()};
  // A copy: on_ok may share what it learnt, which can let another actor fail and stop
  // this one, discarding the current step and its reply.
  const Value answer = *reply;
  auto outcome = on_ok(answer);
  return outcome ? outcome : Outcome{true, "", ""};
}

// The answer to a request step: the expectation, and what the step keeps of it.
std::optional<ActorRun::Outcome> ActorRun::CheckRequestReply() {
  const Step& step = *current_->step;
  auto none = [](const Value&) -> std::optional<Outcome> { return std::nullopt; };
  switch (step.kind) {
    case StepKind::kAcceptInvite:
      return Replied([this](const Value& ok) -> std::optional<Outcome> {
        it_.SetUserId(spec_.user, ok.Find("user")->Find("id")->as_string());
        return std::nullopt;
      });
    case StepKind::kCreateSession:
    case StepKind::kConnect:
      return Replied([this, &step](const Value& ok) -> std::optional<Outcome> {
        const Value* key = ok.Find("key");
        ++it_.results().sessions;
        it_.DefineSession(step.session, {ok.Find("session_id")->as_string(), key ? key->as_string() : ""});
        return std::nullopt;
      });
    case StepKind::kJoin:
      return Replied([this](const Value& ok) -> std::optional<Outcome> {
        agent_session_ = ok.Find("session_id")->as_string();
        return std::nullopt;
      });
    case StepKind::kAdvanceClock:
      return Replied([this](const Value& ok) -> std::optional<Outcome> {
        it_.runner().broker_clock().Learn(ok.Find("now")->as_int());
        return std::nullopt;
      });
    case StepKind::kGrantSupportAccess:
      return Replied([this](const Value& ok) -> std::optional<Outcome> {
        const Value& user = *ok.Find("user");
        it_.SetSupportGrant({user.Find("id")->as_string(), user.Find("email")->as_string(),
                             ok.Find("password")->as_string(), ""});
        return std::nullopt;
      });
    case StepKind::kRequest:
      return Replied([this, &step](const Value& ok) -> std::optional<Outcome> {
        if (step.expect.is_map()) {
          auto expect = it_.Interpolate(step.expect);
          if (!expect.ok()) return Outcome{false, "expectations whose references are known", expect.status().message()};
          for (const auto& [path, want] : expect->as_map()) {
            const Value* found = AtPath(ok, path);
            bool holds = want.is_nil() ? found == nullptr : (found && Scalar(*found) == Scalar(want));
            if (!holds) {
              return Outcome{false, "'" + path + "' to be " + (want.is_nil() ? "absent" : Scalar(want)),
                             found ? Scalar(*found) + " in " + ok.ToJson() : "no '" + path + "' in " + ok.ToJson()};
            }
          }
        }
        for (const auto& [name, path] : step.save) {
          const Value* found = AtPath(ok, path);
          if (!found) return Outcome{false, "a reply with '" + path + "' to save as " + name, ok.ToJson()};
          it_.SetVariable(name, Scalar(*found));
        }
        return std::nullopt;
      });
    default:
      return Replied(none);
  }
}

std::optional<ActorRun::Outcome> ActorRun::CheckRequestStep() {
  if (current_->sent) return CheckRequestReply();
  const Step& step = *current_->step;
  // Not sent yet: build the request once what it names is known.
  auto need_session = [&](const std::string& label) -> const SessionLabel* {
    const SessionLabel* session = it_.FindSession(label);
    if (!session) current_->waiting_for = "session '" + label + "' to be defined by another step";
    return session;
  };
  auto need_agent_session = [&]() -> bool {
    if (agent_session_.empty()) current_->waiting_for = "a session for this agent (session.request)";
    return !agent_session_.empty();
  };
  const Credentials* me = it_.CredentialsOf(spec_.user);
  // Support access: `until` is the step's duration after the broker's clock.
  auto until = [&] { return static_cast<std::uint64_t>(it_.runner().broker_clock().NowMs() + step.number); };
  switch (step.kind) {
    case StepKind::kLogin:
      if (!me) {  // the support user, before anything granted support access
        current_->waiting_for = "support access to be granted (by a grant_support_access step)";
        return std::nullopt;
      }
      if (step.token) {
        if (me->token.empty()) return Outcome{false, "a token from the set-up", "user '" + spec_.user + "' has none"};
        SendRequest(Hello(Value::MapOf({{"kind", "token"}, {"token", me->token}})));
        break;
      }
      SendRequest(Hello(Value::MapOf({{"kind", "password"}, {"org", it_.org().org}, {"email", me->email},
                                      {"password", step.text.empty() ? me->password : step.text}})));
      break;
    case StepKind::kAcceptInvite: {
      auto fields = it_.Interpolate(step.fields);
      if (!fields.ok()) return Unresolved(fields.status());
      Value auth = Value::MapOf({{"kind", "invite"}, {"token", *fields->Find("token")},
                                 {"name", fields->Find("name") ? *fields->Find("name") : Value(spec_.user)},
                                 {"password", fields->Find("password") ? *fields->Find("password") : Value(me->password)}});
      SendRequest(Hello(std::move(auth)));
      break;
    }
    case StepKind::kCreateSession:
      SendRequest(Value::MapOf({{"t", "session.create"}, {"mode", "attended"}}));
      break;
    case StepKind::kConnect: {
      auto device = it_.DeviceId(step.target);
      if (!device) {
        current_->waiting_for = "device '" + step.target + "' to be enrolled";
        return std::nullopt;
      }
      SendRequest(Value::MapOf({{"t", "session.connect"}, {"device_id", *device}}));
      break;
    }
    case StepKind::kSupervise:
    case StepKind::kEnd: {
      const SessionLabel* session = need_session(step.session);
      if (!session) return std::nullopt;
      const char* type = step.kind == StepKind::kSupervise ? "session.supervise" : "session.end";
      SendRequest(Value::MapOf({{"t", type}, {"session_id", session->id}}));
      break;
    }
    case StepKind::kHandover: {
      const SessionLabel* session = need_session(step.session);
      if (!session) return std::nullopt;
      auto user = it_.UserId(it_.scenario().FindActor(step.target)->user);
      if (!user) return Outcome{false, "the user id of '" + step.target + "'", "it never logged in"};
      SendRequest(Value::MapOf({{"t", "session.handover"}, {"session_id", session->id}, {"user_id", *user},
                                {"stay", step.stay}}));
      break;
    }
    case StepKind::kLeave: {
      std::string id;
      if (!step.session.empty()) {
        const SessionLabel* session = need_session(step.session);
        if (!session) return std::nullopt;
        id = session->id;
      } else {
        if (!need_agent_session()) return std::nullopt;
        id = agent_session_;
      }
      SendRequest(Value::MapOf({{"t", "session.leave"}, {"session_id", id}}));
      break;
    }
    case StepKind::kRequest: {
      auto request = it_.Interpolate(step.fields);
      if (!request.ok()) return Unresolved(request.status());
      SendRequest(std::move(request).value());
      break;
    }
    case StepKind::kAdvanceClock:
      SendRequest(Value::MapOf({{"t", "test.clock.advance"}, {"ms", static_cast<unsigned long long>(step.number)}}));
      break;
    case StepKind::kGrantSupportAccess:
      SendRequest(Value::MapOf({{"t", "support_access.grant"}, {"until", until()}}));
      break;
    case StepKind::kExtendSupportAccess:
      SendRequest(Value::MapOf({{"t", "support_access.update"}, {"until", until()}}));
      break;
    case StepKind::kRevokeSupportAccess:
      SendRequest(Value::MapOf({{"t", "support_access.revoke"}}));
      break;
    case StepKind::kJoin: {
      const SessionLabel* session = need_session(step.session);
      if (!session) return std::nullopt;
      SendRequest(Hello(Value::MapOf({{"kind", "session_key"}, {"key", session->key}, {"name", spec_.customer},
                                      {"os", "linux"}})));
      break;
    }
    case StepKind::kConsent:
    case StepKind::kExit: {
      if (!need_agent_session()) return std::nullopt;
      Value request = Value::MapOf({{"session_id", agent_session_}});
      if (step.kind == StepKind::kConsent) {
        request.Set("t", "session.consent").Set("accept", step.target == "accept");
      } else {
        request.Set("t", "session.exit").Set("status", static_cast<long long>(step.number));
      }
      SendRequest(std::move(request));
      break;
    }
    default:
      return Outcome{false, "a known step", "an unhandled step kind"};
  }
  current_->waiting_for = "the answer to " + std::string(StepName(step.kind));
  return CheckRequestStep();
}

std::optional<ActorRun::Outcome> ActorRun::CheckWaitStep() {
  const Step& step = *current_->step;
  switch (step.kind) {
    case StepKind::kExpectEvent: {
      auto expected = it_.Interpolate(step.fields);
      if (!expected.ok()) return Unresolved(expected.status());
      std::string session_id;
      if (!step.session.empty()) {
        const SessionLabel* session = it_.FindSession(step.session);
        if (!session) {
          current_->waiting_for = "session '" + step.session + "' to be defined by another step";
          return std::nullopt;
        }
        session_id = session->id;
      }
      current_->waiting_for = "event " + step.target + (expected->is_map() ? " " + expected->ToJson() : "");
      for (auto event = events_.begin(); event != events_.end(); ++event) {
        const Value* name = event->Find("event");
        if (!name || !name->is_string() || name->as_string() != step.target) continue;
        bool all = true;
        if (expected->is_map()) {
          for (const auto& [key, want] : expected->as_map()) {
            if (key == "event") continue;
            const Value* got = event->Find(key == "session" ? "session_id" : key);
            std::string wanted = key == "session" ? session_id : Scalar(want);
            if (!got) { all = false; break; }
            // A user field (controller, user) matches the actor's name or the user's id.
            if (got->is_map() && got->Find("id")) {
              auto id = it_.UserId(wanted);
              const ActorSpec* actor = it_.scenario().FindActor(wanted);
              if (actor) id = it_.UserId(actor->user);
              if (Scalar(*got->Find("id")) != (id ? *id : wanted)) { all = false; break; }
            } else if (Scalar(*got) != wanted) {
              all = false;
              break;
            }
          }
        }
        if (all) {
          events_.erase(event);
          return Outcome{true, "", ""};
        }
      }
      return std::nullopt;
    }
    case StepKind::kExpectClosed:
      current_->waiting_for = "the connection to close with " + std::to_string(step.number);
      if (!closed_) return std::nullopt;
      if (closed_->code == step.number) return Outcome{true, "", ""};
      return Outcome{false, current_->waiting_for, DescribeRecent()};
    case StepKind::kBarrier:
      if (!current_->sent) {
        current_->sent = true;
        current_->waiting_for = "every actor of barrier '" + step.target + "'";
        it_.Arrive(step.target, spec_.name);
      }
      if (!current_) return std::nullopt;  // Arrive let another actor fail the iteration
      return it_.BarrierOpen(step.target, spec_.name) ? std::optional<Outcome>(Outcome{true, "", ""}) : std::nullopt;
    case StepKind::kDisconnect:
      current_->waiting_for = "the connection to close";
      if (!current_->sent) {
        current_->sent = true;
        if (connection_ && !connection_done_) connection_->Close();
      }
      return connection_done_ ? std::optional<Outcome>(Outcome{true, "", ""}) : std::nullopt;
    default:
      return Outcome{false, "a known step", "an unhandled step kind"};
  }
}

std::optional<ActorRun::Outcome> ActorRun::CheckDataStep() {
  const Step& step = *current_->step;
  std::string session_id;
  if (step.kind == StepKind::kInput || step.kind == StepKind::kExpectOutput) {
    const SessionLabel* session = it_.FindSession(step.session);
    if (!session) {
      current_->waiting_for = "session '" + step.session + "' to be defined by another step";
      return std::nullopt;
    }
    session_id = session->id;
  } else {
    if (agent_session_.empty()) {
      current_->waiting_for = "a session for this agent (session.request)";
      return std::nullopt;
    }
    session_id = agent_session_;
  }
  const auto terminal = static_cast<std::uint64_t>(protocol::Channel::kTerminal);
  switch (step.kind) {
    case StepKind::kInput:
    case StepKind::kOutput: {
      if (!current_->sent) {
        auto interpolated = it_.InterpolateString(step.text);
        if (!interpolated.ok()) return Unresolved(interpolated.status());
        current_->sent = true;
        std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(interpolated->data()), interpolated->size());
        protocol::Status sent = connection_ ? connection_->SendDataFrame(session_id, terminal, bytes)
                                            : protocol::Status::Internal("not connected");
        if (!sent.ok()) return Outcome{false, "to send a data frame", sent.ToString()};
        ++it_.results().frames_sent;
        it_.results().bytes_sent += bytes.size();
      }
      if (!step.expect_error) return Outcome{true, "", ""};
      const std::string code(protocol::WireName(*step.expect_error));
      current_->waiting_for = "error " + code + " for the frame";
      for (auto event = events_.begin(); event != events_.end(); ++event) {
        const Value* t = event->Find("t");
        const Value* got = event->Find("code");
        if (!t || !t->is_string() || t->as_string() != "error" || !got) continue;
        if (Scalar(*got) != code) return Outcome{false, current_->waiting_for, event->ToJson()};
        events_.erase(event);
        return Outcome{true, "", ""};
      }
      return std::nullopt;
    }
    case StepKind::kExpectOutput:
    case StepKind::kExpectInput: {
      current_->waiting_for = step.match.Describe() + " on session " + session_id;
      std::size_t end = 0;
      if (!step.match.Matches(Received(session_id), &end)) {
        std::string seen = Received(session_id);
        if (seen.size() > 200) seen = "..." + seen.substr(seen.size() - 200);
        current_->waiting_for += " (received so far: \"" + seen + "\")";
        return std::nullopt;
      }
      Consume(text_, session_id, end);
      return Outcome{true, "", ""};
    }
    default:
      return Outcome{false, "a known step", "an unhandled step kind"};
  }
}

}  // namespace tether::sim
