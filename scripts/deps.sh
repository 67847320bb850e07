#!/usr/bin/env bash
# Install what tlsprobe needs on Debian 12 (as root). Idempotent and quiet when
# everything is already there.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libwolfssl-dev libpcap-dev libcmocka-dev libidn2-dev
      zlib1g-dev liblzma-dev libzstd-dev xz-utils zstd # compressed captures (src/capture/instream.c)
      openssl tcpdump tshark curl clang libclang-rt-14-dev valgrind python3 iproute2
      python3-cryptography python3-jsonschema # python3-cryptography: tests/differential, tests/fuzz/make_dtls_seeds.py, make_session_seeds.py; python3-jsonschema: tests/schema
      bash-completion zsh                     # tests/integration/test_completions.sh
      debhelper dpkg-dev fakeroot lintian     # tests/integration/test_deb.sh (debian/)
      chromium                                # tests/integration/test_html.sh loads the HTML report headless
      golang-go                               # Go peers (standard library): test_key_mismatch, test_explain_side, test_headers
      postgresql dovecot-imapd dovecot-pop3d slapd python3-aiosmtpd # real STARTTLS servers: tests/integration/test_starttls.sh
      nmap gnutls-bin                         # tests/integration/test_scan.sh: ssl-enum-ciphers to compare with, gnutls-serv
      dovecot-managesieved                    # ... and ManageSieve in the same Dovecot
      mariadb-server prosody python3-pyftpdlib # real STARTTLS servers: tests/integration/test_starttls_servers.sh
      tinyproxy mitmproxy)                    # real HTTP proxies (CONNECT; TLS inspection): tests/integration/test_proxy.sh
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture: answer no, non-interactively.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq
  # The STARTTLS test servers (PostgreSQL, Dovecot, slapd, MariaDB, Prosody) are started by the tests
  # themselves, in temp dirs: keep their packages from starting system services.
  rc_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && rc_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$rc_policy" ] || rm -f /usr/sbin/policy-rc.d
fi
