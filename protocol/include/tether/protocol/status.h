// Errors as values: a Status is ok, or a protocol error code with a human message.
// The error codes of PROTOCOL.md are the vocabulary of every layer (codec, storage,
// policy, handlers), so a failure deep down reaches the wire without translation.
//
// Thread-safety: plain values; safe to copy and move between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tether::protocol {

// On the wire: never renumber the names. The enum order is ours; WireName is the contract.
enum class ErrorCode {
  kBadRequest,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kConflict,
  kLicenceExceeded,
  kPlanRestricted,
  kRateLimited,
  kLimitReached,
  kExpired,
  kViewOnly,
  kConsentDenied,
  kDeviceOffline,
  kDeviceBusy,
  kUnsupportedVersion,
  kOtpRequired,
  kInternal,
};

// The wire string of a code, e.g. "bad_request".
std::string_view WireName(ErrorCode code);
// The code for a wire string; nullopt for an unknown one.
std::optional<ErrorCode> ErrorCodeFromWire(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(ErrorCode code, std::string message) : error_(Error{code, std::move(message)}) {}

  static Status Ok() { return {}; }
  static Status BadRequest(std::string m) { return {ErrorCode::kBadRequest, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Status Expired(std::string m) { return {ErrorCode::kExpired, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  bool ok() const { return !error_.has_value(); }
  // Only meaningful when !ok().
  ErrorCode code() const { return error_ ? error_->code : ErrorCode::kInternal; }
  const std::string& message() const;
  // "bad_request: field 'email' must be a string" — for logs and tool output.
  std::string ToString() const;

 private:
  struct Error {
    ErrorCode code;
    std::string message;
  };
  std::optional<Error> error_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {     // NOLINT: must not be ok
    assert(!std::get<Status>(data_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace tether::protocol
