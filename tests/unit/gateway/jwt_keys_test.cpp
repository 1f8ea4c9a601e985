#include "gateway/jwt_keys.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <utility>
#include <vector>

#include "jws_test_issuer.h"
#include "test_certificates.h"

namespace ssegw {
namespace {

using jws_test::b64url;
using jws_test::generate;

constexpr int64_t kNow = 1'800'000'000;

// Key pairs are slow to make (RSA especially): one of each for the whole binary.
struct IssuerKeys {
  EvpPkeyPtr rsa = generate(JwsAlg::kRS256);
  EvpPkeyPtr p256 = generate(JwsAlg::kES256);
  EvpPkeyPtr p384 = generate(JwsAlg::kES384);
  EvpPkeyPtr ed25519 = generate(JwsAlg::kEdDSA);
};
const IssuerKeys& issuer() {
  static const IssuerKeys keys;
  return keys;
}

// ---- JWK JSON, written as an identity provider publishes it

using Members = std::vector<std::pair<std::string, std::string>>;

// {"name":"value",...}; a value that starts with [ is written as it is.
std::string object(const Members& members) {
  std::string out = "{";
  for (const auto& [name, value] : members) {
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + (value.starts_with("[") ? value : "\"" + value + "\"");
  }
  return out + "}";
}

std::string jwks(const std::vector<std::string>& keys) {
  std::string out = R"({"keys":[)";
  for (size_t i = 0; i < keys.size(); ++i) out += (i > 0 ? "," : "") + keys[i];
  return out + "]}";
}

Members with(Members members, const Members& more) {
  members.insert(members.end(), more.begin(), more.end());
  return members;
}

std::string big_endian_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  EVP_PKEY_get_bn_param(key, name, &raw);
  const BignumPtr n(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(n.get())), '\0');
  BN_bn2bin(n.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return b64url(bytes);
}

Members rsa_jwk(EVP_PKEY* key) {
  return {{"kty", "RSA"},
          {"n", big_endian_param(key, OSSL_PKEY_PARAM_RSA_N)},
          {"e", big_endian_param(key, OSSL_PKEY_PARAM_RSA_E)}};
}

// The uncompressed point 0x04 || x || y, split into the JWK's coordinates.
Members ec_jwk(EVP_PKEY* key, const std::string& crv) {
  std::string point(1 + 2 * 48, '\0');
  size_t length = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                  reinterpret_cast<unsigned char*>(point.data()), point.size(),
                                  &length);
  const size_t half = (length - 1) / 2;
  return {{"kty", "EC"},
          {"crv", crv},
          {"x", b64url(point.substr(1, half))},
          {"y", b64url(point.substr(1 + half, half))}};
}

Members ed25519_jwk(EVP_PKEY* key) {
  std::string x(32, '\0');
  size_t length = x.size();
  EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(x.data()), &length);
  return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", b64url(x)}};
}

// Whether a token signed by `signer` for `alg` under `kid` passes with these keys.
bool accepts(const std::vector<JwtKey>& keys, JwsAlg alg, EVP_PKEY* signer,
             const std::string& kid) {
  JwtPolicy policy;
  policy.keys = keys;
  const std::string header =
      R"({"alg":")" + std::string(jws_alg_name(alg)) + R"(","kid":")" + kid + R"("})";
  const JwtResult r =
      verify_jwt(jws_test::token(alg, signer, header, R"({"sub":"a"})"), policy, kNow);
  EXPECT_TRUE(r.claims) << jws_alg_name(alg) << " " << kid << ": " << r.error;
  return r.claims.has_value();
}

std::vector<JwtKey> parsed(const std::string& json) {
  std::vector<JwtKey> keys;
  std::string error;
  EXPECT_TRUE(parse_jwks(json, keys, error)) << error;
  return keys;
}

// Why the set is refused; the caller's keys stay as they were.
std::string refusal(const std::string& json) {
  std::vector<JwtKey> keys;
  keys.push_back(JwtKey{"old", JwsKey::secret(JwsAlg::kHS256, "s3cret")});
  std::string error;
  EXPECT_FALSE(parse_jwks(json, keys, error)) << json.substr(0, 200);
  EXPECT_EQ(keys.size(), 1u);
  return error;
}

std::string refusal(const Members& key) {
  return refusal(jwks({object(key)}));
}

TEST(Jwks, EveryKeyTypeVerifiesTheTokensItsIssuerSigned) {
  const IssuerKeys& k = issuer();
  const std::vector<JwtKey> keys = parsed(jwks({
      object(with(rsa_jwk(k.rsa.get()), {{"kid", "rsa"}})),
      object(with(rsa_jwk(k.rsa.get()), {{"kid", "rsa-pss"}, {"alg", "PS384"}, {"use", "sig"}})),
      object(with(ec_jwk(k.p256.get(), "P-256"), {{"kid", "p256"}, {"key_ops", R"(["verify"])"}})),
      object(with(ec_jwk(k.p384.get(), "P-384"), {{"kid", "p384"}, {"alg", "ES384"}})),
      object(ed25519_jwk(k.ed25519.get())),
  }));
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_EQ(keys[0].kid, "rsa");
  EXPECT_EQ(keys[0].key.alg(), JwsAlg::kRS256);  // RSA without alg: RS256
  EXPECT_EQ(keys[1].key.alg(), JwsAlg::kPS384);
  EXPECT_EQ(keys[2].key.alg(), JwsAlg::kES256);  // EC and OKP: the curve's algorithm
  EXPECT_EQ(keys[3].key.alg(), JwsAlg::kES384);
  EXPECT_EQ(keys[4].key.alg(), JwsAlg::kEdDSA);
  EXPECT_EQ(keys[4].kid, "");
  EXPECT_TRUE(accepts(keys, JwsAlg::kRS256, k.rsa.get(), "rsa"));
  EXPECT_TRUE(accepts(keys, JwsAlg::kPS384, k.rsa.get(), "rsa-pss"));
  EXPECT_TRUE(accepts(keys, JwsAlg::kES256, k.p256.get(), "p256"));
  EXPECT_TRUE(accepts(keys, JwsAlg::kES384, k.p384.get(), "p384"));
  EXPECT_TRUE(accepts(keys, JwsAlg::kEdDSA, k.ed25519.get(), ""));
}

TEST(Jwks, KeysAreAppendedAndTheSetsOtherMembersIgnored) {
  std::vector<JwtKey> keys;
  keys.push_back(JwtKey{"old", JwsKey::secret(JwsAlg::kHS256, "s3cret")});
  std::string error;
  const Members ed = with(ed25519_jwk(issuer().ed25519.get()), {{"x5t", "ignored"}});
  ASSERT_TRUE(parse_jwks(R"({"issuer":"x","keys":[)" + object(ed) + "]}", keys, error)) << error;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "old");
}

TEST(Jwks, KeysForOtherUsesAreSkipped) {
  const Members p256 = ec_jwk(issuer().p256.get(), "P-256");
  const std::vector<JwtKey> keys = parsed(jwks({
      object(with(rsa_jwk(issuer().rsa.get()), {{"use", "enc"}, {"alg", "RSA-OAEP"}})),
      object(with(p256, {{"kid", "agreement"}, {"key_ops", R"(["deriveKey"])"}})),
      object(with(p256, {{"kid", "kept"}, {"key_ops", R"(["sign","verify"])"}})),
  }));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "kept");
  EXPECT_EQ(refusal(jwks({object(with(p256, {{"use", "enc"}}))})),
            "no key in the JWK Set verifies signatures");
}

TEST(Jwks, SecretsAndPrivateKeysAreRefused) {
  EXPECT_EQ(refusal(Members{{"kty", "oct"}, {"k", "c2VjcmV0"}}),
            "keys[0]: kty \"oct\" is a shared secret: secrets go in the config");
  const Members p256 = ec_jwk(issuer().p256.get(), "P-256");
  const std::string with_d = object(with(p256, {{"d", "AAAA"}}));
  EXPECT_EQ(refusal(jwks({object(p256), with_d})),
            "keys[1]: private key member \"d\": a JWK Set holds public keys only");
  // Marked for encryption, it is still a private key in the wrong place.
  EXPECT_EQ(refusal(with(rsa_jwk(issuer().rsa.get()), {{"use", "enc"}, {"p", "AAAA"}})),
            "keys[0]: private key member \"p\": a JWK Set holds public keys only");
}

TEST(Jwks, KeysThatCannotVerifyAreRefusedWithTheirIndex) {
  const Members p256 = ec_jwk(issuer().p256.get(), "P-256");
  Members off_curve = p256;
  std::string y = *base64url_decode(off_curve[3].second);
  y.back() ^= 1;
  off_curve[3].second = b64url(y);
  EXPECT_EQ(refusal(jwks({object(p256), object(off_curve)})),
            "keys[1]: EC point is not on curve P-256");
  EXPECT_EQ(refusal(with(p256, {{"alg", "ES384"}})),
            "keys[0]: an EC P-256 key cannot verify ES384");
  EXPECT_EQ(refusal(with(ec_jwk(issuer().p384.get(), "P-384"), {{"alg", "ES256"}})),
            "keys[0]: an EC P-384 key cannot verify ES256");
  EXPECT_EQ(refusal(ec_jwk(issuer().p384.get(), "P-256")),
            "keys[0]: EC x and y must be 32 bytes each on P-256");
  EXPECT_EQ(refusal(with(rsa_jwk(issuer().rsa.get()), {{"alg", "HS256"}})),
            "keys[0]: an RSA 2048-bit key cannot verify HS256");
  EXPECT_EQ(refusal(with(ed25519_jwk(issuer().ed25519.get()), {{"alg", "ES256"}})),
            "keys[0]: an Ed25519 key cannot verify ES256");
  EXPECT_EQ(refusal(with(p256, {{"alg", "none"}})), "keys[0]: unsupported alg \"none\"");
  EXPECT_EQ(refusal(Members{{"kty", "EC"}, {"crv", "P-521"}, {"x", "AA"}, {"y", "AA"}}),
            "keys[0]: unsupported EC curve \"P-521\"");
  EXPECT_EQ(refusal(Members{{"kty", "OKP"}, {"crv", "Ed448"}, {"x", "AA"}}),
            "keys[0]: unsupported OKP curve \"Ed448\"");
  EXPECT_EQ(refusal(Members{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}),
            "keys[0]: Ed25519 x must be 32 bytes");
}

TEST(Jwks, RsaModulusAndExponentAreBounded) {
  EvpPkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  EXPECT_EQ(refusal(rsa_jwk(small.get())),
            "keys[0]: RSA modulus of 1024 bits is too short (2048 at least)");
  const std::string huge = b64url(std::string(2049, '\xff'));
  EXPECT_EQ(refusal(Members{{"kty", "RSA"}, {"n", huge}, {"e", "AQAB"}}),
            "keys[0]: RSA modulus of 16392 bits is too long (16384 at most)");
  Members rsa = rsa_jwk(issuer().rsa.get());
  rsa[2].second = "AQAA";  // 65536: even
  EXPECT_EQ(refusal(rsa), "keys[0]: RSA exponent must be odd, from 3 to 64 bits");
  rsa[2].second = b64url(std::string(9, '\x01'));  // 65 bits
  EXPECT_EQ(refusal(rsa), "keys[0]: RSA exponent must be odd, from 3 to 64 bits");
}

TEST(Jwks, UnknownOrMalformedMembersAreErrorsNotSkips) {
  const Members rsa = rsa_jwk(issuer().rsa.get());
  EXPECT_EQ(refusal(Members{{"kty", "ECC"}, {"crv", "P-256"}}), "keys[0]: unknown kty \"ECC\"");
  EXPECT_EQ(refusal(Members{{"crv", "P-256"}}), "keys[0]: no \"kty\"");
  EXPECT_EQ(refusal(Members{{"kty", "RSA"}, {"e", "AQAB"}}), "keys[0]: no \"n\"");
  EXPECT_EQ(refusal(with(Members{{"kty", "RSA"}, {"n", "AQAB="}}, {{"e", "AQAB"}})),
            "keys[0]: \"n\" is not base64url");
  EXPECT_EQ(refusal(with(rsa, {{"kid", "[7]"}})), "keys[0]: \"kid\" is not a string");
  EXPECT_EQ(refusal(with(rsa, {{"kty", "RSA"}})), "keys[0]: duplicate \"kty\"");
  EXPECT_EQ(refusal(with(rsa, {{"key_ops", R"(["verify",1])"}})),
            "keys[0]: \"key_ops\" holds a non-string");
  EXPECT_EQ(refusal(R"({"keys":[1]})"), "keys[0]: not an object");
}

TEST(Jwks, MalformedAndEmptySetsAreRefused) {
  EXPECT_EQ(refusal(""), "malformed JSON");
  EXPECT_EQ(refusal(R"({"keys":[)"), "malformed JSON");
  EXPECT_EQ(refusal(R"({"keys":[{"kty":"RSA",}]})"), "keys[0]: malformed JSON");
  EXPECT_EQ(refusal(R"([{"kty":"RSA"}])"), "not a JWK Set: {\"keys\":[...]} expected");
  EXPECT_EQ(refusal(R"({"keys":{}})"), "\"keys\" is not an array");
  EXPECT_EQ(refusal(R"({"issuer":"x"})"), "no \"keys\" array");
  EXPECT_EQ(refusal(R"({"keys":[],"keys":[]})"), "duplicate \"keys\"");
  EXPECT_EQ(refusal(R"({"keys":[]})"), "the JWK Set has no keys");
  const std::string good = jwks({object(ed25519_jwk(issuer().ed25519.get()))});
  EXPECT_EQ(refusal(good + R"({"keys":[]})"), "malformed JSON");  // a second document
}

TEST(Jwks, SizeAndKeyCountAreBounded) {
  const std::string skipped = R"({"kty":"RSA","use":"enc"})";
  EXPECT_EQ(refusal(jwks(std::vector<std::string>(1000, skipped))),
            "no key in the JWK Set verifies signatures");
  EXPECT_EQ(refusal(jwks(std::vector<std::string>(1001, skipped))), "more than 1000 keys");
  const std::string padded = R"({"pad":")" + std::string(kMaxKeyFileBytes, 'a') + R"(","keys":[]})";
  EXPECT_EQ(refusal(padded), "larger than 1 MiB");
}

// ---- files

class KeyFiles : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    return files_.write(name, text);
  }
  tls_test::TestCertificates files_;  // a temporary directory, and certificates when asked
};

std::string spki_pem(EVP_PKEY* key) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

// PEM in any of OpenSSL's encodings: "type-specific" is PKCS#1 for RSA.
std::string encoded_pem(EVP_PKEY* key, int selection, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM", structure, nullptr);
  unsigned char* data = nullptr;
  size_t length = 0;
  OSSL_ENCODER_to_data(ctx, &data, &length);
  OSSL_ENCODER_CTX_free(ctx);
  std::string pem(reinterpret_cast<char*>(data), length);
  OPENSSL_free(data);
  return pem;
}

// The key a PEM file holds, and whether it verifies what `signer` signed.
bool loads_and_verifies(JwsAlg alg, const std::string& path, EVP_PKEY* signer) {
  std::string error;
  std::optional<JwsKey> key = load_public_key_file(alg, path, error);
  EXPECT_TRUE(key) << error;
  return key && accepts({JwtKey{"", std::move(*key)}}, alg, signer, "");
}

TEST_F(KeyFiles, PemPublicKeysOfEveryTypeLoad) {
  const IssuerKeys& k = issuer();
  EXPECT_TRUE(
      loads_and_verifies(JwsAlg::kRS256, write("rsa.pem", spki_pem(k.rsa.get())), k.rsa.get()));
  EXPECT_TRUE(
      loads_and_verifies(JwsAlg::kPS512, write("rsa.pem", spki_pem(k.rsa.get())), k.rsa.get()));
  EXPECT_TRUE(
      loads_and_verifies(JwsAlg::kES256, write("p256.pem", spki_pem(k.p256.get())), k.p256.get()));
  EXPECT_TRUE(
      loads_and_verifies(JwsAlg::kES384, write("p384.pem", spki_pem(k.p384.get())), k.p384.get()));
  EXPECT_TRUE(loads_and_verifies(JwsAlg::kEdDSA, write("ed.pem", spki_pem(k.ed25519.get())),
                                 k.ed25519.get()));
  const std::string pkcs1 = encoded_pem(k.rsa.get(), EVP_PKEY_PUBLIC_KEY, "type-specific");
  ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  EXPECT_TRUE(loads_and_verifies(JwsAlg::kRS384, write("pkcs1.pem", pkcs1), k.rsa.get()));
}

TEST_F(KeyFiles, ACertificatesKeyIsUsed) {
  const tls_test::CertificateFiles leaf = files_.leaf("issuer");  // leaf, then its CA
  const BioPtr bio(BIO_new_file(leaf.key_file.c_str(), "r"));
  const EvpPkeyPtr signer(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(signer);
  EXPECT_TRUE(loads_and_verifies(JwsAlg::kES256, leaf.cert_file, signer.get()));
  std::string error;
  EXPECT_FALSE(load_public_key_file(JwsAlg::kES384, leaf.cert_file, error));
  EXPECT_EQ(error, "an EC P-256 key cannot verify ES384");
}

TEST_F(KeyFiles, PrivateKeysAndOtherFilesAreRefused) {
  const IssuerKeys& k = issuer();
  const auto refused = [](JwsAlg alg, const std::string& path) {
    std::string error;
    EXPECT_FALSE(load_public_key_file(alg, path, error)) << path;
    EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL errors left queued by " << path;
    return error;
  };
  const std::string is_private = "is a private key: give the public key";
  EXPECT_EQ(refused(JwsAlg::kES256, files_.leaf("leaf").key_file), is_private);
  EXPECT_EQ(refused(JwsAlg::kRS256, write("pkcs1.key", encoded_pem(k.rsa.get(), EVP_PKEY_KEYPAIR,
                                                                   "type-specific"))),
            is_private);
  // A public key with a private one behind it is still a secret in a public place.
  const std::string both =
      spki_pem(k.p256.get()) + encoded_pem(k.p256.get(), EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  EXPECT_EQ(refused(JwsAlg::kES256, write("both.pem", both)), is_private);
  EXPECT_EQ(refused(JwsAlg::kES256, write("rsa.pem", spki_pem(k.rsa.get()))),
            "an RSA 2048-bit key cannot verify ES256");
  EXPECT_EQ(refused(JwsAlg::kHS256, write("p256.pem", spki_pem(k.p256.get()))),
            "an EC P-256 key cannot verify HS256");
  EvpPkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  EXPECT_EQ(refused(JwsAlg::kRS256, write("small.pem", spki_pem(small.get()))),
            "RSA modulus of 1024 bits is too short (2048 at least)");
  EXPECT_EQ(refused(JwsAlg::kRS256, write("garbage.pem", "not a key\n")), "not a PEM public key");
  EXPECT_EQ(
      refused(JwsAlg::kRS256,
              write("bad.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")),
      "malformed PUBLIC KEY block");
  EXPECT_EQ(refused(JwsAlg::kRS256, files_.dir() + "/missing.pem"),
            "cannot open: No such file or directory");
}

TEST_F(KeyFiles, JwksFilesAreReadBounded) {
  std::vector<JwtKey> keys;
  std::string error;
  const std::string set = jwks({object(ed25519_jwk(issuer().ed25519.get()))});
  ASSERT_TRUE(load_jwks_file(write("keys.json", set), keys, error)) << error;
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_FALSE(load_jwks_file(files_.dir() + "/missing.json", keys, error));
  EXPECT_EQ(error, "cannot open: No such file or directory");
  EXPECT_FALSE(
      load_jwks_file(write("big.json", std::string(kMaxKeyFileBytes + 1, ' ')), keys, error));
  EXPECT_EQ(error, "larger than 1 MiB");
  EXPECT_FALSE(load_jwks_file(files_.dir(), keys, error));
  EXPECT_EQ(error, "cannot read: Is a directory");
  EXPECT_EQ(keys.size(), 1u);
}

}  // namespace
}  // namespace ssegw
