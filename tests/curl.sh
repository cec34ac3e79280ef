# The web server as a real client sees it, sourced by run.sh: the reference http_server (08)
# started on a site with a binary file, then fetched from with curl (GET byte for byte, HEAD,
# a 404, a traversal). The grader's own checks speak raw bytes; this shows real HTTP clients
# agree with them.
# shellcheck shell=bash disable=SC2154   # root, work, ok and not_ok come from run.sh

# start_http_server DIR: starts the solution's server on a free port, sets $http_pid and
# $http_port; fails when it never listens.
start_http_server() {
    local dir=$1 attempt deadline
    for attempt in 1 2 3 4 5; do
        http_port=$((20000 + RANDOM % 30000))
        "$work/http_server" "$http_port" "$dir" 2>"$work/http_server.err" &
        http_pid=$!
        # Wait (up to 5 s) until it accepts a connection, or until it exits (port taken).
        deadline=$((SECONDS + 5))
        while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$http_pid" 2>/dev/null; do
            if (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; then
                return 0
            fi
            sleep 0.01
        done
        kill "$http_pid" 2>/dev/null
        wait "$http_pid" 2>/dev/null
        echo "attempt $attempt: port $http_port" >>"$work/http_server.err"
    done
    return 1
}

curl_tests() {
    if ! command -v curl >/dev/null; then
        not_ok "curl: curl is installed (tests/install-test-deps.sh)"
        return
    fi
    if ! cc -std=gnu11 -Wall -Wextra -O2 -o "$work/http_server" "$root/solutions/08-http-server/http_server.c" \
        2>"$work/http_server.cc"; then
        not_ok "curl: the solution's http_server builds" "$(cat "$work/http_server.cc")"
        return
    fi
    local site="$work/site" url
    mkdir -p "$site/img"
    printf '<!doctype html>\n<title>curl</title>\n<p>Fetched with curl.</p>\n' >"$site/index.html"
    head -c 3000000 /dev/urandom >"$site/img/photo.png"      # binary, NUL bytes and all
    echo 'outside' >"$work/outside.txt"
    if ! start_http_server "$site"; then
        not_ok "curl: the solution's http_server listens" "$(cat "$work/http_server.err")"
        return
    fi
    url="http://127.0.0.1:$http_port"

    local info
    info=$(curl -sS --max-time 10 -o "$work/photo.got" -w '%{http_code} %{content_type} %{size_download}' \
        "$url/img/photo.png" 2>&1)
    if [ "$info" = "200 image/png 3000000" ] && cmp -s "$site/img/photo.png" "$work/photo.got"; then
        ok "curl: GET of a 3 MB binary file arrives byte for byte, as image/png"
    else
        not_ok "curl: GET /img/photo.png" "curl said: $info"
    fi

    curl -sS --max-time 10 -I "$url/img/photo.png" >"$work/head.txt" 2>&1
    if head -1 "$work/head.txt" | grep -q '^HTTP/1.0 200 ' \
        && grep -qi '^Content-Length: 3000000' "$work/head.txt" \
        && grep -qi '^Content-Type: image/png' "$work/head.txt"; then
        ok "curl: HEAD gives the status and headers of GET"
    else
        not_ok "curl: HEAD /img/photo.png" "$(cat "$work/head.txt")"
    fi

    info=$(curl -sS --max-time 10 -o "$work/index.got" -w '%{http_code} %{content_type}' "$url/" 2>&1)
    if [ "$info" = "200 text/html" ] && cmp -s "$site/index.html" "$work/index.got"; then
        ok "curl: / serves index.html as text/html"
    else
        not_ok "curl: GET /" "curl said: $info"
    fi

    info=$(curl -sS --max-time 10 -o "$work/missing.got" -w '%{http_code}' "$url/no/such/file.html" 2>&1)
    if [ "$info" = 404 ] && [ -s "$work/missing.got" ]; then
        ok "curl: a missing file is a 404 with a body"
    else
        not_ok "curl: GET of a missing file" "curl said: $info"
    fi

    info=$(curl -sS --max-time 10 --path-as-is -o "$work/outside.got" -w '%{http_code}' "$url/../outside.txt" 2>&1)
    if { [ "$info" = 403 ] || [ "$info" = 404 ]; } && ! grep -q outside "$work/outside.got"; then
        ok "curl: /../outside.txt sent as it is (--path-as-is) is refused"
    else
        not_ok "curl: path traversal with --path-as-is" "curl said: $info"
    fi

    kill "$http_pid" 2>/dev/null
    wait "$http_pid" 2>/dev/null
}

curl_tests
