// The caller's own account: `login`, `logout`, `password change`, `totp enroll|confirm|
// disable` and `notifications` (PROTOCOL.md §4, protocol/PROTOCOL.md §6).
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"
#include "tetherctl/terminal.h"

namespace tether::tools::ctl {
namespace {

using protocol::ErrorCode;

struct LoginArgs {
  std::string email;
  std::string otp;
};

void ShowLogin(const Value& result, const SavedSession& session) {
  const Value* user = result.Find("user");
  std::cout << "logged in to " << Sanitise(session.org) << " as " << CellText(user ? user->Find("email") : nullptr)
            << " (role " << CellText(user ? user->Find("role") : nullptr) << ") until "
            << TimeText(result.Find("expires_at")) << "\n"
            << "session saved in " << SessionPath() << "\n";
}

int Login(const Invocation& invocation, const LoginArgs& args) {
  // Whatever --broker, --org and --email leave out comes from the previous session.
  SavedSession session{invocation.globals.broker, invocation.globals.org, args.email, "", 0};
  if (auto previous = LoadSession(); previous.ok()) {
    if (session.broker.empty()) session.broker = previous->broker;
    if (session.org.empty()) session.org = previous->org;
    if (session.email.empty()) session.email = previous->email;
  }
  if (session.broker.empty()) session.broker = kDefaultBroker;
  if (session.org.empty()) return UsageError(invocation, "--org is required (no saved session names one)");
  if (session.email.empty()) return UsageError(invocation, "--email is required (no saved session names one)");
  auto password = ReadSecret("Password for " + session.email);
  if (!password) return UsageError(invocation, "no password (type it, or give it as the first line of stdin)");

  auto client = ConnectTo(session.broker);
  if (!client.ok()) return Fail(invocation, client.status());
  Value auth = Value::MapOf(
      {{"kind", "password"}, {"org", session.org}, {"email", session.email}, {"password", *password}});
  if (!args.otp.empty()) auth.Set("otp", args.otp);
  auto hello = (*client)->Hello(std::move(auth), kBrokerTimeout);
  if (!hello.ok()) {
    if (hello.status().code() == ErrorCode::kOtpRequired && args.otp.empty()) {
      return Fail(invocation, {ErrorCode::kOtpRequired, hello.status().message() + " (log in with --otp CODE)"});
    }
    return Fail(invocation, hello.status());
  }
  const Value* token = hello->Find("token");
  const Value* expires_at = hello->Find("expires_at");
  if (token == nullptr || !token->is_string()) {
    return Fail(invocation, protocol::Status::Internal("the broker's answer holds no token"));
  }
  session.token = token->as_string();
  session.expires_at = expires_at && expires_at->is_uint() ? expires_at->as_uint() : 0;
  if (auto saved = SaveSession(session); !saved.ok()) return Fail(invocation, saved);

  // The token stays in the session file: never printed, not even with --json.
  Value result = ResultOf(*hello);
  result.as_map().erase(std::remove_if(result.as_map().begin(), result.as_map().end(),
                                       [](const auto& entry) { return entry.first == "token"; }),
                        result.as_map().end());
  if (invocation.globals.json) {
    PrintJson(result);
  } else {
    ShowLogin(result, session);
  }
  return kExitOk;
}

int Logout(const Invocation& invocation) {
  // The saved session is logged out whatever --org or --broker say.
  auto session = OpenSavedSession(Globals{});
  if (!session.ok()) {
    ErrorCode code = session.status().code();
    if (code == ErrorCode::kUnauthenticated || code == ErrorCode::kExpired) {
      // The token is already dead on the broker; forgetting it is all that is left.
      if (auto forgot = ForgetSession(); !forgot.ok()) return Fail(invocation, forgot);
      if (invocation.globals.json) PrintJson(Value::MakeMap());
      else std::cout << "logged out (the token had already expired or been revoked)\n";
      return kExitOk;
    }
    if (code != ErrorCode::kNotFound && code != ErrorCode::kBadRequest) {
      std::cerr << "tetherctl logout: the session is kept so that its token can still be revoked; retry, or delete "
                << SessionPath() << "\n";
    }
    return Fail(invocation, session.status());
  }
  auto reply = session->client->Call(Value::MapOf({{"t", "auth.logout"}}), kBrokerTimeout);
  if (!reply.ok()) return Fail(invocation, reply.status());
  if (auto forgot = ForgetSession(); !forgot.ok()) return Fail(invocation, forgot);
  if (invocation.globals.json) PrintJson(ResultOf(*reply));
  else std::cout << "logged out\n";
  return kExitOk;
}

int ChangePassword(const Invocation& invocation) {
  auto old_password = ReadSecret("Current password");
  auto new_password = ReadSecret("New password");
  if (!old_password || !new_password) {
    return UsageError(invocation, "give the current and the new password (on the terminal, or two lines of stdin)");
  }
  if (StdinIsTerminal() && ReadSecret("New password again") != new_password) {
    return UsageError(invocation, "the new passwords differ; nothing changed");
  }
  Value request = Value::MapOf(
      {{"t", "auth.password.change"}, {"old_password", *old_password}, {"new_password", *new_password}});
  return RunRequest(invocation, std::move(request), Say("password changed"));
}

void ShowEnrolment(const Value& result) {
  PrintFields(std::cout, {{"secret", CellText(result.Find("secret"))}, {"uri", CellText(result.Find("uri"))}});
  std::cout << "add it to your authenticator app, then run 'tetherctl totp confirm CODE'\n";
}

void ShowNotifications(const Value& result) {
  PrintTable(std::cout,
             {Field("ID", "id"), TimeField("TIME", "time"), Field("KIND", "kind"), Field("ACTOR", "actor"),
              Field("TARGET", "target"), Field("READ", "read"), Field("TEXT", "text")},
             result.Find("notifications"));
}

}  // namespace

void RegisterAccountCommands(Dispatcher& dispatcher) {
  CLI::App* root = dispatcher.root();
  auto login = std::make_shared<LoginArgs>();
  CLI::App* login_cmd = dispatcher.Add(root, "login", "log in (password from the terminal or stdin) and save the session",
                                       [login](const Invocation& i) { return Login(i, *login); });
  login_cmd->add_option("--email", login->email, "your email (default: the saved session's)");
  login_cmd->add_option("--otp", login->otp, "the current 6-digit code, when two-factor authentication is on");
  dispatcher.Add(root, "logout", "revoke the saved session's token and forget it", Logout);

  CLI::App* password = dispatcher.Group(root, "password", "your password");
  dispatcher.Add(password, "change", "change it (current and new from the terminal, or two lines of stdin)",
                 ChangePassword);

  CLI::App* totp = dispatcher.Group(root, "totp", "two-factor authentication (TOTP)");
  dispatcher.Add(totp, "enroll", "start enrolment: prints the secret and the otpauth:// URI", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "auth.totp.enroll"}}), ShowEnrolment);
  });
  auto code = std::make_shared<std::string>();
  CLI::App* confirm = dispatcher.Add(totp, "confirm", "finish enrolment with a code from the app", [code](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "auth.totp.confirm"}, {"otp", *code}}),
                      Say("two-factor authentication is on: log in with --otp CODE from now on"));
  });
  confirm->add_option("CODE", *code, "the current 6-digit code")->required();
  CLI::App* disable = dispatcher.Add(totp, "disable", "turn two-factor authentication off", [code](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "auth.totp.disable"}, {"otp", *code}}),
                      Say("two-factor authentication is off"));
  });
  disable->add_option("CODE", *code, "the current 6-digit code")->required();

  auto unread = std::make_shared<bool>(false);
  CLI::App* notifications = dispatcher.Add(root, "notifications", "your notifications, newest first", [unread](const Invocation& i) {
    Value request = Value::MapOf({{"t", "notification.list"}});
    if (*unread) request.Set("unread_only", true);
    return RunRequest(i, std::move(request), ShowNotifications);
  });
  notifications->add_flag("--unread", *unread, "only the unread ones");
}

}  // namespace tether::tools::ctl
