#include "jwt_keys.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

#include "openssl_handles.h"
#include "unique_fd.h"

namespace ssegw {
namespace {

namespace od = simdjson::ondemand;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A value from the file inside a message: short and printable, since messages reach logs.
std::string in_quotes(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out = "\"";
  for (char c : text.substr(0, kMaxShown)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

bool read_file(const std::string& path, std::string& text, std::string& error) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    error = "cannot open: " + std::generic_category().message(errno);
    return false;
  }
  text.clear();
  std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot read: " + std::generic_category().message(errno);
      return false;
    }
    if (n == 0) return true;
    if (text.size() + static_cast<size_t>(n) > kMaxKeyFileBytes) {
      error = "larger than 1 MiB";
      return false;
    }
    text.append(buffer.data(), static_cast<size_t>(n));
  }
}

std::string curve_of(EVP_PKEY* key) {
  std::array<char, 64> name{};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                     &length) != 1) {
    return "";
  }
  const std::string_view group(name.data(), length);
  if (group == "prime256v1") return "P-256";
  if (group == "secp384r1") return "P-384";
  if (group == "secp521r1") return "P-521";
  return std::string(group);
}

// What a message calls a key: "an RSA 2048-bit key", "an EC P-384 key".
std::string describe(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA"))
    return "an RSA " + std::to_string(EVP_PKEY_get_bits(key)) + "-bit key";
  if (EVP_PKEY_is_a(key, "EC")) {
    const std::string curve = curve_of(key);
    return curve.empty() ? "an EC key on an unnamed curve" : "an EC " + curve + " key";
  }
  if (EVP_PKEY_is_a(key, "ED25519")) return "an Ed25519 key";
  const char* type = EVP_PKEY_get0_type_name(key);
  return std::string("a key of type ") + (type != nullptr ? type : "unknown");
}

bool rsa_size_ok(int bits, std::string& error) {
  if (bits < kMinRsaBits) {
    error = "RSA modulus of " + std::to_string(bits) + " bits is too short (2048 at least)";
    return false;
  }
  if (bits > kMaxRsaBits) {
    error = "RSA modulus of " + std::to_string(bits) + " bits is too long (16384 at most)";
    return false;
  }
  return true;
}

// The key for `alg`, or why it cannot be.
std::optional<JwsKey> key_for(JwsAlg alg, EvpPkeyPtr key, std::string& error) {
  if (EVP_PKEY_is_a(key.get(), "RSA") && !rsa_size_ok(EVP_PKEY_get_bits(key.get()), error))
    return std::nullopt;
  const std::string what = describe(key.get());
  std::optional<JwsKey> made = JwsKey::public_key(alg, std::move(key));
  if (!made) error = what + " cannot verify " + std::string(jws_alg_name(alg));
  return made;
}

// ---- PEM

// The public key of one PEM block, when it holds one and nothing after it.
EvpPkeyPtr decode_pem_block(std::string_view name, std::string_view der) {
  const unsigned char* p = bytes_of(der);
  const long length = static_cast<long>(der.size());
  EvpPkeyPtr key;
  if (name == PEM_STRING_PUBLIC) {
    key.reset(d2i_PUBKEY(nullptr, &p, length));
  } else if (name == PEM_STRING_RSA_PUBLIC) {
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, length));
  } else {
    X509Ptr certificate(d2i_X509(nullptr, &p, length));
    if (certificate) key.reset(X509_get_pubkey(certificate.get()));
  }
  if (p != bytes_of(der) + der.size()) return nullptr;
  return key;
}

bool holds_public_key(std::string_view name) {
  return name == PEM_STRING_PUBLIC || name == PEM_STRING_RSA_PUBLIC || name == PEM_STRING_X509 ||
         name == PEM_STRING_X509_OLD;
}

// The first public key or certificate among the text's PEM blocks; others (EC PARAMETERS,
// a chain's further certificates) are passed over.
EvpPkeyPtr first_public_key(std::string_view text, std::string& error) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  while (bio) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) break;
    const std::unique_ptr<char, OpenSslFree> name_owner(name), header_owner(header);
    const std::unique_ptr<unsigned char, OpenSslFree> data_owner(data);
    if (!holds_public_key(name)) continue;
    EvpPkeyPtr key = decode_pem_block(name, {reinterpret_cast<char*>(data), size_t(length)});
    if (!key) error = std::string("malformed ") + name + " block";
    return key;
  }
  error = "not a PEM public key";
  return nullptr;
}

// ---- JWK

// The members of one JWK that matter here; others (x5c, x5t, ...) are ignored.
struct Jwk {
  std::optional<std::string> kty, alg, use, crv, kid, n, e, x, y;
  std::optional<std::vector<std::string>> key_ops;
  std::string private_member;  // the first private (or secret) member seen
};

using JwkString = std::optional<std::string> Jwk::*;
constexpr std::array<std::pair<std::string_view, JwkString>, 9> kStringMembers = {{
    {"kty", &Jwk::kty},
    {"alg", &Jwk::alg},
    {"use", &Jwk::use},
    {"crv", &Jwk::crv},
    {"kid", &Jwk::kid},
    {"n", &Jwk::n},
    {"e", &Jwk::e},
    {"x", &Jwk::x},
    {"y", &Jwk::y},
}};
// RFC 7518 6.3.2 and 6.2.2 (RSA and EC private parts), 6.4.1 (a symmetric key's value).
constexpr std::array<std::string_view, 8> kPrivateMembers = {"d",  "p",  "q",   "dp",
                                                             "dq", "qi", "oth", "k"};

bool fail(std::string& error, std::string why) {
  error = std::move(why);
  return false;
}
EvpPkeyPtr no_key(std::string& error, std::string why) {
  error = std::move(why);
  return nullptr;
}

bool read_key_ops(od::value value, Jwk& jwk, std::string& error) {
  if (jwk.key_ops) return fail(error, "duplicate \"key_ops\"");
  od::array array;
  if (value.get_array().get(array)) return fail(error, "\"key_ops\" is not an array");
  jwk.key_ops.emplace();
  for (auto item : array) {
    std::string_view op;
    if (item.get_string().get(op)) return fail(error, "\"key_ops\" holds a non-string");
    jwk.key_ops->emplace_back(op);
  }
  return true;
}

bool read_jwk(od::value value, Jwk& jwk, std::string& error) {
  od::object object;
  if (value.get_object().get(object)) return fail(error, "not an object");
  for (auto field : object) {
    std::string_view name;
    if (field.unescaped_key().get(name)) return fail(error, "malformed JSON");
    const std::string member(name);  // the key's text is reused by the next unescaped_key
    od::value member_value;
    if (field.value().get(member_value)) return fail(error, "malformed JSON");
    if (std::find(kPrivateMembers.begin(), kPrivateMembers.end(), member) !=
        kPrivateMembers.end()) {
      if (jwk.private_member.empty()) jwk.private_member = member;
      continue;
    }
    if (member == "key_ops") {
      if (!read_key_ops(member_value, jwk, error)) return false;
      continue;
    }
    for (const auto& [known, slot] : kStringMembers) {
      if (member != known) continue;
      if (jwk.*slot) return fail(error, "duplicate " + in_quotes(member));
      std::string_view text;
      if (member_value.get_string().get(text))
        return fail(error, in_quotes(member) + " is not a string");
      jwk.*slot = std::string(text);
    }
  }
  return true;
}

// A member's base64url bytes, or why not.
std::optional<std::string> member_bytes(const std::optional<std::string>& value,
                                        std::string_view name, std::string& error) {
  if (!value) {
    error = "no " + in_quotes(name);
    return std::nullopt;
  }
  std::optional<std::string> bytes = base64url_decode(*value);
  if (!bytes || bytes->empty()) error = in_quotes(name) + " is not base64url";
  return bytes && !bytes->empty() ? bytes : std::nullopt;
}

EvpPkeyPtr key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
  const ParamsPtr params(OSSL_PARAM_BLD_to_param(builder));
  const EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(key);
}

BignumPtr big_endian(const std::string& bytes) {
  return BignumPtr(BN_bin2bn(bytes_of(bytes), static_cast<int>(bytes.size()), nullptr));
}

EvpPkeyPtr rsa_key(const Jwk& jwk, std::string& error) {
  const std::optional<std::string> n = member_bytes(jwk.n, "n", error);
  if (!n) return nullptr;
  const std::optional<std::string> e = member_bytes(jwk.e, "e", error);
  if (!e) return nullptr;
  const BignumPtr modulus = big_endian(*n);
  const BignumPtr exponent = big_endian(*e);
  if (!modulus || !exponent) return no_key(error, "out of memory");
  if (!rsa_size_ok(BN_num_bits(modulus.get()), error)) return nullptr;
  if (!BN_is_odd(modulus.get())) return no_key(error, "RSA modulus is even");
  // 64 bits is OpenSSL's own limit above 3072-bit moduli; below it, a huge exponent would
  // make every signature check as slow as signing.
  const int exponent_bits = BN_num_bits(exponent.get());
  if (!BN_is_odd(exponent.get()) || exponent_bits < 2 || exponent_bits > 64)
    return no_key(error, "RSA exponent must be odd, from 3 to 64 bits");
  const ParamBuilderPtr builder(OSSL_PARAM_BLD_new());
  EvpPkeyPtr key;
  if (builder && OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) == 1 &&
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) == 1) {
    key = key_from_params("RSA", builder.get());
  }
  if (!key) error = "OpenSSL refused the RSA key";
  return key;
}

struct Curve {
  std::string_view crv;
  const char* group;
  size_t coordinate_bytes;
  JwsAlg alg;
};
constexpr std::array<Curve, 2> kCurves = {
    {{"P-256", "prime256v1", 32, JwsAlg::kES256}, {"P-384", "secp384r1", 48, JwsAlg::kES384}}};

// The point 0x04 || x || y on the named curve, checked to lie on it.
EvpPkeyPtr ec_key(const Jwk& jwk, JwsAlg& implied, std::string& error) {
  if (!jwk.crv) return no_key(error, "no \"crv\"");
  const Curve* curve = nullptr;
  for (const Curve& c : kCurves)
    if (c.crv == *jwk.crv) curve = &c;
  if (curve == nullptr) return no_key(error, "unsupported EC curve " + in_quotes(*jwk.crv));
  const std::optional<std::string> x = member_bytes(jwk.x, "x", error);
  if (!x) return nullptr;
  const std::optional<std::string> y = member_bytes(jwk.y, "y", error);
  if (!y) return nullptr;
  const std::string size = std::to_string(curve->coordinate_bytes);
  if (x->size() != curve->coordinate_bytes || y->size() != curve->coordinate_bytes)
    return no_key(error, "EC x and y must be " + size + " bytes each on " + *jwk.crv);
  const std::string point = '\x04' + *x + *y;
  const ParamBuilderPtr builder(OSSL_PARAM_BLD_new());
  EvpPkeyPtr key;
  if (builder &&
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->group, 0) ==
          1 &&
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) == 1) {
    key = key_from_params("EC", builder.get());
  }
  // fromdata already refuses most bad points; the check makes it explicit and total.
  const EvpPkeyCtxPtr check(key ? EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr)
                                : nullptr);
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return no_key(error, "EC point is not on curve " + *jwk.crv);
  implied = curve->alg;
  return key;
}

EvpPkeyPtr okp_key(const Jwk& jwk, std::string& error) {
  if (!jwk.crv) return no_key(error, "no \"crv\"");
  if (*jwk.crv != "Ed25519") return no_key(error, "unsupported OKP curve " + in_quotes(*jwk.crv));
  const std::optional<std::string> x = member_bytes(jwk.x, "x", error);
  if (!x) return nullptr;
  if (x->size() != 32) return no_key(error, "Ed25519 x must be 32 bytes");
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_of(*x), x->size()));
  if (!key) error = "OpenSSL refused the Ed25519 key";
  return key;
}

enum class JwkVerdict { kUse, kSkip, kRefuse };

JwkVerdict refuse(std::string& error, std::string why) {
  error = std::move(why);
  return JwkVerdict::kRefuse;
}

JwkVerdict jwk_key(const Jwk& jwk, std::optional<JwsKey>& out, std::string& error) {
  if (!jwk.kty) return refuse(error, "no \"kty\"");
  // Refused even when marked for another use: the secret is exposed either way.
  if (*jwk.kty == "oct")
    return refuse(error, "kty \"oct\" is a shared secret: secrets go in the config");
  if (!jwk.private_member.empty())
    return refuse(error, "private key member " + in_quotes(jwk.private_member) +
                             ": a JWK Set holds public keys only");
  if (jwk.use && *jwk.use != "sig") return JwkVerdict::kSkip;
  if (jwk.key_ops &&
      std::find(jwk.key_ops->begin(), jwk.key_ops->end(), "verify") == jwk.key_ops->end()) {
    return JwkVerdict::kSkip;
  }
  std::optional<JwsAlg> alg;
  if (jwk.alg && !(alg = parse_jws_alg(*jwk.alg)))
    return refuse(error, "unsupported alg " + in_quotes(*jwk.alg));
  JwsAlg implied = JwsAlg::kRS256;
  EvpPkeyPtr key;
  if (*jwk.kty == "RSA") {
    key = rsa_key(jwk, error);
  } else if (*jwk.kty == "EC") {
    key = ec_key(jwk, implied, error);
  } else if (*jwk.kty == "OKP") {
    key = okp_key(jwk, error);
    implied = JwsAlg::kEdDSA;
  } else {
    return refuse(error, "unknown kty " + in_quotes(*jwk.kty));
  }
  if (!key) return JwkVerdict::kRefuse;
  out = key_for(alg.value_or(implied), std::move(key), error);
  return out ? JwkVerdict::kUse : JwkVerdict::kRefuse;
}

// Every entry of "keys"; `count` says how many there were, skipped ones included.
bool read_keys(od::array array, std::vector<JwtKey>& found, size_t& count, std::string& error) {
  for (auto item : array) {
    const std::string where = "keys[" + std::to_string(count) + "]: ";
    if (++count > kMaxJwksKeys) return fail(error, "more than 1000 keys");
    od::value value;
    Jwk jwk;
    std::optional<JwsKey> key;
    if (item.get(value)) return fail(error, where + "malformed JSON");
    if (!read_jwk(value, jwk, error)) return fail(error, where + error);
    const JwkVerdict verdict = jwk_key(jwk, key, error);
    if (verdict == JwkVerdict::kRefuse) return fail(error, where + error);
    if (verdict == JwkVerdict::kUse) found.push_back(JwtKey{jwk.kid.value_or(""), std::move(*key)});
  }
  return true;
}

bool read_jwks(std::string_view json, std::vector<JwtKey>& found, std::string& error) {
  const simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  od::object set;
  if (parser.iterate(padded).get(doc)) return fail(error, "malformed JSON");
  if (const auto code = doc.get_object().get(set))
    return fail(error, code == simdjson::INCORRECT_TYPE ? "not a JWK Set: {\"keys\":[...]} expected"
                                                        : "malformed JSON");
  bool seen = false;
  size_t count = 0;
  for (auto field : set) {
    std::string_view name;
    if (field.unescaped_key().get(name)) return fail(error, "malformed JSON");
    if (name != "keys") continue;  // the set's other members are not about its keys
    if (seen) return fail(error, "duplicate \"keys\"");
    seen = true;
    od::array array;
    if (field.value().get_array().get(array)) return fail(error, "\"keys\" is not an array");
    if (!read_keys(array, found, count, error)) return false;
  }
  // On-Demand reads only what is asked for: anything after the set's "}" is refused here.
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) return fail(error, "malformed JSON");
  if (!seen) return fail(error, "no \"keys\" array");
  if (count == 0) return fail(error, "the JWK Set has no keys");
  if (found.empty()) return fail(error, "no key in the JWK Set verifies signatures");
  return true;
}

}  // namespace

std::optional<JwsKey> load_public_key_file(JwsAlg alg, const std::string& path,
                                           std::string& error) {
  const OpenSslErrorScope errors;
  std::string text;
  if (!read_file(path, text, error)) return std::nullopt;
  // Any private key block, even one OpenSSL could not read: a secret is where it should not be.
  if (text.find("PRIVATE KEY-----") != std::string::npos) {
    error = "is a private key: give the public key";
    return std::nullopt;
  }
  EvpPkeyPtr key = first_public_key(text, error);
  if (!key) return std::nullopt;
  return key_for(alg, std::move(key), error);
}

bool parse_jwks(std::string_view json, std::vector<JwtKey>& keys, std::string& error) {
  if (json.size() > kMaxKeyFileBytes) return fail(error, "larger than 1 MiB");
  const OpenSslErrorScope errors;
  std::vector<JwtKey> found;
  if (!read_jwks(json, found, error)) return false;
  keys.insert(keys.end(), std::make_move_iterator(found.begin()),
              std::make_move_iterator(found.end()));
  return true;
}

bool load_jwks_file(const std::string& path, std::vector<JwtKey>& keys, std::string& error) {
  std::string text;
  return read_file(path, text, error) && parse_jwks(text, keys, error);
}

}  // namespace ssegw
