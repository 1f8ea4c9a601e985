// The floor under memory per TLS subscriber: heap bytes one idle server-side SSL holds after
// its handshake and a request/answer, made by the gateway's own TlsContext (the same options
// and modes, SSL_MODE_RELEASE_BUFFERS included). Pairs of SSLs over socketpairs in one
// process; mallinfo2 before and after, the clients freed before the count.
//   tls_idle_memory CERT KEY [CONNECTIONS] [VERSION 1.2|1.3]
#include <malloc.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gateway/tls_context.h"

namespace {

struct Pair {
  ssegw::SslPtr server;
  ssegw::SslPtr client;
  int fds[2] = {-1, -1};
};

bool handshake(Pair& p) {
  for (int round = 0; round < 50; ++round) {
    SSL_do_handshake(p.client.get());
    SSL_do_handshake(p.server.get());
    if (SSL_is_init_finished(p.server.get()) && SSL_is_init_finished(p.client.get())) break;
  }
  char buf[512];
  // A request and an answer, so tickets and buffers settle as on a real stream.
  SSL_write(p.client.get(), "GET / HTTP/1.1\r\n\r\n", 18);
  for (int i = 0; i < 3; ++i) SSL_read(p.server.get(), buf, sizeof buf);
  SSL_write(p.server.get(), "HTTP/1.1 200 OK\r\n\r\n", 19);
  for (int i = 0; i < 3; ++i) SSL_read(p.client.get(), buf, sizeof buf);
  return SSL_is_init_finished(p.server.get());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tls_idle_memory CERT KEY [CONNECTIONS] [1.2|1.3]\n");
    return 2;
  }
  const int count = argc > 3 ? std::atoi(argv[3]) : 1000;
  const std::string version = argc > 4 ? argv[4] : "1.3";
  ssegw::TlsSettings settings;
  settings.certificates.push_back({argv[1], argv[2], "command line"});
  auto context = ssegw::TlsContext::create(settings, false);
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  const int v = version == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(client_ctx, v);
  SSL_CTX_set_max_proto_version(client_ctx, v);
  std::vector<Pair> pairs(static_cast<size_t>(count) + 1);
  size_t before = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i == 1) before = mallinfo2().uordblks;  // the first pair warms OpenSSL's caches
    Pair& p = pairs[i];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p.fds);
    p.server = context->new_ssl();
    SSL_set_fd(p.server.get(), p.fds[0]);
    SSL_set_accept_state(p.server.get());
    p.client.reset(SSL_new(client_ctx));
    SSL_set_fd(p.client.get(), p.fds[1]);
    SSL_set_connect_state(p.client.get());
    if (!handshake(p)) {
      std::fprintf(stderr, "handshake %zu did not finish\n", i);
      return 1;
    }
  }
  for (Pair& p : pairs) p.client.reset();
  const size_t after = mallinfo2().uordblks;
  std::printf("{\"tls\":\"%s\",\"connections\":%d,\"kib_per_idle_server_ssl\":%.2f}\n",
              version.c_str(), count, static_cast<double>(after - before) / 1024.0 / count);
  for (Pair& p : pairs) {
    p.server.reset();
    close(p.fds[0]);
    close(p.fds[1]);
  }
  SSL_CTX_free(client_ctx);
  return 0;
}
