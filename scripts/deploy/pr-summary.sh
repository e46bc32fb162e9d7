#!/usr/bin/env bash
# The pull-request summary (DL-5): the offline plan of every stack, the desired-state diff against
# the base branch, and the sections of the generated runbook (docs/runbooks/<stack>/) the change
# alters, as one Markdown comment. Needs no secrets and no cloud access.
#
# Usage: pr-summary.sh <base ref> <output directory>
#   base ref  what the pull request merges into, e.g. origin/main (fetched, full history)
# Writes <output directory>/comment.md (starting with the comment marker) and the plan, diff and
# runbook files of each stack. Exits 1 when a stack fails its plan or its diff, 2 on an error, after
# writing everything.
set -euo pipefail

base="${1:?usage: pr-summary.sh <base ref> <output directory>}"
out="${2:?usage: pr-summary.sh <base ref> <output directory>}"
cli=(node dist/cli/runbook.js)
marker="<!-- runbook-pr-summary -->"
# GitHub comments hold at most 65536 characters; each stack gets an equal share.
limit=60000

mkdir -p "$out"
mapfile -t stacks < <(find . -maxdepth 1 -name 'Pulumi.*.yaml' -printf '%f\n' | sed -e 's/^Pulumi\.//' -e 's/\.yaml$//' | sort)
if [[ "${#stacks[@]}" -eq 0 ]]; then
  echo "no Pulumi.<stack>.yaml files here" >&2
  exit 2
fi
share=$((limit / ${#stacks[@]}))
worst=0

# Runs a command, keeps its output, and remembers the worst exit code.
run() {
  local log="$1"
  shift
  local code=0
  "$@" >"$log" 2>&1 || code=$?
  if ((code > worst)); then worst=$code; fi
  return 0
}

for stack in "${stacks[@]}"; do
  run "$out/plan-$stack.log" "${cli[@]}" plan --stack "$stack" --json "$out/plan-$stack.json" --markdown "$out/plan-$stack.md"
  run "$out/diff-$stack.log" "${cli[@]}" diff --base "$base" --stack "$stack" --json "$out/diff-$stack.json" --markdown "$out/diff-$stack.md"
  # The runbook from the plan just written (no second plan), its sections compared with the pages
  # committed at the base.
  reuse=()
  if [[ -s "$out/plan-$stack.json" ]]; then reuse=(--plan "$out/plan-$stack.json"); fi
  run "$out/docs-$stack.log" "${cli[@]}" docs --stack "$stack" "${reuse[@]}" --out "$out/runbook-$stack" --base "$base" --markdown "$out/docs-$stack.md"
done

fence='```'
# cut_to TEXT ROOM: TEXT cut to about ROOM characters, with an open code block or <details> closed
# so that what follows still renders, and a note saying where the rest is.
cut_to() {
  local text="${1:0:$(($2 > 300 ? $2 - 300 : 0))}" fences details closes
  fences=$(grep -c '^```' <<<"$text" || true)
  details=$(grep -c '<details>' <<<"$text" || true)
  closes=$(grep -c '</details>' <<<"$text" || true)
  if ((fences % 2 == 1)); then text+=$'\n'"$fence"; fi
  if ((details > closes)); then text+=$'\n\n</details>'; fi
  printf '%s\n\n… (cut to fit the comment; the full files are in the workflow run'"'"'s artifact)\n\n' "$text"
}
# A stack's part of the comment: the command's Markdown, or the end of its log when it failed.
part_of() { # part_of PART STACK
  if [[ -s "$out/$1-$2.md" ]]; then
    cat "$out/$1-$2.md"
  else
    printf '### Runbook %s: %s failed\n\n%s\n%s\n%s\n' "$1" "\`$2\`" "$fence" "$(tail -c 3000 "$out/$1-$2.log")" "$fence"
  fi
}

{
  echo "$marker"
  echo "## Runbook: offline plan and desired-state diff"
  echo
  echo "Commit \`$(git rev-parse --short HEAD)\` against \`$base\` (\`$(git rev-parse --short "$base")\`). Planned offline with the policy pack; no cloud credentials were used. The runbook sections are compared with the pages under \`docs/runbooks/\` at the base."
  for stack in "${stacks[@]}"; do
    echo
    # The runbook sections are short and always shown, and so is the diff (what a reviewer must see);
    # the plan, whose resource tree grows with the stack, is cut first to fit what is left.
    docs="$(part_of docs "$stack")"$'\n\n'
    diff="$(part_of diff "$stack")"$'\n\n'
    plan="$(part_of plan "$stack")"$'\n\n'
    room=$((share - ${#docs} - ${#diff}))
    if ((${#plan} > room)); then plan="$(cut_to "$plan" "$room")"$'\n\n'; fi
    section="$plan$diff"
    room=$((share - ${#docs}))
    if ((${#section} > room)); then section="$(cut_to "$section" "$room")"$'\n\n'; fi
    printf '%s' "$section$docs"
  done
} >"$out/comment.md"

echo "wrote $out/comment.md for stacks: ${stacks[*]} (worst exit code $worst)"
exit "$worst"
