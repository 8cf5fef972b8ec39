#!/bin/sh
# Add the tlslab teaching CA to an NSS certificate database, which Chromium and Firefox use on Linux.
# Needs certutil from libnss3-tools (Debian/Ubuntu: sudo apt-get install libnss3-tools).
set -eu

usage() {
  cat <<USAGE
Usage: scripts/trust-ca-nss.sh [--db DIR] [--cert FILE] [--name NICK] [--remove]

Adds the tlslab CA certificate to an NSS database as a CA trusted to identify websites
(certutil trust flags "C,,"). Chromium reads \$HOME/.pki/nssdb; Firefox has one database per
profile (pass --db ~/.mozilla/firefox/<profile>). Restart the browser afterwards.

  --db DIR     NSS database folder (default: \$HOME/.pki/nssdb; created if missing)
  --cert FILE  CA certificate to add (default: certs/tlslab-ca.pem in this checkout)
  --name NICK  nickname in the database (default: "tlslab Teaching CA")
  --remove     remove the certificate with that nickname instead of adding it
  -h, --help   this text

Only trust a CA you made or were given on purpose, and remove it after the lab (--remove):
whoever holds its private key can read the HTTPS traffic of a browser that trusts it.
USAGE
}

here=$(cd "$(dirname "$0")/.." && pwd)
db="${HOME:-}/.pki/nssdb"
cert="$here/certs/tlslab-ca.pem"
name="tlslab Teaching CA"
remove=0

while [ $# -gt 0 ]; do
  case "$1" in
    --db) [ $# -ge 2 ] || { echo "trust-ca-nss: --db needs a folder" >&2; exit 2; }; db="$2"; shift 2 ;;
    --cert) [ $# -ge 2 ] || { echo "trust-ca-nss: --cert needs a file" >&2; exit 2; }; cert="$2"; shift 2 ;;
    --name) [ $# -ge 2 ] || { echo "trust-ca-nss: --name needs a nickname" >&2; exit 2; }; name="$2"; shift 2 ;;
    --remove) remove=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "trust-ca-nss: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v certutil >/dev/null 2>&1; then
  echo "trust-ca-nss: certutil not found. Install it: sudo apt-get install libnss3-tools (Fedora: nss-tools)" >&2
  exit 3
fi

if [ "$remove" -eq 1 ]; then
  if certutil -d "sql:$db" -L -n "$name" >/dev/null 2>&1; then
    certutil -d "sql:$db" -D -n "$name"
    echo "Removed \"$name\" from $db. Restart the browser."
  else
    echo "\"$name\" is not in $db: nothing to remove."
  fi
  exit 0
fi

if [ ! -r "$cert" ]; then
  echo "trust-ca-nss: cannot read the CA certificate $cert." >&2
  echo "Run \`npx tlslab ca init\` (or \`npm start\` once) to create it, or pass --cert FILE." >&2
  exit 4
fi
if ! grep -q -- "-----BEGIN CERTIFICATE-----" "$cert"; then
  echo "trust-ca-nss: $cert is not a PEM certificate (export one with \`npx tlslab ca export --out FILE\`)." >&2
  exit 4
fi

if [ ! -f "$db/cert9.db" ]; then
  mkdir -p "$db"
  chmod 700 "$db"
  certutil -d "sql:$db" -N --empty-password
  echo "Created a new NSS database in $db."
fi

# Replace an older tlslab CA with the same nickname (after `tlslab ca init --force`).
if certutil -d "sql:$db" -L -n "$name" >/dev/null 2>&1; then
  certutil -d "sql:$db" -D -n "$name"
  echo "Replaced the previous \"$name\"."
fi

certutil -d "sql:$db" -A -t "C,," -n "$name" -i "$cert"
fingerprint=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 2>/dev/null | sed 's/^.*=//' || true)
echo "Added \"$name\" to $db (trusted to identify websites)."
if [ -n "$fingerprint" ]; then echo "SHA-256 fingerprint: $fingerprint (compare with \`npx tlslab ca show\`)."; fi
echo "Restart Chromium/Firefox for it to take effect. Remove it after the lab: scripts/trust-ca-nss.sh --remove"
