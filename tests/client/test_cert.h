// A throwaway self-signed TLS certificate (EC P-256, SAN localhost and 127.0.0.1) written
// to a temporary directory, for the wss tests of tether_client.
#pragma once

#include <memory>
#include <string>

namespace tether::client::testing {

struct TestCertificate {
  std::string dir;        // removed by the destructor
  std::string cert_file;  // PEM; doubles as the CA file that trusts it
  std::string key_file;   // PEM
  std::string sha256_hex;  // of the DER certificate, lowercase
  ~TestCertificate();
};

// Empty paths when OpenSSL or the file system failed.
std::unique_ptr<TestCertificate> MakeTestCertificate();

}  // namespace tether::client::testing
