#!/usr/bin/env bash
# Makes the auth suite's signing keys in DIR with openssl, each as NAME.key (PKCS#8 private)
# and NAME.pub (SubjectPublicKeyInfo), then the JWK sets the tests name in jwks_file:
#
#   rsa        RSA 2048   RS256..PS512 in the config's keys, and RS256 in jwks.json
#   ec256      P-256      ES256 in the config's keys
#   ec384      P-384      ES384 in the config's keys
#   ed25519    Ed25519    EdDSA in the config's keys
#   jwk_ec256, jwk_ec384, jwk_ed25519   only in jwks.json, so a token they sign is good only
#                                       when the gateway read the set
#   rot_a, rot_b   P-256 and Ed25519: jwks_a.json holds only kid rot-a, jwks_b.json only rot-b
#
# PYTHON is the interpreter for make_jwks.py (one that imports jwt and cryptography).
set -euo pipefail

dir=${1:?usage: make_test_keys.sh DIR PYTHON}
python=${2:?usage: make_test_keys.sh DIR PYTHON}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cd "$dir"

key() {
  local name=$1
  shift
  openssl genpkey "$@" -out "$name.key" 2>/dev/null
  openssl pkey -in "$name.key" -pubout -out "$name.pub"
}

key rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key ec256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key ec384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
key ed25519 -algorithm ED25519
key jwk_ec256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key jwk_ec384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
key jwk_ed25519 -algorithm ED25519
key rot_a -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key rot_b -algorithm ED25519

"$python" "$here/make_jwks.py" jwks.json \
  jwk-rsa=RS256:rsa.pub jwk-ec256=ES256:jwk_ec256.pub jwk-ec384=ES384:jwk_ec384.pub \
  jwk-ed25519=EdDSA:jwk_ed25519.pub
"$python" "$here/make_jwks.py" jwks_a.json rot-a=ES256:rot_a.pub
"$python" "$here/make_jwks.py" jwks_b.json rot-b=EdDSA:rot_b.pub
