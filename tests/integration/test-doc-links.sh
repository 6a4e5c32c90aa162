#!/bin/bash
# Every relative link in README.md and docs/*.md names a file or directory
# of the repository (anchors and external URLs are not followed), and none
# leads outside it: the repository alone explains itself.
source "$(dirname "$0")/../lib/testlib.sh"
cd "$XM_ROOT" || exit 1

docs=(README.md docs/*.md tests/README.md)
for doc in "${docs[@]}"; do
    [ -f "$doc" ] || continue
    dir=$(dirname "$doc")
    bad=()
    n=0
    # Markdown links [text](target) and reference definitions [x]: target,
    # outside fenced code blocks.
    while IFS= read -r target; do
        target=${target%%#*}          # the anchor is not checked
        [ -z "$target" ] && continue
        case $target in
            http://*|https://*|mailto:*|ftp://*) continue ;;
        esac
        n=$((n + 1))
        resolved=$(realpath -m "$dir/$target")
        case $resolved in
            "$XM_ROOT"|"$XM_ROOT"/*) ;;
            *) bad+=("$target (outside the repository)"); continue ;;
        esac
        [ -e "$resolved" ] || bad+=("$target")
    done < <(awk '/^[[:space:]]*```/ { fence = !fence; next } !fence' "$doc" |
             grep -oE '\]\([^)[:space:]]+\)|^\[[^]]+\]:[[:space:]]+[^[:space:]]+' |
             sed -E 's/^\]\(//; s/\)$//; s/^\[[^]]+\]:[[:space:]]+//')
    if [ ${#bad[@]} -eq 0 ]; then
        ok "$doc: its $n relative links resolve inside the repository"
    else
        not_ok "$doc: links that do not resolve: ${bad[*]}"
    fi
done
finish
