#!/usr/bin/env bash
# Takes a manual RDS snapshot before a production deploy and waits until it is available (BK-5).
# Manual snapshots are kept until someone deletes them, unlike automated backups.
#
# Usage: rds-snapshot.sh <db-instance-identifier> <label>
#   label  what the deploy is, e.g. the commit and run number: "3b1af74-run-812"
# Writes snapshot=<identifier> to $GITHUB_OUTPUT when it is set.
set -euo pipefail

usage="usage: rds-snapshot.sh <db-instance-identifier> <label>"
instance="${1:?$usage}"
label="${2:?$usage}"

# A snapshot identifier: letters, digits and single hyphens, starting with a letter, at most 255
# characters, not ending with a hyphen.
snapshot="predeploy-${instance}-${label}"
snapshot="$(printf '%s' "$snapshot" | tr -c 'A-Za-z0-9-' '-' | tr -s '-')"
snapshot="${snapshot:0:255}"
snapshot="${snapshot%-}"

echo "Snapshotting RDS instance ${instance} as ${snapshot} before the deploy (BK-5)"
aws rds create-db-snapshot \
  --db-instance-identifier "$instance" \
  --db-snapshot-identifier "$snapshot" \
  --tags "Key=runbook:purpose,Value=pre-deploy" "Key=runbook:label,Value=${label}" \
  --output text --query 'DBSnapshot.DBSnapshotArn'
aws rds wait db-snapshot-available --db-snapshot-identifier "$snapshot"
echo "Snapshot ${snapshot} is available"

if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "snapshot=${snapshot}" >>"$GITHUB_OUTPUT"
fi
