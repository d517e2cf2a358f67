// `tetherctl cert generate --out DIR`: a self-signed certificate and key for a broker's
// first start over wss:// (README "TLS"). Prints the certificate's SHA-256 fingerprint,
// the value a client pins (`tether --pin`, an agent's enrolment).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "auth/certificate.h"
#include "tetherctl/commands.h"

namespace tether::tools::ctl {
namespace {

struct GenerateArgs {
  std::string out_dir;
  std::vector<std::string> names;
  int days = 365;
};

int Generate(const Invocation& invocation, const GenerateArgs& args) {
  broker::auth::SelfSignedRequest request;
  request.cert_path = args.out_dir + "/cert.pem";
  request.key_path = args.out_dir + "/key.pem";
  if (!args.names.empty()) request.names = args.names;
  request.days = args.days;
  protocol::Status made = broker::auth::GenerateSelfSignedCertificate(request);
  if (made.code() == protocol::ErrorCode::kBadRequest) return UsageError(invocation, made.message());
  if (!made.ok()) return Fail(invocation, made);
  auto fingerprint = broker::auth::CertificateFingerprint(request.cert_path);
  if (!fingerprint.ok()) return Fail(invocation, fingerprint.status());
  std::cout << "certificate: " << request.cert_path << "\nkey:         " << request.key_path
            << " (mode 0600)\nsha256:      " << *fingerprint << "\n";
  return kExitOk;
}

}  // namespace

void RegisterCertCommands(Dispatcher& dispatcher) {
  CLI::App* cert = dispatcher.Group(dispatcher.root(), "cert", "TLS certificates");
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* generate = dispatcher.Add(cert, "generate",
                                      "create a self-signed certificate (cert.pem) and key (key.pem) in a directory",
                                      [args](const Invocation& invocation) { return Generate(invocation, *args); });
  generate->add_option("--out", args->out_dir, "directory for cert.pem and key.pem (neither may exist)")->required();
  AddListOption(generate, "--host", args->names,
                "a host name or IP address the certificate is for; repeatable (default localhost and 127.0.0.1)");
  generate->add_option("--days", args->days, "days of validity (default 365)");
}

}  // namespace tether::tools::ctl
