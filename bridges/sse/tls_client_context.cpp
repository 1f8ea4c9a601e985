#include "bridges/sse/tls_client_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace ssegw::sse {
namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown TLS error" : text;
}

TlsClientContext::TlsClientContext(const std::string& ca_file)
    : ctx_(SSL_CTX_new(TLS_client_method())) {
  if (!ctx_) throw std::runtime_error("cannot create TLS context: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
  const int loaded = ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx_.get())
                         : SSL_CTX_load_verify_locations(ctx_.get(), ca_file.c_str(), nullptr);
  if (loaded != 1) {
    throw std::runtime_error("cannot load CA certificates" +
                             (ca_file.empty() ? std::string() : " from " + ca_file) + ": " +
                             openssl_errors());
  }
}

SslPtr TlsClientContext::new_session(const std::string& host, std::string& error) const {
  SslPtr ssl(SSL_new(ctx_.get()));
  if (!ssl) {
    error = "cannot create TLS session: " + openssl_errors();
    return nullptr;
  }
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (is_ip_literal(host)) {
    // Certificates name IP addresses in iPAddress entries; SNI must not carry an address.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      error = "cannot set the TLS peer address check: " + openssl_errors();
      return nullptr;
    }
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
        SSL_set_tlsext_host_name(ssl.get(), host.c_str()) != 1) {
      error = "cannot set the TLS host name: " + openssl_errors();
      return nullptr;
    }
  }
  return ssl;
}

}  // namespace ssegw::sse
