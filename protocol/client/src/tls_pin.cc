#include "tls_pin.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>

namespace tether::client {

protocol::Result<std::string> NormalizeSha256Hex(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return protocol::Status::BadRequest("pinned fingerprint is not hex");
    }
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64) {
    return protocol::Status::BadRequest("pinned fingerprint must be 32 bytes (SHA-256)");
  }
  return hex;
}

std::string CertificateSha256Hex(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), digest, &length) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

bool PeerCertificateMatches(SSL* ssl, const std::string& pin) {
  if (ssl == nullptr) return false;
  X509* cert = SSL_get1_peer_certificate(ssl);
  bool match = !pin.empty() && CertificateSha256Hex(cert) == pin;
  X509_free(cert);
  return match;
}

}  // namespace tether::client
