#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstring>
#include <ctime>
#include <span>
#include <string_view>
#include <vector>

#include "config_error.h"

namespace ssegw {
namespace {

// Our ALPN preference: h2 first when the listener speaks it, HTTP/1.1 always.
constexpr std::array<std::string_view, 2> kH2ThenHttp11{"h2", "http/1.1"};
constexpr std::array<std::string_view, 1> kHttp11Only{"http/1.1"};

// Any fixed bytes do: OpenSSL only resumes a session into a context with the same id context.
constexpr unsigned char kSessionIdContext[] = "sse-gateway";

// The first of `ours` the client also offers, pointing into the client's list (OpenSSL copies
// the choice before that buffer goes away).
bool pick_protocol(std::span<const std::string_view> ours, const unsigned char* offered,
                   unsigned int offered_length, const unsigned char** out,
                   unsigned char* out_length) {
  for (std::string_view wanted : ours) {
    unsigned int at = 0;
    while (at < offered_length) {
      const unsigned int length = offered[at];
      if (length == 0 || at + 1 + length > offered_length) break;  // malformed: stop reading
      const std::string_view name(reinterpret_cast<const char*>(offered + at + 1), length);
      if (name == wanted) {
        *out = offered + at + 1;
        *out_length = static_cast<unsigned char>(length);
        return true;
      }
      at += 1 + length;
    }
  }
  return false;
}

// One callback per preference, so its arg carries nothing that could dangle. A client that
// offers neither protocol goes on without ALPN and is served as HTTP/1.1.
template <bool kHttp2>
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void*) {
  std::span<const std::string_view> ours = kHttp11Only;
  if constexpr (kHttp2) ours = kH2ThenHttp11;
  return pick_protocol(ours, offered, offered_length, out, out_length) ? SSL_TLSEXT_ERR_OK
                                                                       : SSL_TLSEXT_ERR_NOACK;
}

// The contexts of the certificates after the first, for the SNI callback. The default
// SSL_CTX owns this through ex_data rather than TlsContext doing so: every SSL holds a
// reference to the SSL_CTX it was made from, so the callback's arg stays valid through any
// handshake even when a reload has already dropped the TlsContext.
struct SniCandidates {
  X509* default_certificate = nullptr;  // owned by the SSL_CTX that owns this
  std::vector<SslCtxPtr> contexts;
};

void free_candidates(void*, void* data, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<SniCandidates*>(data);
}

// A process-wide slot number, fixed at first use and never changed (the ex_data API has no
// per-object alternative).
int candidates_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_candidates);
  return index;
}

bool certificate_names(X509* certificate, const char* name) {
  return certificate && X509_check_host(certificate, name, std::strlen(name), 0, nullptr) == 1;
}

// Switches the handshake to the certificate whose SAN (or CN) matches the name asked for;
// an unknown name, or none, keeps the default.
int select_certificate(SSL* ssl, int*, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const auto* sni = static_cast<const SniCandidates*>(arg);
  if (!name || !sni) return SSL_TLSEXT_ERR_NOACK;
  if (certificate_names(sni->default_certificate, name)) return SSL_TLSEXT_ERR_OK;
  for (const SslCtxPtr& ctx : sni->contexts) {
    if (certificate_names(SSL_CTX_get0_certificate(ctx.get()), name)) {
      SSL_set_SSL_CTX(ssl, ctx.get());
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// The oldest queued error is the cause (later ones only add context); the queue is emptied so
// the next failure does not report this one.
std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::string time_text(const ASN1_TIME* time) {
  std::tm parts{};
  if (!ASN1_TIME_to_tm(time, &parts)) return "an unreadable date";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

// A key with a passphrase would make OpenSSL prompt on the terminal; refuse it instead.
int refuse_passphrase(char*, int, int, void*) {
  return 0;
}

SslCtxPtr configured_ctx(const TlsSettings& settings, bool http2) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx.get(), settings.min_version);
  // OpenSSL's default suites and the client's order among them (no server preference):
  // clients without AES instructions rightly pick ChaCha20.
  uint64_t options = SSL_OP_NO_RENEGOTIATION;
  if (settings.ktls) options |= SSL_OP_ENABLE_KTLS;
  SSL_CTX_set_options(ctx.get(), options);
  // Released buffers keep an idle subscriber's TLS memory near zero; the others let a
  // partial write be retried from a moved evbuffer.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_id_context(ctx.get(), kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx.get(), http2 ? select_alpn<true> : select_alpn<false>, nullptr);
  SSL_CTX_set_default_passwd_cb(ctx.get(), refuse_passphrase);
  return ctx;
}

bool record_failure(TlsLoadError& error, const char* key, const std::string& path,
                    const std::string& problem) {
  error.key = key;
  error.reason = path + ": " + problem;
  ERR_clear_error();
  return false;
}

bool check_dates(SSL_CTX* ctx, const TlsCertificate& certificate, TlsLoadError& error) {
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
    return record_failure(error, "cert_file", certificate.cert_file,
                          "certificate expired on " + time_text(X509_get0_notAfter(leaf)));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
    return record_failure(
        error, "cert_file", certificate.cert_file,
        "certificate is not valid before " + time_text(X509_get0_notBefore(leaf)));
  }
  return true;
}

bool load_certificate(SSL_CTX* ctx, const TlsCertificate& certificate, TlsLoadError& error) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.cert_file.c_str()) != 1) {
    return record_failure(error, "cert_file", certificate.cert_file,
                          "cannot load a PEM certificate chain: " + openssl_reason());
  }
  if (!check_dates(ctx, certificate, error)) return false;
  if (SSL_CTX_use_PrivateKey_file(ctx, certificate.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return record_failure(
        error, "key_file", certificate.key_file,
        "cannot load a PEM private key for " + certificate.cert_file + ": " + openssl_reason());
  }
  // A key of another type than the certificate loads into its own slot without complaint.
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return record_failure(error, "key_file", certificate.key_file,
                          "does not match " + certificate.cert_file + ": " + openssl_reason());
  }
  return true;
}

// Hangs the other certificates' contexts off the default one and lets SNI choose.
bool attach_sni(SSL_CTX* default_ctx, std::vector<SslCtxPtr> others) {
  auto candidates = std::make_unique<SniCandidates>();
  candidates->default_certificate = SSL_CTX_get0_certificate(default_ctx);
  candidates->contexts = std::move(others);
  if (SSL_CTX_set_ex_data(default_ctx, candidates_index(), candidates.get()) != 1) return false;
  SSL_CTX_set_tlsext_servername_callback(default_ctx, select_certificate);
  SSL_CTX_set_tlsext_servername_arg(default_ctx, candidates.release());
  return true;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::load(const TlsSettings& settings, bool http2,
                                                   TlsLoadError& error) {
  error = TlsLoadError{};
  if (settings.certificates.empty()) {
    error.key = "certificates";
    error.reason = "no certificate";
    return nullptr;
  }
  std::vector<SslCtxPtr> contexts;
  for (size_t i = 0; i < settings.certificates.size(); ++i) {
    error.certificate = i;
    SslCtxPtr ctx = configured_ctx(settings, http2);
    if (!ctx) {
      record_failure(error, "cert_file", settings.certificates[i].cert_file, "SSL_CTX_new failed");
      return nullptr;
    }
    if (!load_certificate(ctx.get(), settings.certificates[i], error)) return nullptr;
    contexts.push_back(std::move(ctx));
  }
  std::shared_ptr<TlsContext> context(new TlsContext());
  context->default_ctx_ = std::move(contexts.front());
  context->ktls_ = settings.ktls;
  contexts.erase(contexts.begin());
  if (!attach_sni(context->default_ctx_.get(), std::move(contexts))) {
    error.certificate = 0;
    record_failure(error, "cert_file", settings.certificates[0].cert_file,
                   "SSL_CTX_set_ex_data failed");
    return nullptr;
  }
  return context;
}

std::shared_ptr<const TlsContext> TlsContext::create(const TlsSettings& settings, bool http2) {
  TlsLoadError error;
  std::shared_ptr<const TlsContext> context = load(settings, http2, error);
  if (context) return context;
  const std::string where = error.certificate < settings.certificates.size()
                                ? settings.certificates[error.certificate].where
                                : std::string("tls");
  throw ConfigError(where + ": " + error.key + " " + error.reason);
}

SslPtr TlsContext::new_ssl() const {
  return SslPtr(SSL_new(default_ctx_.get()));
}

}  // namespace ssegw
