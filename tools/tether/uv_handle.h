// UvHandle: owns one libuv handle whose memory must outlive its owner. libuv needs a
// handle's memory until the close callback has run, one loop iteration after uv_close;
// so the handle lives on the heap and that callback frees it. The owner may be destroyed
// at any time after (or instead of) Close(): no callback reaches it afterwards, because
// a closing handle gets none but the close callback.
//
// Thread-safety: none; the loop's thread only.
#pragma once

#include <uv.h>

#include <utility>

namespace tether::tools::cli {

template <typename T>
class UvHandle {
 public:
  UvHandle() = default;
  ~UvHandle() { Close(); }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  // Allocates the handle and runs `init` (e.g. uv_timer_init) on it; returns its result.
  // On failure nothing is kept. `data` becomes handle->data.
  template <typename InitFunction>
  int Init(InitFunction&& init, void* data) {
    Close();
    T* handle = new T{};
    int rc = std::forward<InitFunction>(init)(handle);
    if (rc != 0) {
      delete handle;  // libuv never saw it as initialised
      return rc;
    }
    handle->data = data;
    handle_ = handle;
    return 0;
  }

  T* get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

  // Stops and closes the handle; its memory is freed once libuv is done with it.
  void Close() {
    if (handle_ == nullptr) return;
    auto* base = reinterpret_cast<uv_handle_t*>(handle_);
    base->data = nullptr;
    uv_close(base, [](uv_handle_t* closed) { delete reinterpret_cast<T*>(closed); });
    handle_ = nullptr;
  }

 private:
  T* handle_ = nullptr;
};

}  // namespace tether::tools::cli
