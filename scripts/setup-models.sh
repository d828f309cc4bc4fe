#!/usr/bin/env bash
source "$(dirname "$0")/lib.sh"
exec python3 "$(dirname "$0")/setup-models.py"
