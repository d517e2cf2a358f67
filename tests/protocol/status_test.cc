// Status and Result: the wire names of the error codes (PROTOCOL.md "All codes") and the
// value-or-error carrier every layer returns.
#include "tether/protocol/status.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tether::protocol {
namespace {

const std::vector<std::pair<ErrorCode, std::string>> kContract = {
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
};

TEST(ErrorCodes, WireNamesAreThoseOfTheProtocol) {
  ASSERT_EQ(kContract.size(), 17u);
  for (const auto& [code, wire] : kContract) {
    EXPECT_EQ(WireName(code), wire);
    EXPECT_EQ(ErrorCodeFromWire(wire), code) << wire;
  }
}

TEST(ErrorCodes, UnknownWireNamesAreRefused) {
  EXPECT_EQ(ErrorCodeFromWire(""), std::nullopt);
  EXPECT_EQ(ErrorCodeFromWire("Bad_Request"), std::nullopt);
  EXPECT_EQ(ErrorCodeFromWire("bad_request "), std::nullopt);
  EXPECT_EQ(ErrorCodeFromWire("timeout"), std::nullopt);
}

TEST(StatusTest, DefaultIsOkWithNoMessage) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "ok");
}

TEST(StatusTest, FactoriesSetTheirCode) {
  EXPECT_EQ(Status::BadRequest("m").code(), ErrorCode::kBadRequest);
  EXPECT_EQ(Status::Unauthenticated("m").code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Status::PermissionDenied("m").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Status::NotFound("m").code(), ErrorCode::kNotFound);
  EXPECT_EQ(Status::Conflict("m").code(), ErrorCode::kConflict);
  EXPECT_EQ(Status::Expired("m").code(), ErrorCode::kExpired);
  EXPECT_EQ(Status::Internal("m").code(), ErrorCode::kInternal);
  EXPECT_FALSE(Status::BadRequest("m").ok());
}

TEST(StatusTest, ToStringIsWireNameColonMessage) {
  EXPECT_EQ(Status::BadRequest("field 'email' must be a string").ToString(),
            "bad_request: field 'email' must be a string");
  EXPECT_EQ(Status(ErrorCode::kOtpRequired, "code needed").ToString(),
            "otp_required: code needed");
}

TEST(ResultTest, HoldsAValueOrTheStatusWhyNot) {
  Result<std::string> good(std::string("v"));
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good.status().ok());
  EXPECT_EQ(*good, "v");
  EXPECT_EQ(good->size(), 1u);
  EXPECT_EQ(std::move(good).value(), "v");

  const Result<int> bad(Status::NotFound("no such session"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(bad.status().message(), "no such session");
}

}  // namespace
}  // namespace tether::protocol
