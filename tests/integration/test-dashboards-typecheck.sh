#!/bin/bash
# Every Grafana dashboard type-checks with tsc against the Dashboard type of
# @grafana/schema (and the stricter xenmode panel types), both pinned in
# dashboards/package-lock.json and installed by the build (npm ci). Broken
# copies in a scratch directory prove that a misspelt key, a value of the
# wrong type, a bad enum value, a misspelt panel option and a hard-coded data
# source uid (in a panel or as the data source variable's saved selection)
# each fail, naming the JSON file, line and key.
# Also: the import/provisioning shape (uid, no id, the chained variables).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
jqt() { jq -e "$@" >/dev/null; }

DASH_DIR="$XM_ROOT/dashboards"
CHECK="$DASH_DIR/typecheck/check.mjs"
DASHBOARDS=("$DASH_DIR"/grafana/*.json)

check "the dashboards are there" test -f "${DASHBOARDS[0]}"
if [ -f "$DASH_DIR/node_modules/typescript/bin/tsc" ] && [ -d "$DASH_DIR/node_modules/@grafana/schema" ]; then
    ok "typescript and @grafana/schema are installed"
else
    not_ok "typescript and @grafana/schema are installed (make runs npm ci in dashboards/)"; finish; exit
fi
installed() { node -p "require('$DASH_DIR/node_modules/$1/package.json').version"; }
pinned() { jq -r --arg p "node_modules/$1" '.packages[$p].version' "$DASH_DIR/package-lock.json"; }
for pkg in @grafana/schema typescript; do
    assert_eq "$pkg: the installed version is the one package-lock.json pins" "$(pinned "$pkg")" "$(installed "$pkg")"
    check "$pkg: package.json pins an exact version" \
        jqt --arg p "$pkg" '.devDependencies[$p] | test("^[0-9]+\\.[0-9]+\\.[0-9]+$")' "$DASH_DIR/package.json"
done

node "$CHECK" "${DASHBOARDS[@]}" >"$TL_TMP/out" 2>&1; rc=$?
sed 's/^/# /' "$TL_TMP/out"
assert_eq "every dashboard type-checks (tsc, @grafana/schema $(installed @grafana/schema))" 0 "$rc"

# Broken copies, each with one mistake, checked together: each must be
# reported with its file:line and the key.
HOST="$DASH_DIR/grafana/xen-host.json"
CASES=()
broken() {   # broken DESCRIPTION JQ_FILTER EXPECTED_REGEX
    local f="$TL_TMP/broken-${#CASES[@]}.json"
    jq "$2" "$HOST" >"$f"
    CASES+=("$f"$'\t'"$1"$'\t'"$3")
}
broken "a misspelt dashboard key (titel)" '.titel = .title | del(.title)' "'\"titel\"' does not exist"
broken "a number written as a string (gridPos.h)" '.panels[0].gridPos.h = "4"' "Type 'string' is not assignable to type 'number'"
broken "a value outside an enum (value mapping type)" '.panels[0].fieldConfig.defaults.mappings[0].type = "valu"' "'\"valu\"' is not assignable"
broken "a misspelt variable type" '.templating.list[1].type = "qurey"' "'\"qurey\"' is not assignable"
broken "a missing required key (schemaVersion)" 'del(.schemaVersion)' "Property 'schemaVersion' is missing"
broken "a misspelt panel option (stat colourMode)" '.panels[0].options.colourMode = "value"' "'\"colourMode\"' does not exist"
broken "a misspelt table column option (custom.algin)" \
    '(.panels[] | select(.type == "table") | .fieldConfig.defaults.custom.algin) = "left"' "'\"algin\"' does not exist"
broken "a misspelt query field (exrp)" '.panels[0].targets[0].exrp = .panels[0].targets[0].expr' "'\"exrp\"' does not exist"
broken "a hard-coded data source uid" '.panels[0].datasource.uid = "P1809F7CD0C75ACF3"' \
    "'\"P1809F7CD0C75ACF3\"' is not assignable to type '\"\\\$\\{datasource\\}\"'"
broken "a saved data source selection (datasource variable current)" \
    '.templating.list[0].current = {"text": "Prometheus", "value": "P1809F7CD0C75ACF3"}' "Types of property '\"current\"' are incompatible"
files=()
for c in "${CASES[@]}"; do files+=("${c%%$'\t'*}"); done
node "$CHECK" "${files[@]}" >"$TL_TMP/out" 2>&1; rc=$?
assert_eq "the broken copies: exit 1" 1 "$rc"
for c in "${CASES[@]}"; do
    IFS=$'\t' read -r f desc want <<<"$c"
    if grep -qE "^$f:[0-9]+:[0-9]+: .*$want" "$TL_TMP/out"; then
        ok "broken copy fails: $desc"
    else
        not_ok "broken copy fails: $desc"; grep -F "$f:" "$TL_TMP/out" | head -3 | sed 's/^/#   /'
    fi
done
printf '{"title": "x",\n' >"$TL_TMP/notjson.json"
node "$CHECK" "$TL_TMP/notjson.json" >"$TL_TMP/out" 2>&1; rc=$?
assert_eq "a file that is not JSON: exit 2" 2 "$rc"
check "a file that is not JSON: named" grep -q "^$TL_TMP/notjson.json: " "$TL_TMP/out"

# Import and file provisioning: a uid, no instance-specific id, unique uids;
# the data source is a variable; job -> instance -> domain are chained.
for d in "${DASHBOARDS[@]}"; do
    n=$(basename "$d")
    check "$n: has a uid and a title, no id" jqt '(.uid | length > 0) and (.title | length > 0) and (has("id") | not)' "$d"
    check "$n: every datasource reference is \${datasource}" \
        jqt '[.. | objects | select(has("datasource")) | .datasource | select(type == "object") | .uid] | all(. == "${datasource}")' "$d"
    check "$n: variables are datasource, job, instance, domain" \
        jqt '[.templating.list[].name] == ["datasource", "job", "instance", "domain"]' "$d"
    check "$n: instance depends on job, domain on job and instance" \
        jqt '(.templating.list[2].query.query | test("\\$job")) and (.templating.list[3].query.query | test("\\$job") and test("\\$instance"))' "$d"
    check "$n: every panel query selects \$job and \$instance" \
        jqt '[.panels[] | select(.type != "row") | .targets[].expr | test("job=~\"\\$job\"") and test("instance=~?\"\\$instance\"")] | all' "$d"
    check "$n: rows are expanded and hold no panels (every query stays in .panels)" \
        jqt '[.panels[] | select(.type == "row") | .collapsed == false and .panels == []] | all' "$d"
done
assert_eq "dashboard uids are unique" "${#DASHBOARDS[@]}" "$(jq -r .uid "${DASHBOARDS[@]}" | sort -u | wc -l)"

finish
