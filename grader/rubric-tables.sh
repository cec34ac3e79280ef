#!/bin/sh
# `make rubric`: rewrites the grading table of every exercise README from the suites, the one
# source of the rubric (`bin/grader list --checks`): the rows between the lines
# <!-- rubric: begin --> and <!-- rubric: end -->. With --check it changes nothing and exits 1
# when a table is stale (make test runs it so).
set -eu
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && check=true
grader=bin/grader
rubric=$(mktemp)
trap 'rm -f "$rubric" "$rubric.new"' EXIT
"$grader" list --checks >"$rubric"
stale=0
for readme in exercises/*/README.md; do
    id=$(basename "$(dirname "$readme")")
    "$grader" list | grep -q "^$id:" || continue    # a folder with no suite
    number=${id%%-*}
    number=${number#0}                              # "03-inet-..." is exercise 3
    grep -q '^<!-- rubric: begin -->$' "$readme" || { echo "rubric: $readme has no <!-- rubric: begin --> line" >&2; stale=1; continue; }
    awk -v n="$number" -v list="$rubric" '
        function table(   line, parts, total) {
            print "| # | points | checked |"
            print "|---|---|---|"
            while ((getline line < list) > 0) {
                if (line !~ /^[0-9]+\.[0-9]+ /) continue
                split(line, parts, " ")
                if (parts[1] !~ ("^" n "\\.")) continue
                sub(/^[^ ]+ [^ ]+ /, "", line)
                gsub(/</, "\\&lt;", line)     # Markdown would read <line> as a tag
                gsub(/>/, "\\&gt;", line)
                gsub(/\|/, "\\|", line)
                print "| " parts[1] " | " parts[2] " | " line " |"
                total += parts[2]
            }
            close(list)
            print "| | **" total "** | in all |"
        }
        /^<!-- rubric: begin -->$/ { print; table(); skip = 1; next }
        /^<!-- rubric: end -->$/   { skip = 0 }
        !skip { print }
    ' "$readme" >"$rubric.new"
    if ! cmp -s "$readme" "$rubric.new"; then
        if $check; then
            echo "rubric: the table in $readme is not the suite's (make rubric rewrites it)" >&2
            stale=1
        else
            cp "$rubric.new" "$readme"
            echo "rubric: rewrote the table in $readme" >&2
        fi
    fi
done
exit $stale
