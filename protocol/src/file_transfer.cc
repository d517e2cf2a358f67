// Transfer ids, chunks and SHA-256 (file_transfer.h).
#include "tether/protocol/file_transfer.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace tether::protocol {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(bytes.size() * 2, '\0');  // sized once: the audit chain calls this per event
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0x0F];
  }
  return hex;
}

std::optional<TransferId> TransferIdFromHex(std::string_view hex) {
  if (hex.size() != kTransferIdBytes * 2) return std::nullopt;
  TransferId id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    int high = HexDigit(hex[2 * i]), low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return id;
}

std::vector<std::uint8_t> ChunkPayload(const TransferId& id, std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> payload(id.size() + data.size());
  std::copy(id.begin(), id.end(), payload.begin());
  if (!data.empty()) std::memcpy(payload.data() + id.size(), data.data(), data.size());
  return payload;
}

std::optional<ChunkView> ParseChunk(std::span<const std::uint8_t> payload) {
  if (payload.size() < kTransferIdBytes) return std::nullopt;
  ChunkView chunk;
  std::copy_n(payload.begin(), kTransferIdBytes, chunk.id.begin());
  chunk.data = payload.subspan(kTransferIdBytes);
  return chunk;
}

namespace {

// Fetched once: EVP_DigestInit_ex with EVP_sha256() looks the implementation up in the
// provider store on every call (a lock and a hash lookup per digest in OpenSSL 3).
const EVP_MD* Sha256Implementation() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // kept for the process
  return md;
}

}  // namespace

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  if (context_->md == nullptr || Sha256Implementation() == nullptr ||
      EVP_DigestInit_ex(context_->md, Sha256Implementation(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 unavailable");
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(std::span<const std::uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(context_->md, data.data(), data.size());
}

Sha256::Digest Sha256::Finish() {
  Digest digest{};
  unsigned length = 0;
  EVP_DigestFinal_ex(context_->md, digest.data(), &length);
  // Same implementation, same context: no allocation, no lookup.
  EVP_DigestInit_ex(context_->md, Sha256Implementation(), nullptr);
  return digest;
}

std::string Sha256::FinishHex() { return ToHex(Finish()); }

}  // namespace tether::protocol
