#!/usr/bin/env bash
# The demo until the daemon exists: check every chain file, then trace one
# packet through each chain of the chosen file, as an operator would.
set -euo pipefail
trace="$1"
config="$2"

echo "== chain-trace check Chains/*.yaml"
"$trace" check Chains/*.yaml
echo
for chain in $("$trace" check --json "$config" | /usr/bin/python3 -c 'import json,sys; [print(c["name"]) for c in json.load(sys.stdin)["chains"]]'); do
    echo "== chain-trace simulate --config $config --chain $chain"
    "$trace" simulate --config "$config" --chain "$chain"
    echo
done
