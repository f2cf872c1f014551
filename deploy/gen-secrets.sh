#!/usr/bin/env bash
# Writes deploy/foresight.env from deploy/foresight.env.example with every CHANGE_ME replaced by a random
# secret (the workers' MLflow password is the admin's; POSTGRES_PWD and FORESIGHT_STATE_STORE_PASSWORD are POSTGRES_PASSWORD), and makes the ingestion API's TLS keystore.
# Refuses to overwrite an existing deploy/foresight.env. Then: deploy/temporal/gen-certs.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
env_file="$here/foresight.env"
if [ -e "$env_file" ]; then
  echo "$env_file exists; not overwriting it. Fix: move it away to generate new secrets" >&2
  exit 1
fi
umask 077
admin_pw="$(openssl rand -hex 24)"
pg_pw="$(openssl rand -hex 24)"
while IFS= read -r line; do
  case "$line" in
    MLFLOW_ADMIN_PASSWORD=CHANGE_ME|MLFLOW_TRACKING_PASSWORD=CHANGE_ME) echo "${line%%=*}=$admin_pw" ;;
    POSTGRES_PASSWORD=CHANGE_ME|POSTGRES_PWD=CHANGE_ME|FORESIGHT_STATE_STORE_PASSWORD=CHANGE_ME) echo "${line%%=*}=$pg_pw" ;;
    *=CHANGE_ME) echo "${line%%=*}=$(openssl rand -hex 24)" ;;
    *) echo "$line" ;;
  esac
done < "$here/foresight.env.example" > "$env_file"
echo "wrote $env_file (mode 600)"

ks_dir="$here/ingest"
mkdir -p "$ks_dir"
ks_pw="$(sed -n 's/^FORESIGHT_INGEST_TLS_PASSWORD=//p' "$env_file")"
rm -f "$ks_dir/ingest.p12"
keytool -genkeypair -alias ingest -keyalg EC -groupname secp256r1 -validity 365 -storetype PKCS12 \
  -dname "CN=${FORESIGHT_INGEST_HOSTNAME:-localhost}" \
  -ext "SAN=dns:${FORESIGHT_INGEST_HOSTNAME:-localhost},dns:ingest,dns:localhost,ip:127.0.0.1" \
  -keystore "$ks_dir/ingest.p12" -storepass "$ks_pw" -keypass "$ks_pw" >/dev/null 2>&1
chmod 640 "$ks_dir/ingest.p12"
if [ "$(id -u)" = 0 ]; then chgrp "${FORESIGHT_APP_UID:-10001}" "$ks_dir/ingest.p12"; fi
echo "wrote $ks_dir/ingest.p12 (self-signed for ${FORESIGHT_INGEST_HOSTNAME:-localhost}; replace it with your CA's certificate for production)"
