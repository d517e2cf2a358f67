// PEM → X509 → DER → SHA-256 with OpenSSL.
#include "auth/certificate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

namespace tether::broker::auth {

protocol::Result<std::string> CertificateFingerprint(const std::string& pem_path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(pem_path.c_str(), "r"), &std::fclose);
  if (!file) return protocol::Status::NotFound("cannot read " + pem_path);
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return protocol::Status::BadRequest(pem_path + " holds no PEM certificate");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &size) != 1) {
    return protocol::Status::Internal("could not hash the certificate");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

}  // namespace tether::broker::auth
