#include "gateway/jws_signature.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jws_test_issuer.h"

namespace ssegw {
namespace {

using jws_test::generate;
using jws_test::sign;

// The public half only, as a verifier is configured with it.
EvpPkeyPtr public_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  EvpPkeyPtr pub(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return pub;
}

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

const std::string kInput = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0";

class EveryPublicKeyAlg : public ::testing::TestWithParam<JwsAlg> {};

TEST_P(EveryPublicKeyAlg, VerifiesItsOwnSignaturesAndNothingElse) {
  const JwsAlg alg = GetParam();
  EvpPkeyPtr pair = generate(alg);
  ASSERT_TRUE(pair);
  auto key = JwsKey::public_key(alg, public_of(pair.get()));
  ASSERT_TRUE(key);
  const std::string sig = sign(alg, pair.get(), kInput);
  EXPECT_TRUE(key->verify(alg, kInput, sig));
  EXPECT_FALSE(key->verify(alg, kInput + "x", sig));  // tampered payload
  std::string bad = sig;
  bad[bad.size() / 2] ^= 1;
  EXPECT_FALSE(key->verify(alg, kInput, bad));
  EXPECT_FALSE(key->verify(alg, kInput, ""));
  EXPECT_EQ(ERR_peek_error(), 0u);  // a forgery leaves nothing for the next TLS call to read
  // Algorithm confusion: an HS256 token whose "secret" is this key's public PEM.
  const std::string pem = public_pem(pair.get());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), pem.data(), static_cast<int>(pem.size()),
       reinterpret_cast<const unsigned char*>(kInput.data()), kInput.size(), mac, &mac_length);
  EXPECT_FALSE(
      key->verify(JwsAlg::kHS256, kInput, std::string(reinterpret_cast<char*>(mac), mac_length)));
}

INSTANTIATE_TEST_SUITE_P(Jws, EveryPublicKeyAlg,
                         ::testing::Values(JwsAlg::kRS256, JwsAlg::kRS384, JwsAlg::kRS512,
                                           JwsAlg::kPS256, JwsAlg::kPS384, JwsAlg::kPS512,
                                           JwsAlg::kES256, JwsAlg::kES384, JwsAlg::kEdDSA));

TEST(JwsKey, HmacSecretsVerifyTheirAlgorithmOnly) {
  for (JwsAlg alg : {JwsAlg::kHS256, JwsAlg::kHS384, JwsAlg::kHS512}) {
    const EVP_MD* digest = alg == JwsAlg::kHS256   ? EVP_sha256()
                           : alg == JwsAlg::kHS384 ? EVP_sha384()
                                                   : EVP_sha512();
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(digest, "s3cret", 6, reinterpret_cast<const unsigned char*>(kInput.data()), kInput.size(),
         mac, &length);
    const std::string sig(reinterpret_cast<char*>(mac), length);
    JwsKey key = JwsKey::secret(alg, "s3cret");
    EXPECT_TRUE(key.verify(alg, kInput, sig));
    EXPECT_FALSE(JwsKey::secret(alg, "other").verify(alg, kInput, sig));
    EXPECT_FALSE(key.verify(alg == JwsAlg::kHS256 ? JwsAlg::kHS384 : JwsAlg::kHS256, kInput, sig));
  }
}

TEST(JwsKey, AKeyOfTheWrongTypeOrSizeIsRefused) {
  EvpPkeyPtr ec = generate(JwsAlg::kES256);
  EXPECT_FALSE(JwsKey::public_key(JwsAlg::kRS256, public_of(ec.get())));
  EXPECT_FALSE(JwsKey::public_key(JwsAlg::kES384, public_of(ec.get())));  // P-256 for ES384
  EXPECT_FALSE(JwsKey::public_key(JwsAlg::kHS256, public_of(ec.get())));
  EvpPkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  EXPECT_FALSE(JwsKey::public_key(JwsAlg::kRS256, public_of(small.get())));
}

TEST(JwsAlgName, NoneAndUnknownNamesAreRefused) {
  EXPECT_EQ(parse_jws_alg("ES256"), JwsAlg::kES256);
  EXPECT_EQ(parse_jws_alg("EdDSA"), JwsAlg::kEdDSA);
  EXPECT_FALSE(parse_jws_alg("none"));
  EXPECT_FALSE(parse_jws_alg("hs256"));
  EXPECT_FALSE(parse_jws_alg(""));
}

TEST(Base64url, DecodesUnpaddedTextAndRefusesEverythingElse) {
  EXPECT_EQ(base64url_decode("eyJhbGciOiJIUzI1NiJ9"), std::string("{\"alg\":\"HS256\"}"));
  EXPECT_EQ(base64url_decode("YQ"), std::string("a"));
  EXPECT_EQ(base64url_decode("YWI"), std::string("ab"));
  EXPECT_EQ(base64url_decode(""), std::string());
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
  EXPECT_FALSE(base64url_decode("YQ=="));  // padding
  EXPECT_FALSE(base64url_decode("Y+/a"));  // base64, not base64url
  EXPECT_FALSE(base64url_decode("Y"));     // no encoding is 1 mod 4 long
  EXPECT_FALSE(base64url_decode("YR"));    // non-zero unused bits
}

}  // namespace
}  // namespace ssegw
