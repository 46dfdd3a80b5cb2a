#!/usr/bin/env bash
# Attest one PipelineRun by hand with tkn: every param has a default, so nothing is prompted.
#   usage: tkn-task-start.sh PIPELINERUN [SERVICE_ACCOUNT]
set -euo pipefail
pipelinerun="${1:?name the PipelineRun to attest}"
service_account="${2:-pipeline}"
tkn task start tekton-attest -s "$service_account" -p pipelinerun-name="$pipelinerun" \
  -w name=signing-secrets,secret=signing-secrets --use-param-defaults --showlog
