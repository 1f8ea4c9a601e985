#include "gateway/jws_signature.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace ssegw {
namespace {

EvpPkeyPtr generate(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kES256:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    case JwsAlg::kES384:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    case JwsAlg::kEdDSA:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    default:
      return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  }
}

const EVP_MD* md(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS384:
    case JwsAlg::kPS384:
    case JwsAlg::kES384:
      return EVP_sha384();
    case JwsAlg::kRS512:
    case JwsAlg::kPS512:
      return EVP_sha512();
    case JwsAlg::kEdDSA:
      return nullptr;
    default:
      return EVP_sha256();
  }
}

// Signs as a JWS producer would, with the private key; ECDSA converted to r || s.
std::string sign(JwsAlg alg, EVP_PKEY* key, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, md(alg), nullptr, key), 1);
  if (alg == JwsAlg::kPS256 || alg == JwsAlg::kPS384 || alg == JwsAlg::kPS512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t length = 0;
  EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(length, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &length,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(length);
  EVP_MD_CTX_free(ctx);
  if (alg != JwsAlg::kES256 && alg != JwsAlg::kES384) return sig;
  const size_t half = alg == JwsAlg::kES256 ? 32 : 48;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string raw(2 * half, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()),
               static_cast<int>(half));
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data() + half),
               static_cast<int>(half));
  ECDSA_SIG_free(ecdsa);
  return raw;
}

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
