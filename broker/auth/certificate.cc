// PEM → X509 → DER → SHA-256 with OpenSSL.
#include "auth/certificate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

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

namespace {

using Key = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
using Cert = std::unique_ptr<X509, void (*)(X509*)>;
using File = std::unique_ptr<FILE, int (*)(FILE*)>;

bool IsIpAddress(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

std::string SubjectAltName(const std::vector<std::string>& names) {
  std::string san;
  for (const std::string& name : names) {
    if (!san.empty()) san += ",";
    san += (IsIpAddress(name) ? "IP:" : "DNS:") + name;
  }
  return san;
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

protocol::Result<Cert> SignedCertificate(EVP_PKEY* key, const SelfSignedRequest& request) {
  Cert cert(X509_new(), &X509_free);
  unsigned char serial[16];
  if (!cert || RAND_bytes(serial, sizeof serial) != 1) return protocol::Status::Internal("could not create a certificate");
  serial[0] &= 0x7f;  // a positive serial number
  std::unique_ptr<BIGNUM, void (*)(BIGNUM*)> serial_number(BN_bin2bn(serial, sizeof serial, nullptr), &BN_free);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  bool built = serial_number && X509_set_version(cert.get(), 2) == 1 &&
               BN_to_ASN1_INTEGER(serial_number.get(), X509_get_serialNumber(cert.get())) != nullptr &&
               X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr &&
               X509_time_adj_ex(X509_getm_notAfter(cert.get()), request.days, 0, nullptr) != nullptr &&
               X509_set_pubkey(cert.get(), key) == 1 &&
               X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(request.names.front().c_str()), -1,
                                          -1, 0) == 1 &&
               X509_set_issuer_name(cert.get(), subject) == 1 &&
               AddExtension(cert.get(), NID_subject_alt_name, SubjectAltName(request.names)) &&
               AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
               AddExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
               X509_sign(cert.get(), key, EVP_sha256()) > 0;
  if (!built) return protocol::Status::Internal("could not build the certificate");
  return cert;
}

// Opens `path` for writing only if it does not exist yet, with `mode`.
protocol::Result<File> CreateNew(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return protocol::Status::Conflict("cannot create " + path + " (it exists, or the directory is not writable)");
  ::fchmod(fd, mode);  // whatever the umask
  FILE* file = ::fdopen(fd, "w");
  if (file == nullptr) {
    ::close(fd);
    return protocol::Status::Internal("cannot write " + path);
  }
  return File(file, &std::fclose);
}

}  // namespace

protocol::Status GenerateSelfSignedCertificate(const SelfSignedRequest& request) {
  if (request.names.empty()) return protocol::Status::BadRequest("a certificate needs at least one host name");
  if (request.days < 1) return protocol::Status::BadRequest("a certificate must be valid for at least one day");
  Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) return protocol::Status::Internal("could not generate a key");
  auto cert = SignedCertificate(key.get(), request);
  if (!cert.ok()) return cert.status();
  auto key_file = CreateNew(request.key_path, 0600);
  if (!key_file.ok()) return key_file.status();
  auto cert_file = CreateNew(request.cert_path, 0644);
  if (!cert_file.ok()) {
    ::unlink(request.key_path.c_str());
    return cert_file.status();
  }
  if (PEM_write_PrivateKey(key_file->get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_X509(cert_file->get(), cert->get()) != 1) {
    return protocol::Status::Internal("could not write the certificate or key");
  }
  return protocol::Status::Ok();
}

}  // namespace tether::broker::auth
