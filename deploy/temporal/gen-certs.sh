#!/usr/bin/env bash
# Generates the certificates for Temporal's mutual TLS in the compose stack (never commit the output).
#   deploy/temporal/gen-certs.sh [OUT_DIR]          default OUT_DIR: deploy/temporal/certs
# Makes one CA, a server certificate for the frontend and internode traffic (names: temporal, localhost,
# 127.0.0.1), and one client certificate per caller: control-worker, training-worker, temporal-ui, admin.
# Keys are EC P-256 in PKCS#8 (what the Java SDK's SimpleSslContextBuilder.forPKCS8 reads), valid 365 days.
# Rerun it to rotate: every certificate is made anew, then restart the stack.
set -euo pipefail
out="${1:-$(dirname "${BASH_SOURCE[0]}")/certs}"
days="${FORESIGHT_CERT_DAYS:-365}"
# Non-root users that must read their keys: Foresight's image (Dockerfile USER) and Temporal's images.
app_uid="${FORESIGHT_APP_UID:-10001}"
temporal_uid="${TEMPORAL_UID:-1000}"
mkdir -p "$out"
chmod 700 "$out"
cd "$out"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

# The CA key stays in private/ (0700, the generating user's): the containers never need it.
mkdir -p private && chmod 700 private
key private/ca
openssl req -x509 -new -key private/ca.key -sha256 -days "$days" -subj "/CN=foresight-temporal-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

sign() { # name subject extensions
  key "$1"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey private/ca.key -CAcreateserial -sha256 -days "$days" \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

sign server temporal "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:temporal,DNS:localhost,IP:127.0.0.1"
for client in control-worker training-worker temporal-ui admin; do
  sign "$client" "$client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
rm -f ca.srl

# Certificates are public; each key is readable only by the user of the container that uses it.
chmod 755 .
chmod 644 ./*.pem
chmod 600 ./*.key
if [ "$(id -u)" = 0 ]; then
  chown "$app_uid" control-worker.key training-worker.key
  chown "$temporal_uid" server.key temporal-ui.key admin.key   # admin: the temporal container's healthcheck
else
  echo "note: as non-root the keys stay yours; for the containers run: sudo chown $app_uid $out/{control,training}-worker.key;" \
       "sudo chown $temporal_uid $out/{server,temporal-ui,admin}.key" >&2
fi
echo "certificates in $out: ca.pem, server.pem, control-worker.pem, training-worker.pem, temporal-ui.pem, admin.pem (+ .key)"
