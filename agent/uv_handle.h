// UvHandle: owns one libuv handle. libuv closes handles asynchronously, so the memory is
// freed by the close callback, not by the destructor: an owner may be destroyed at any
// time, even from inside one of the handle's own callbacks, without a use-after-free
// (libuv calls nothing but the close callback once uv_close has been called).
//
// Thread-safety: none; loop thread only.
#pragma once

#include <uv.h>

namespace tether::agent {

template <typename Handle>
class UvHandle {
 public:
  UvHandle() : handle_(new Handle{}) {}
  ~UvHandle() {
    if (initialized_) {
      uv_close(reinterpret_cast<uv_handle_t*>(handle_),
               [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
    } else {
      delete handle_;
    }
  }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  // Runs a uv_*_init call on the handle and records whether it succeeded (only an
  // initialised handle may be closed). Returns the libuv result.
  template <typename InitCall>
  int Init(InitCall&& init, void* data) {
    int rc = init(handle_);
    initialized_ = rc == 0;
    handle_->data = data;
    return rc;
  }

  Handle* get() const { return handle_; }
  bool initialized() const { return initialized_; }

 private:
  Handle* handle_;  // owned; deleted by the close callback once initialised
  bool initialized_ = false;
};

}  // namespace tether::agent
