// Certificate pinning: comparing the server certificate's SHA-256 with the one the caller
// expects (PROTOCOL.md: enrolment returns broker_fingerprint). Internal to tether_client.
#pragma once

#include <string>
#include <string_view>

#include "tether/protocol/status.h"

typedef struct x509_st X509;
typedef struct ssl_st SSL;

namespace tether::client {

// "AB:cd:..." or "abcd..." → 64 lowercase hex digits; anything else is bad_request.
protocol::Result<std::string> NormalizeSha256Hex(std::string_view text);

// Lowercase hex SHA-256 of the certificate's DER encoding; "" if it cannot be computed.
std::string CertificateSha256Hex(X509* cert);

// Whether the peer certificate of an established TLS session has fingerprint `pin`
// (normalized). No certificate at all does not match.
bool PeerCertificateMatches(SSL* ssl, const std::string& pin);

}  // namespace tether::client
