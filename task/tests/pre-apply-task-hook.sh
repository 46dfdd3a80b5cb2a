#!/usr/bin/env bash
# Catalog test hook (sourced by the catalog's e2e runner, which sets ${tns} to the test namespace): a
# throwaway ECDSA P-256 signing key (PKCS#8 PEM, the x509.pem layout Chains uses) as the Secret
# `signing-secrets`, so no key is ever committed. Runs in a subshell: the runner's shell options stay as they were.
(
  set -euo pipefail
  key_dir="$(mktemp -d)"
  trap 'rm -rf "$key_dir"' EXIT
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$key_dir/x509.pem"
  ${KUBECTL_CMD:-kubectl} -n "${tns:?the catalog runner sets tns}" create secret generic signing-secrets \
    --from-file=x509.pem="$key_dir/x509.pem"
)
