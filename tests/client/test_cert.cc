#include "test_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace tether::client::testing {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(FILE* p) const { std::fclose(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

std::string Hex(const unsigned char* data, unsigned length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

Owned<X509> SelfSign(EVP_PKEY* key) {
  Owned<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    X509_add_ext(cert.get(), ext.get(), -1);
  }
  X509_sign(cert.get(), key, EVP_sha256());
  return cert;
}

}  // namespace

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
}

std::unique_ptr<TestCertificate> MakeTestCertificate() {
  auto owned = std::make_unique<TestCertificate>();
  TestCertificate& out = *owned;
  std::string pattern = (std::filesystem::temp_directory_path() / "tether-cert-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return owned;
  out.dir = pattern;
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  Owned<X509> cert = SelfSign(key.get());

  std::string cert_file = out.dir + "/cert.pem";
  std::string key_file = out.dir + "/key.pem";
  Owned<FILE> cf(std::fopen(cert_file.c_str(), "w"));
  Owned<FILE> kf(std::fopen(key_file.c_str(), "w"));
  if (!cf || !kf || PEM_write_X509(cf.get(), cert.get()) != 1 ||
      PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return owned;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  X509_digest(cert.get(), EVP_sha256(), digest, &length);
  out.sha256_hex = Hex(digest, length);
  out.cert_file = cert_file;
  out.key_file = key_file;
  return owned;
}

}  // namespace tether::client::testing
