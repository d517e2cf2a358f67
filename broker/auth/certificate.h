// The fingerprint an enrolling agent pins: lowercase hex SHA-256 of the broker's TLS
// certificate in DER form (protocol/PROTOCOL.md §5), the same value the client library's
// pinning compares with.
#pragma once

#include <string>
#include <vector>

#include "tether/protocol/status.h"

namespace tether::broker::auth {

protocol::Result<std::string> CertificateFingerprint(const std::string& pem_path);

// A self-signed certificate for a first start (`tetherctl cert generate`): a fresh P-256
// key, valid from now for `days`, subject CN the first name, every name in the
// subjectAltName (IP addresses as IP entries, the rest as DNS). The key file is created
// with mode 0600 and never overwritten; neither file may exist yet.
struct SelfSignedRequest {
  std::string cert_path, key_path;
  std::vector<std::string> names{"localhost", "127.0.0.1"};
  int days = 365;
};
protocol::Status GenerateSelfSignedCertificate(const SelfSignedRequest& request);

}  // namespace tether::broker::auth
