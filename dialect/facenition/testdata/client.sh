#!/usr/bin/env bash
# A client written against Facenition's documented API, with bash and curl
# only: v1 token, generate, authenticate, match. Run against Visage with
# only the base URL changed:
#   client.sh BASE_URL alice.jpg alice-again.jpg bob.jpg
# It exits non-zero at the first answer it did not expect.
set -euo pipefail
base=${1:?base URL}
alice=${2:?photo of a person} again=${3:?another photo of them} bob=${4:?photo of someone else}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# post EXPECTED_STATUS PATH CURL_ARGS...: the body goes to $tmp/body.
post() {
  local want=$1 path=$2
  shift 2
  local got
  got=$(curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$@" "$base$path")
  if [[ $got != "$want" ]]; then
    echo "POST $path: HTTP $got, expected $want: $(cat "$tmp/body")" >&2
    exit 1
  fi
}

# expect PATTERN: the last body matches it.
expect() {
  if ! grep -Eq "$1" "$tmp/body"; then
    echo "expected $1 in: $(cat "$tmp/body")" >&2
    exit 1
  fi
}

# v1: a client token with no verification.
post 200 /v1/generateToken
expect '"ok": *true'
token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$tmp/body")
[[ -n $token ]] || { echo "no token in $(cat "$tmp/body")" >&2; exit 1; }

# Enroll with two photos: the image field repeated.
post 200 /generate -H "X-Auth-Token: $token" -F user_id=alice -F image=@"$alice" -F image=@"$again"
expect '"ok": *true'

# Authenticate with base64 in JSON, the token in the body this time.
printf '{"auth_token": "%s", "user_id": "alice", "accuracy": 4, "image": "%s"}' "$token" "$(base64 -w0 "$again")" >"$tmp/auth.json"
post 200 /authenticate -H 'Content-Type: application/json' --data-binary @"$tmp/auth.json"
expect '"authenticated": *true'

# Someone else is not alice (the token as a form field).
post 200 /v1/authenticate -F auth_token="$token" -F user_id=alice -F image=@"$bob"
expect '"authenticated": *false'

# Match two photos.
post 200 /match -H "X-Auth-Token: $token" -F image=@"$alice" -F image=@"$again"
expect '"match": *true'
post 200 /match -H "X-Auth-Token: $token" -F accuracy=4 -F image=@"$alice" -F image=@"$bob"
expect '"match": *false'

# Errors come as {"ok": false, "error": "..."}.
post 401 /match -F image=@"$alice" -F image=@"$bob"
expect '"ok": *false'
expect '"error": *"'

echo "facenition client: all answers as expected"
