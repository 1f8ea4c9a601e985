#include "gateway/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <string>
#include <vector>

#include "gateway/config_error.h"
#include "test_certificates.h"

namespace ssegw {
namespace {

using tls_test::CertificateFiles;
using tls_test::TestCertificates;
using tls_test::X509Ptr;

struct ClientHello {
  std::vector<std::string> alpn;  // in the client's order
  std::string server_name;        // empty: no SNI
  int max_version = 0;            // 0: OpenSSL's highest
};

struct HandshakeResult {
  bool done = false;
  std::string alpn;       // empty: none agreed
  std::string peer_name;  // the server certificate's CN
  long peer_serial = -1;
  long verify_result = -1;  // against the test CA, for the name asked for
};

std::string alpn_wire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) wire += static_cast<char>(p.size()) + p;
  return wire;
}

SslPtr client_for(SSL_CTX* ctx, const ClientHello& hello) {
  SslPtr client(SSL_new(ctx));
  const std::string wire = alpn_wire(hello.alpn);
  if (!wire.empty()) {
    SSL_set_alpn_protos(client.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  if (!hello.server_name.empty()) {
    SSL_set_tlsext_host_name(client.get(), hello.server_name.c_str());
    SSL_set1_host(client.get(), hello.server_name.c_str());
  }
  if (hello.max_version) SSL_set_max_proto_version(client.get(), hello.max_version);
  return client;
}

// Both ends in this thread over a BIO pair: each step moves whatever the other end wrote.
bool run_handshake(SSL* client, SSL* server) {
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  BIO_new_bio_pair(&client_end, 0, &server_end, 0);
  SSL_set_bio(client, client_end, client_end);
  SSL_set_bio(server, server_end, server_end);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  for (int step = 0; step < 20; ++step) {
    const int c = SSL_do_handshake(client);
    const int s = SSL_do_handshake(server);
    if (c == 1 && s == 1) return true;
    for (auto [ssl, rc] : {std::pair{client, c}, std::pair{server, s}}) {
      const int error = SSL_get_error(ssl, rc);
      if (rc != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return false;
    }
  }
  return false;
}

HandshakeResult handshake(SslPtr server, const std::string& ca_file, const ClientHello& hello) {
  SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_load_verify_locations(client_ctx.get(), ca_file.c_str(), nullptr);
  SslPtr client = client_for(client_ctx.get(), hello);
  HandshakeResult result;
  result.done = run_handshake(client.get(), server.get());
  ERR_clear_error();
  if (!result.done) return result;
  const unsigned char* alpn = nullptr;
  unsigned int alpn_length = 0;
  SSL_get0_alpn_selected(client.get(), &alpn, &alpn_length);
  result.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_length);
  X509Ptr peer(SSL_get1_peer_certificate(client.get()));
  char name[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer.get()), NID_commonName, name, sizeof name);
  result.peer_name = name;
  result.peer_serial = ASN1_INTEGER_get(X509_get0_serialNumber(peer.get()));
  result.verify_result = SSL_get_verify_result(client.get());
  return result;
}

class TlsContextTest : public ::testing::Test {
 protected:
  TlsSettings settings_for(const std::vector<CertificateFiles>& files) {
    TlsSettings settings;
    for (const CertificateFiles& f : files)
      settings.certificates.push_back({f.cert_file, f.key_file, "gw.yaml:9:9"});
    return settings;
  }
  HandshakeResult connect(const TlsContext& context, const ClientHello& hello) {
    return handshake(context.new_ssl(), certificates_.ca_file(), hello);
  }

  TestCertificates certificates_;
  CertificateFiles localhost_ = certificates_.leaf("localhost");
};

TEST_F(TlsContextTest, AlpnPrefersH2OnAnHttp2Listener) {
  auto context = TlsContext::create(settings_for({localhost_}), true);
  HandshakeResult result = connect(*context, {{"http/1.1", "h2"}, "localhost"});
  ASSERT_TRUE(result.done);
  EXPECT_EQ(result.alpn, "h2");
  EXPECT_EQ(result.verify_result, X509_V_OK);
  EXPECT_EQ(result.peer_name, "localhost");
}

TEST_F(TlsContextTest, AlpnIsHttp11OnlyWithoutHttp2) {
  auto context = TlsContext::create(settings_for({localhost_}), false);
  HandshakeResult result = connect(*context, {{"h2", "http/1.1"}, "localhost"});
  ASSERT_TRUE(result.done);
  EXPECT_EQ(result.alpn, "http/1.1");
  EXPECT_EQ(connect(*context, {{"h2"}, "localhost"}).alpn, "");
}

TEST_F(TlsContextTest, ClientsOfferingNoKnownProtocolGoOnWithoutAlpn) {
  auto context = TlsContext::create(settings_for({localhost_}), true);
  HandshakeResult unknown = connect(*context, {{"spdy/3", "h3"}, "localhost"});
  ASSERT_TRUE(unknown.done);
  EXPECT_EQ(unknown.alpn, "");
  HandshakeResult none = connect(*context, {{}, "localhost"});
  ASSERT_TRUE(none.done);
  EXPECT_EQ(none.alpn, "");
}

class TlsSniTest : public TlsContextTest {
 protected:
  std::shared_ptr<const TlsContext> three_names() {
    auto a = certificates_.leaf("a", {"a.example", "DNS:a.example", 10});
    auto b = certificates_.leaf("b", {"b.example", "DNS:b.example,DNS:www.b.example", 11});
    auto c = certificates_.leaf("c", {"wild", "DNS:*.c.example", 12});
    return TlsContext::create(settings_for({a, b, c}), true);
  }
};

TEST_F(TlsSniTest, PicksTheCertificateNamedByTheClient) {
  auto context = three_names();
  HandshakeResult b = connect(*context, {{"h2"}, "www.b.example"});
  ASSERT_TRUE(b.done);
  EXPECT_EQ(b.peer_serial, 11);
  EXPECT_EQ(b.peer_name, "b.example");
  EXPECT_EQ(b.verify_result, X509_V_OK);
  EXPECT_EQ(b.alpn, "h2") << "the switched-to context keeps the ALPN callback";
  EXPECT_EQ(connect(*context, {{}, "x.c.example"}).peer_serial, 12);
  EXPECT_EQ(connect(*context, {{}, "a.example"}).peer_serial, 10);
}

TEST_F(TlsSniTest, UnknownOrMissingNameGetsTheFirstCertificate) {
  auto context = three_names();
  EXPECT_EQ(connect(*context, {{}, "other.example"}).peer_serial, 10);
  HandshakeResult none = connect(*context, {});
  ASSERT_TRUE(none.done);
  EXPECT_EQ(none.peer_serial, 10);
}

// A reload drops the old TlsContext while handshakes made from it may still be under way.
TEST_F(TlsSniTest, HandshakeOutlivesItsTlsContext) {
  auto context = three_names();
  SslPtr server = context->new_ssl();
  context.reset();
  HandshakeResult b = handshake(std::move(server), certificates_.ca_file(), {{}, "b.example"});
  ASSERT_TRUE(b.done);
  EXPECT_EQ(b.peer_serial, 11);
}

TEST_F(TlsContextTest, MinimumVersionIsEnforced) {
  TlsSettings settings = settings_for({localhost_});
  settings.min_version = TLS1_3_VERSION;
  auto context = TlsContext::create(settings, true);
  EXPECT_FALSE(connect(*context, {{}, "localhost", TLS1_2_VERSION}).done);
  EXPECT_TRUE(connect(*context, {{}, "localhost"}).done);
  settings.min_version = TLS1_2_VERSION;
  EXPECT_TRUE(connect(*TlsContext::create(settings, true), {{}, "localhost", TLS1_2_VERSION}).done);
}

TEST_F(TlsContextTest, OptionsAndModes) {
  TlsSettings settings = settings_for({localhost_});
  settings.ktls = true;
  auto context = TlsContext::create(settings, true);
  EXPECT_TRUE(context->ktls_requested());
  SslPtr ssl = context->new_ssl();
  EXPECT_TRUE(SSL_get_options(ssl.get()) & SSL_OP_ENABLE_KTLS);
  EXPECT_TRUE(SSL_get_options(ssl.get()) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_FALSE(SSL_get_options(ssl.get()) & SSL_OP_NO_TICKET);
  EXPECT_FALSE(SSL_get_options(ssl.get()) & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_TRUE(SSL_get_mode(ssl.get()) & SSL_MODE_RELEASE_BUFFERS);
  EXPECT_TRUE(SSL_get_mode(ssl.get()) & SSL_MODE_ENABLE_PARTIAL_WRITE);
  EXPECT_TRUE(SSL_get_mode(ssl.get()) & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  settings.ktls = false;
  auto plain = TlsContext::create(settings, true);
  EXPECT_FALSE(plain->ktls_requested());
  EXPECT_FALSE(SSL_get_options(plain->new_ssl().get()) & SSL_OP_ENABLE_KTLS);
}

TEST_F(TlsContextTest, CreateThrowsNamingTheEntryKeyPathAndReason) {
  CertificateFiles missing{certificates_.dir() + "/nope.pem", localhost_.key_file};
  TlsSettings settings = settings_for({localhost_, missing});
  settings.certificates[1].where = "gw.yaml:12:11";
  try {
    TlsContext::create(settings, true);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string text = e.what();
    EXPECT_EQ(text.rfind("gw.yaml:12:11: cert_file " + missing.cert_file + ": ", 0), 0u) << text;
    EXPECT_NE(text.find("No such file"), std::string::npos) << text;
  }
  EXPECT_EQ(ERR_peek_error(), 0u) << "the OpenSSL error queue is left empty";
}

TEST_F(TlsContextTest, LoadReportsTheFailingEntryAsAValue) {
  CertificateFiles other = certificates_.leaf("other");
  CertificateFiles mismatched{localhost_.cert_file, other.key_file};
  TlsLoadError error;
  EXPECT_EQ(TlsContext::load(settings_for({localhost_, other, mismatched}), false, error), nullptr);
  EXPECT_EQ(error.certificate, 2u);
  EXPECT_EQ(error.key, "key_file");
  EXPECT_NE(error.reason.find("key values mismatch"), std::string::npos) << error.reason;
  EXPECT_EQ(TlsContext::load(TlsSettings{}, false, error), nullptr);
  EXPECT_EQ(error.key, "certificates");
}

}  // namespace
}  // namespace ssegw
