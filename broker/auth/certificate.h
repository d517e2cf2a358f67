// The fingerprint an enrolling agent pins: lowercase hex SHA-256 of the broker's TLS
// certificate in DER form (protocol/PROTOCOL.md §5), the same value the client library's
// pinning compares with.
#pragma once

#include <string>

#include "tether/protocol/status.h"

namespace tether::broker::auth {

protocol::Result<std::string> CertificateFingerprint(const std::string& pem_path);

}  // namespace tether::broker::auth
