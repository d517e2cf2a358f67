#include "tether/client/client_context.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "lws_bridge.h"

namespace tether::client {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using OwnedSslCtx = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Owns the lws_context and everything lws reads until its final destroy stage.
struct ClientContext::Holder {
  lws_context* ctx = nullptr;  // info.pcontext: lws writes nullptr once it is all gone
  lws_protocols protocols[2];
  // The handles lws put on the loop when the context was created. lws closes them last
  // (after every socket's poll handle), and they live inside the context's memory: once
  // none is on the loop any more, the second lws_context_destroy is safe.
  std::vector<const uv_handle_t*> lws_handles;
  // Client TLS contexts we give lws (provided_client_ssl_ctx) instead of letting it make
  // its own: lws finds its own again at destroy through a process-global OpenSSL index
  // that the next context's SSL global init replaces, so with two lws contexts in one
  // process the first one's SSL_CTX (and its ~700 KB CA store) leaked. Freed after lws.
  std::vector<OwnedSslCtx> ssl_ctxs;
  uv_loop_t* loop = nullptr;
  uv_timer_t reaper;  // used only when the destructor must leave the second stage to it
};

namespace {

std::vector<const uv_handle_t*> HandlesOn(uv_loop_t* loop) {
  std::vector<const uv_handle_t*> handles;
  uv_walk(
      loop,
      [](uv_handle_t* handle, void* arg) {
        static_cast<std::vector<const uv_handle_t*>*>(arg)->push_back(handle);
      },
      &handles);
  return handles;
}

// Whether any of lws's handles is still registered with the loop (open or closing).
bool LwsStillOnLoop(uv_loop_t* loop, const std::vector<const uv_handle_t*>& lws_handles) {
  for (const uv_handle_t* handle : HandlesOn(loop)) {
    if (std::find(lws_handles.begin(), lws_handles.end(), handle) != lws_handles.end()) {
      return true;
    }
  }
  return false;
}

// A client TLS context trusting `ca_file`, or the system store when it is empty. Peer
// verification itself is switched on per connection by lws (with our LCCSCF_ flags).
Result<SSL_CTX*> MakeClientSslCtx(const std::string& ca_file, std::vector<OwnedSslCtx>& owner) {
  OwnedSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Status::Internal("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Idle agents hold a connection for hours: drop the TLS buffers while idle.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                               : SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
  if (loaded != 1) return Status::BadRequest("cannot load CA file '" + ca_file + "'");
  owner.push_back(std::move(ctx));
  return owner.back().get();
}

void FinishDestroy(lws_context*& ctx) {
  if (ctx != nullptr) lws_context_destroy(ctx);  // second stage: frees the memory
}

}  // namespace

ClientContext::ClientContext(uv_loop_t* loop, ClientContextOptions options)
    : loop_(loop), options_(options), holder_(std::make_unique<Holder>()) {}

Result<std::unique_ptr<ClientContext>> ClientContext::Create(uv_loop_t* loop,
                                                             ClientContextOptions options) {
  if (loop == nullptr) return Status::BadRequest("ClientContext needs a uv loop");
  std::unique_ptr<ClientContext> context(new ClientContext(loop, options));
  if (Status status = context->Init(); !status.ok()) return status;
  return context;
}

Status ClientContext::Init() {
  Holder& h = *holder_;
  h.loop = loop_;
  std::memset(h.protocols, 0, sizeof h.protocols);  // [1] stays the terminator
  h.protocols[0].name = kClientProtocolName;
  h.protocols[0].callback = &ConnectionLwsBridge::Callback;
  h.protocols[0].rx_buffer_size = options_.rx_buffer_bytes;

  // Verbose levels are compiled in and flood stderr; this must precede the context.
  lws_set_log_level(LLL_ERR | LLL_WARN, nullptr);
  void* foreign_loops[1] = {loop_};
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = h.protocols;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.foreign_loops = foreign_loops;
  info.pcontext = &h.ctx;
  info.pt_serv_buf_size = static_cast<unsigned>(options_.service_buffer_bytes);
  info.connect_timeout_secs = options_.connect_timeout_secs;
  info.timeout_secs = options_.connect_timeout_secs;
  // fd tables are otherwise sized from RLIMIT_NOFILE (STACK-NOTES).
  info.fd_limit_per_thread = static_cast<unsigned>(options_.max_sockets);
  info.gid = -1;
  info.uid = -1;

  Result<SSL_CTX*> ssl_ctx = MakeClientSslCtx("", h.ssl_ctxs);
  if (!ssl_ctx.ok()) return ssl_ctx.status();
  info.provided_client_ssl_ctx = *ssl_ctx;

  std::vector<const uv_handle_t*> before = HandlesOn(loop_);
  h.ctx = lws_create_context(&info);
  if (h.ctx == nullptr) {
    return Status::Internal("lws_create_context failed (is libwebsockets-evlib-uv installed?)");
  }
  for (const uv_handle_t* handle : HandlesOn(loop_)) {
    if (std::find(before.begin(), before.end(), handle) == before.end()) {
      h.lws_handles.push_back(handle);
    }
  }
  return Status::Ok();
}

lws_context* ClientContext::lws() const { return holder_->ctx; }

Result<lws_vhost*> ClientContext::VhostForCaFile(const std::string& ca_file) {
  if (ca_file.empty()) return lws_get_vhost_by_name(holder_->ctx, "default");
  auto found = vhosts_by_ca_.find(ca_file);
  if (found != vhosts_by_ca_.end()) return found->second;
  Result<SSL_CTX*> ssl_ctx = MakeClientSslCtx(ca_file, holder_->ssl_ctxs);
  if (!ssl_ctx.ok()) return ssl_ctx.status();

  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = holder_->protocols;
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  std::string name = "ca" + std::to_string(vhosts_by_ca_.size());
  info.vhost_name = name.c_str();
  info.provided_client_ssl_ctx = *ssl_ctx;
  lws_vhost* vhost = lws_create_vhost(holder_->ctx, &info);
  if (vhost == nullptr) {
    return Status::BadRequest("cannot load CA file '" + ca_file + "'");
  }
  vhosts_by_ca_.emplace(ca_file, vhost);
  return vhost;
}

ClientContext::~ClientContext() {
  // A live Connection would be called back from the destroy below and then touch a
  // freed context from its own destructor.
  assert(live_connections_ == 0 && "destroy every Connection before its ClientContext");
  Holder& h = *holder_;
  if (h.ctx == nullptr) return;
  // First stage: closes every socket (their poll handles start closing), then lws
  // closes its own handles from their close callbacks. Vhosts go with the context.
  lws_context_destroy(h.ctx);
  if (!LwsStillOnLoop(loop_, h.lws_handles)) {
    FinishDestroy(h.ctx);
    return;
  }
  StartReaper(std::move(holder_));
}

// Polls every millisecond until lws has released the loop, then runs the second stage,
// closes itself and frees the holder. The loop owner just keeps running the loop.
void ClientContext::StartReaper(std::unique_ptr<Holder> owned) {
  ClientContext::Holder* h = owned.release();  // freed by the reaper's close callback
  uv_timer_init(h->loop, &h->reaper);
  h->reaper.data = h;
  uv_timer_start(
      &h->reaper,
      [](uv_timer_t* timer) {
        auto* holder = static_cast<ClientContext::Holder*>(timer->data);
        if (LwsStillOnLoop(holder->loop, holder->lws_handles)) return;
        FinishDestroy(holder->ctx);
        uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* handle) {
          delete static_cast<ClientContext::Holder*>(handle->data);
        });
      },
      0, 1);
}

}  // namespace tether::client
