"""The one certificate every server presents in the TLS scenario, made with the openssl CLI.

A throwaway CA signs a leaf for localhost and 127.0.0.1; the load clients trust that CA
(`sse_load --cacert`) and check the name "localhost" (SNI too). Both keys are ECDSA P-256:
the curve every browser and TLS library accepts for certificates, and a cheap signature per
full handshake, so the ramp of new TLS connections costs the servers alike and little.
"""
import os
import subprocess

SUBJECT_ALT_NAMES = "DNS:localhost,IP:127.0.0.1"


class Certificates:
    def __init__(self, directory):
        self.dir = directory
        self.ca_cert = os.path.join(directory, "ca.crt")
        self.cert = os.path.join(directory, "localhost.crt")
        self.key = os.path.join(directory, "localhost.key")


def _openssl(args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certificates(directory):
    """Writes the CA and the leaf into `directory`; returns their paths, or raises
    subprocess.CalledProcessError with openssl's message."""
    os.makedirs(directory, exist_ok=True)
    c = Certificates(directory)
    p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(["req", "-x509", *p256, "-keyout", "ca.key", "-out", c.ca_cert, "-days", "7",
              "-subj", "/CN=sse-gateway benchmark CA",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"], directory)
    _openssl(["req", *p256, "-keyout", c.key, "-out", "localhost.csr",
              "-subj", "/CN=localhost"], directory)
    with open(os.path.join(directory, "leaf.ext"), "w") as f:
        f.write(f"subjectAltName={SUBJECT_ALT_NAMES}\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    _openssl(["x509", "-req", "-in", "localhost.csr", "-CA", c.ca_cert, "-CAkey", "ca.key",
              "-CAcreateserial", "-days", "7", "-extfile", "leaf.ext", "-out", c.cert], directory)
    os.chmod(c.key, 0o600)
    return c
