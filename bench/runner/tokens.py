"""The keys and tokens of the authenticated-subscription benchmark (auth_subscribe.py), as
certs.py makes the TLS scenario's certificates.

An HS256 secret and an ES256 (P-256) key pair are made for each run, the pair with the openssl
CLI; the tokens are signed with PyJWT (Debian's python3-jwt), a library that is not the
gateway's, so the gateway verifies what another implementation signed.
"""
import os
import secrets
import time

import jwt

from .certs import _openssl

ES256_KID = "e1"


class TokenKeys:
    """The secret, the public key file the gateway loads, and one token per channel."""

    def __init__(self, directory, channels, lifetime_s):
        """channels: {"HS256": "/hs", "ES256": "/es"}; each token may subscribe to its own
        channel only, and expires lifetime_s from now (the gateway cuts a stream at exp)."""
        os.makedirs(directory, exist_ok=True)
        # 64 characters: over the 32 bytes the gateway asks of an HS256 secret.
        self.secret = secrets.token_hex(32)
        private_key = os.path.join(directory, "ec.key")
        self.es256_public_key = os.path.join(directory, "ec.pub")
        _openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", private_key],
                 directory)
        _openssl(["pkey", "-in", private_key, "-pubout", "-out", self.es256_public_key],
                 directory)
        with open(private_key) as f:
            pem = f.read()
        now = int(time.time())

        def claims(path):
            return {"sse": {"subscribe": [path]}, "iat": now, "exp": now + int(lifetime_s)}

        self.tokens = {
            "HS256": jwt.encode(claims(channels["HS256"]), self.secret, algorithm="HS256"),
            "ES256": jwt.encode(claims(channels["ES256"]), pem, algorithm="ES256",
                                headers={"kid": ES256_KID}),
        }

    def auth_yaml(self):
        """The gateway's auth: section for these keys."""
        return ("auth:\n  jwt:\n    keys:\n"
                f"      - {{alg: HS256, secret: \"{self.secret}\"}}\n"
                f"      - {{alg: ES256, public_key_file: {self.es256_public_key}, "
                f"kid: {ES256_KID}}}\n"
                "    leeway: 30s\n")
