# shellcheck shell=bash
# helm for scripts/services.sh (sourced after lib.sh): the pinned, checksum-verified binary of
# scripts/install-helm.sh in .local/bin (HELM_BIN in .local/env). Not a service: nothing to stop.

HELM_PATH="$BIN_DIR/helm"

# Only fetch when absent: install-helm.sh verifies checksums, which costs ~0.3 s per run.
helm_ensure() { [[ -x "$HELM_PATH" ]] || bash "$SCRIPTS_DIR/install-helm.sh" "$BIN_DIR"; }
