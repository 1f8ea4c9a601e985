"""Writes an RFC 7517 JWK set of public keys for the auth suite.

    make_jwks.py OUT KID=ALG:PUBLIC_KEY_PEM...

Each key is written by PyJWT's own JWK export (RSA, EC P-256/P-384 and OKP Ed25519, which
needs the cryptography module, as PyJWT's RS/ES/EdDSA signing does anyway), with "kid",
"alg" and "use": "sig" in place of the "key_ops" PyJWT puts on RSA keys. PyJWT 2.6 drops
an EC coordinate's leading zero bytes, which RFC 7518 section 6.2.1.2 forbids (one key in
about a hundred would come out a byte short), so x and y are written again at full length. The set is written to OUT.tmp and renamed over OUT, so a
gateway reloading it never reads half a file.
"""

import base64
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

EXPORTERS = {"RS": RSAAlgorithm, "PS": RSAAlgorithm, "ES": ECAlgorithm, "Ed": OKPAlgorithm}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def full_length_coordinates(public_key):
    size = (public_key.curve.key_size + 7) // 8
    numbers = public_key.public_numbers()
    return {"x": b64url(numbers.x.to_bytes(size, "big")),
            "y": b64url(numbers.y.to_bytes(size, "big"))}


def jwk(spec):
    kid, _, rest = spec.partition("=")
    alg, _, pem_path = rest.partition(":")
    if not kid or not alg or not pem_path or alg[:2] not in EXPORTERS:
        raise SystemExit(f"bad key spec {spec!r}: want KID=ALG:PUBLIC_KEY_PEM")
    with open(pem_path, "rb") as f:
        public_key = serialization.load_pem_public_key(f.read())
    key = json.loads(EXPORTERS[alg[:2]].to_jwk(public_key))
    # RFC 7517 section 4.3: "use" and "key_ops" should not stand together; keep "use".
    key.pop("key_ops", None)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        key.update(full_length_coordinates(public_key))
    key.update({"kid": kid, "alg": alg, "use": "sig"})
    return key


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    out = argv[1]
    key_set = {"keys": [jwk(spec) for spec in argv[2:]]}
    with open(out + ".tmp", "w") as f:
        json.dump(key_set, f, indent=1)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv)
