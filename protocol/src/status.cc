// Status: the wire names of the error codes (PROTOCOL.md "All codes") and the text form
// used in logs and tool output.
#include "tether/protocol/status.h"

#include <array>
#include <utility>

namespace tether::protocol {
namespace {

// On the wire: never rename. One row per ErrorCode, in enum order.
constexpr std::array<std::pair<ErrorCode, std::string_view>, 17> kWireNames = {{
    {ErrorCode::kBadRequest, "bad_request"},
    {ErrorCode::kUnauthenticated, "unauthenticated"},
    {ErrorCode::kPermissionDenied, "permission_denied"},
    {ErrorCode::kNotFound, "not_found"},
    {ErrorCode::kConflict, "conflict"},
    {ErrorCode::kLicenceExceeded, "licence_exceeded"},
    {ErrorCode::kPlanRestricted, "plan_restricted"},
    {ErrorCode::kRateLimited, "rate_limited"},
    {ErrorCode::kLimitReached, "limit_reached"},
    {ErrorCode::kExpired, "expired"},
    {ErrorCode::kViewOnly, "view_only"},
    {ErrorCode::kConsentDenied, "consent_denied"},
    {ErrorCode::kDeviceOffline, "device_offline"},
    {ErrorCode::kDeviceBusy, "device_busy"},
    {ErrorCode::kUnsupportedVersion, "unsupported_version"},
    {ErrorCode::kOtpRequired, "otp_required"},
    {ErrorCode::kInternal, "internal"},
}};

// The table is indexed by the enum: a reordered row would send the wrong code.
constexpr bool TableMatchesEnum() {
  for (std::size_t i = 0; i < kWireNames.size(); ++i) {
    if (static_cast<std::size_t>(kWireNames[i].first) != i) return false;
  }
  return true;
}
static_assert(TableMatchesEnum(), "kWireNames must list every ErrorCode in enum order");
static_assert(static_cast<std::size_t>(ErrorCode::kInternal) + 1 == kWireNames.size(),
              "kWireNames must list every ErrorCode");

}  // namespace

std::string_view WireName(ErrorCode code) {
  const auto index = static_cast<std::size_t>(code);
  // An out-of-range value can only come from a bad cast; "internal" is the safe answer.
  if (index >= kWireNames.size()) return "internal";
  return kWireNames[index].second;
}

std::optional<ErrorCode> ErrorCodeFromWire(std::string_view name) {
  for (const auto& [code, wire] : kWireNames) {
    if (wire == name) return code;
  }
  return std::nullopt;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return error_ ? error_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string text(WireName(error_->code));
  text += ": ";
  text += error_->message;
  return text;
}

}  // namespace tether::protocol
