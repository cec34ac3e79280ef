# shellcheck shell=bash
# The diagrams students look at (exercises/*.svg, exercises/*/*.svg), sourced by run.sh: each
# is well-formed XML with a <title> and a <desc>, draws nothing outside its viewBox, is shown by
# the README of its folder, and renders in headless Chromium as an <img> (the way GitHub and a
# browser show a README's pictures), in light and in dark mode, not blank either way. Broken
# copies of a diagram (unclosed, no title, no desc, overflowing, no dark style, blank) and a
# README that does not show its diagram go through the same checks, which must catch each.
#
# Run on its own, `bash tests/diagrams.sh [DIR]` does the same and leaves the screenshots in
# DIR (NAME-light.png, NAME-dark.png), to look at them while drawing.

# Chromium's colour-scheme setting: 0 is dark, 1 is light (blink's PreferredColorScheme).
readonly DIAGRAM_SCHEME_DARK=0 DIAGRAM_SCHEME_LIGHT=1
# Space between two diagrams on the screenshot page, and how far (in viewBox units) content may
# stick out of the viewBox before it counts as cut off.
readonly DIAGRAM_GAP=20 DIAGRAM_SLACK=0.5

# diagram_chromium OUTPUT-OPTION SCHEME PAGE [WIDTH,HEIGHT]: headless Chromium on PAGE.
diagram_chromium() {
    local output=$1 scheme=$2 page=$3 size=${4:-1000,1000}
    timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --blink-settings="preferredColorScheme=$scheme" --window-size="$size" \
        "$output" "file://$page" 2>/dev/null
}

# The page that checks every diagram in the browser itself: the XML parser says whether it is
# well-formed, the DOM whether it has a title and a desc, and the layout where each shape and
# each piece of text really ends up (with the fonts this machine has), against the viewBox.
# Prints one line per diagram: "NAME WIDTH HEIGHT ok" or "NAME WIDTH HEIGHT problem...".
diagram_check_page() {
    local page=$1
    shift
    {
        printf '<!doctype html><meta charset="utf-8"><body><pre id="out"></pre><div id="stage"></div><script>\n'
        printf 'const slack = %s, svgs = [\n' "$DIAGRAM_SLACK"
        local svg
        for svg in "$@"; do
            printf '["%s", "%s"],\n' "$svg" "$(base64 -w0 "$svg")"
        done
        cat <<'EOF'
];
const shapes = "rect, line, path, circle, ellipse, polygon, polyline, text, image, use";
function check(name, b64) {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const doc = new DOMParser().parseFromString(new TextDecoder().decode(bytes), "image/svg+xml");
    const error = doc.querySelector("parsererror");
    if (error) return "0 0 not well-formed XML: " + error.textContent.replace(/\s+/g, " ").slice(0, 200);
    const svg = doc.documentElement;
    if (svg.localName !== "svg") return "0 0 the root element is not <svg>";
    const box = (svg.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
    if (box.length !== 4 || box.some(isNaN)) return "0 0 no viewBox";
    const [vx, vy, vw, vh] = box, size = vw + " " + vh;
    const first = svg.firstElementChild;
    if (!first || first.localName !== "title" || !first.textContent.trim())
        return size + " the first element is not a non-empty <title>";
    const desc = svg.querySelector(":scope > desc");
    if (!desc || !desc.textContent.trim()) return size + " no <desc>";
    const shown = document.importNode(svg, true);
    shown.setAttribute("width", vw);
    shown.setAttribute("height", vh);
    document.getElementById("stage").replaceChildren(shown);
    const frame = shown.getBoundingClientRect(), scale = vw / frame.width;
    const out = [];
    for (const el of shown.querySelectorAll(shapes)) {
        if (el.closest("defs, marker, symbol, clipPath, mask, pattern")) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const x0 = vx + (r.left - frame.left) * scale, y0 = vy + (r.top - frame.top) * scale;
        const x1 = x0 + r.width * scale, y1 = y0 + r.height * scale;
        if (x0 < vx - slack || y0 < vy - slack || x1 > vx + vw + slack || y1 > vy + vh + slack)
            out.push("<" + el.localName + "> " + JSON.stringify((el.textContent || "").trim().slice(0, 40))
                     + " spans " + [x0, y0, x1, y1].map(Math.round).join(","));
    }
    return size + (out.length ? " outside the viewBox " + vw + "x" + vh + ": " + out.join("; ") : " ok");
}
// One line per diagram, each on a line of its own in the dumped DOM.
const lines = svgs.map(([name, b64]) => { try { return "DIAGRAM " + name + " " + check(name, b64); }
                                          catch (e) { return "DIAGRAM " + name + " 0 0 " + e; } });
document.getElementById("stage").replaceChildren();
document.getElementById("out").textContent = "\n" + lines.join("\n") + "\n";
EOF
        printf '</script>\n'
    } >"$page"
}

# diagram_shots DIR LIST SCHEME NAME: one page showing every diagram as an <img>, one under the
# other, screenshot in the given colour scheme and cut into DIR/<name>-NAME.png per diagram.
diagram_shots() {
    local dir=$1 list=$2 scheme=$3 mode=$4 page="$1/shots-$4.html" top=0 width=0
    local name w h
    printf '<!doctype html><meta charset="utf-8"><body style="margin:0;background:#808080">\n' >"$page"
    while read -r name w h _; do
        printf '<img src="file://%s" style="position:absolute;left:0;top:%dpx;width:%dpx;height:%dpx">\n' \
            "$name" "$top" "$w" "$h" >>"$page"
        top=$((top + h + DIAGRAM_GAP))
        [ "$w" -gt "$width" ] && width=$w
    done <"$list"
    diagram_chromium --screenshot="$dir/shots-$mode.png" "$scheme" "$page" "$width,$top" >/dev/null
    # One convert for all the cuts: decoding the tall screenshot once per cut was most of the time.
    local cuts=()
    top=0
    while read -r name w h _; do
        cuts+=('(' +clone -crop "${w}x${h}+0+${top}" +repage -write "$dir/$(basename "$name" .svg)-$mode.png" +delete ')')
        top=$((top + h + DIAGRAM_GAP))
    done <"$list"
    convert "$dir/shots-$mode.png" "${cuts[@]}" null: 2>/dev/null
}

# diagram_looks MODE PNG: true when the screenshot is not blank (some spread, some colours) and
# is light or dark as asked (an SVG shown through <img> follows the browser's colour scheme, not
# the page's). Prints what it measured.
diagram_looks() {
    local mode=$1 png=$2 stats
    stats=$(identify -format '%[fx:standard_deviation] %k %[fx:mean]' "$png" 2>/dev/null) || stats="0 0 0"
    echo "spread, colours, mean: $stats"
    awk -v mode="$mode" -v s="$stats" 'BEGIN {
        split(s, v, " ")
        exit !(v[1] > 0.05 && v[2] > 8 && (mode == "dark" ? v[3] < 0.35 : v[3] > 0.65)) }'
}

# diagram_broken DIR SVG: broken copies of a good diagram, one per way of going wrong, that the
# checks must catch (so each check is seen to fail). Prints "FILE WHAT-MUST-FAIL" per copy.
diagram_broken() {
    local dir=$1 good=$2
    sed '$d' "$good" >"$dir/broken-unclosed.svg"
    echo "$dir/broken-unclosed.svg structure:not well-formed"
    sed '/<title/d' "$good" >"$dir/broken-no-title.svg"
    echo "$dir/broken-no-title.svg structure:the first element is not a non-empty <title>"
    sed '/<desc/d' "$good" >"$dir/broken-no-desc.svg"
    echo "$dir/broken-no-desc.svg structure:no <desc>"
    sed 's|^</svg>$|<text x="700" y="40">this text runs off the right edge</text></svg>|' "$good" \
        >"$dir/broken-overflow.svg"
    echo "$dir/broken-overflow.svg structure:outside the viewBox"
    sed '/@media (prefers-color-scheme: dark)/,/^    }$/d' "$good" >"$dir/broken-no-dark-style.svg"
    echo "$dir/broken-no-dark-style.svg dark"
    sed -n '1,/<\/defs>/p' "$good" >"$dir/broken-blank.svg"
    echo '<rect class="bg" width="100%" height="100%"/></svg>' >>"$dir/broken-blank.svg"
    echo "$dir/broken-blank.svg light"
}

# diagram_shown SVG [KIT]: true when the README of the SVG's folder shows it (exercises/*.svg:
# KIT's top README.md; KIT is the kit's root unless given), or when that README does not exist
# yet (a folder still being written). Prints the README and the link it looked for.
diagram_shown() {
    local svg=$1 kit=${2:-$root} readme link
    case $svg in
        "$kit"/exercises/*/*) readme="$(dirname "$svg")/README.md"; link=$(basename "$svg") ;;
        *) readme="$kit/README.md"; link="exercises/$(basename "$svg")" ;;
    esac
    if [ ! -f "$readme" ]; then
        echo "${readme#"$kit/"}, which does not exist yet"
        return 0
    fi
    echo "${readme#"$kit/"} (\"]($link)\")"
    grep -qF "]($link)" "$readme"
}

# Every diagram is shown by its README, and every .svg a README shows exists.
diagram_links() {
    local dir=$1 svg readme link where
    shift
    for svg in "$@"; do
        if where=$(diagram_shown "$svg"); then
            ok "diagram ${svg#"$root/"} is shown by its README: $where"
        else
            not_ok "diagram ${svg#"$root/"} is not shown by its README: $where"
        fi
    done
    # A copy of the kit's layout with a README that does not show its diagram must be caught.
    mkdir -p "$dir/kit/exercises/00-example"
    echo "# An exercise without its picture" >"$dir/kit/exercises/00-example/README.md"
    echo '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$dir/kit/exercises/00-example/unshown.svg"
    if diagram_shown "$dir/kit/exercises/00-example/unshown.svg" "$dir/kit" >/dev/null; then
        not_ok "diagrams: a diagram its README does not show should be caught"
    else
        ok "diagrams: the checks catch a diagram its README does not show"
    fi
    for readme in "$root/README.md" "$root"/exercises/*/README.md; do
        while read -r link; do
            if [ -f "$(dirname "$readme")/$link" ]; then
                ok "${readme#"$root/"} shows $link, which exists"
            else
                not_ok "${readme#"$root/"} shows $link, which does not exist"
            fi
        done < <(grep -o '](\([^)]*\.svg\))' "$readme" | sed 's/^](\(.*\))$/\1/')
    done
}

diagram_tests() {
    local dir=$1 svgs broken line path name problem mode png measured must
    mapfile -t svgs < <(find "$root/exercises" -maxdepth 2 -name '*.svg' | sort)
    if [ "${#svgs[@]}" -eq 0 ]; then
        not_ok "diagrams: there are SVG diagrams under exercises/"
        return
    fi
    if ! command -v chromium >/dev/null || ! command -v convert >/dev/null; then
        not_ok "diagrams: chromium and ImageMagick are installed (tests/install-test-deps.sh)"
        return
    fi
    # The broken copies go through the same three Chromium runs as the real diagrams.
    diagram_broken "$dir" "${svgs[0]}" >"$dir/broken.txt"
    mapfile -t broken < <(cut -d' ' -f1 "$dir/broken.txt")
    diagram_check_page "$dir/check.html" "${svgs[@]}" "${broken[@]}"
    diagram_chromium --dump-dom "$DIAGRAM_SCHEME_LIGHT" "$dir/check.html" \
        | sed -n 's/^DIAGRAM //p' | sed 's/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' >"$dir/results.txt"
    if [ "$(wc -l <"$dir/results.txt")" -ne $((${#svgs[@]} + ${#broken[@]})) ]; then
        not_ok "diagrams: Chromium checked every diagram" "$(cat "$dir/results.txt")"
        return
    fi
    grep -v ' 0 0 ' "$dir/results.txt" >"$dir/drawable.txt"
    diagram_shots "$dir" "$dir/drawable.txt" "$DIAGRAM_SCHEME_LIGHT" light
    diagram_shots "$dir" "$dir/drawable.txt" "$DIAGRAM_SCHEME_DARK" dark

    # What each diagram got: "structure:<problem>", and "light"/"dark" when that screenshot fails.
    : >"$dir/verdicts.txt"
    while read -r line; do
        path=${line%% *}
        name=${path#"$root/"}
        problem=$(cut -d' ' -f4- <<<"$line")
        [ "$problem" = ok ] || echo "$path structure:$problem" >>"$dir/verdicts.txt"
        case $path in "$dir"/*) continue ;; esac
        if [ "$problem" = ok ]; then
            ok "diagram $name is well-formed, has a title and a desc, and stays in its viewBox"
        else
            not_ok "diagram $name: $problem"
        fi
    done <"$dir/results.txt"
    while read -r path _; do
        name=${path#"$root/"}
        for mode in light dark; do
            png="$dir/$(basename "$path" .svg)-$mode.png"
            if measured=$(diagram_looks "$mode" "$png"); then
                case $path in "$dir"/*) ;; *) ok "diagram $name renders in $mode mode ($measured)" ;; esac
            else
                echo "$path $mode" >>"$dir/verdicts.txt"
                case $path in "$dir"/*) ;; *) not_ok "diagram $name in $mode mode looks blank or not $mode ($measured)" "$png" ;; esac
            fi
        done
    done <"$dir/drawable.txt"

    # Each broken copy fails the check it was made to fail.
    while read -r path must; do
        if grep -F "$path $must" "$dir/verdicts.txt" >/dev/null; then
            ok "diagrams: the checks catch $(basename "$path" .svg) ($must)"
        else
            not_ok "diagrams: $(basename "$path" .svg) should fail \"$must\"" "$(grep -F "$path" "$dir/verdicts.txt")"
        fi
    done <"$dir/broken.txt"
    diagram_links "$dir" "${svgs[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # On its own: the same checks, and the screenshots kept.
    set -uo pipefail
    root=$(cd "$(dirname "$0")/.." && pwd)
    ok()     { printf 'ok      %s\n' "$1"; }
    not_ok() { printf 'FAILED  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /'; }
    out=${1:-$(mktemp -d /tmp/gc-diagrams-XXXXXX)}
    mkdir -p "$out"
    diagram_tests "$out"
    echo "screenshots in $out"
else
    # shellcheck disable=SC2154  # run.sh, which sources this file, sets work
    mkdir -p "$work/diagrams"
    diagram_tests "$work/diagrams"
fi
