#!/usr/bin/env bash
# A backend client of FACEIO's REST API, written from FACEIO's public
# documentation alone: each call is BASE/<endpoint>?param=…&key=…, by GET
# or POST, and every answer is JSON carrying its HTTP status as "status".
#
#   client.sh BASE_URL API_KEY      e.g. client.sh https://api.faceio.net KEY
#
# The app must hold at least one enrolled face; the script takes the newest
# from stat, works on it, and deletes it at the end. It exits non-zero at
# the first answer it did not expect.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 BASE_URL API_KEY" >&2; exit 2; }
base=${1%/} key=$2 body=""

fail() { echo "client.sh: $*" >&2; exit 1; }

# call WANT CURL_ARGS…: the HTTP status and the body's status must be WANT.
call() {
	local want=$1 out code
	shift
	out=$(curl -sS -w '\n%{http_code}' "$@") || fail "curl $*"
	code=${out##*$'\n'} body=${out%$'\n'*}
	[[ $code == "$want" ]] || fail "HTTP $code, want $want: $body"
	grep -Eq "\"status\": *$want[,}]" <<<"$body" || fail "no \"status\":$want in $body"
}

# has PATTERN: the last answer matches the extended regex PATTERN.
has() { grep -Eq -- "$1" <<<"$body" || fail "want $1 in $body"; }

call 200 "$base/status"
has '"payload": *"[^"]+"'
call 200 "$base/about"
has '"payload": *"[^"]+"'

call 200 "$base/stat?key=$key"
has '"total_api_calls": *[0-9]+'
has '"total_indexed_faces": *[1-9][0-9]*'
fid=$(grep -Eo '"last_indexed_faces": *\[ *"[^"]+"' <<<"$body" | sed -E 's/.*"([^"]+)"$/\1/')
[[ -n $fid ]] || fail "no facial ID in $body"

call 200 "$base/checkfacialid?key=$key&fid=$fid"
has '"valid": *true'
call 200 -H "WWW-Authenticate: Bearer $key" "$base/checkfacialid?fid=$fid"
has '"valid": *true'

call 200 -d "key=$key" -d "fid=$fid" --data-urlencode 'payload={"plan":"gold"}' "$base/setfacialidpayload"
has '"payload": *true'
call 200 -H "WWW-Authenticate: Bearer $key" -d "fid=$fid" -d pin=4321 "$base/setfacialidpincode"
has '"payload": *true'
call 400 -d "key=$key" -d "fid=$fid" -d pin=12 "$base/setfacialidpincode"
has '"payload": *false'

call 401 "$base/checkfacialid?key=not-my-key&fid=$fid"
has '"valid": *false'
call 401 "$base/stat"
call 404 "$base/checkfacialid?key=$key&fid=00000000-0000-4000-8000-000000000000"
has '"valid": *false'
call 405 -X PUT "$base/checkfacialid?key=$key&fid=$fid"

call 200 "$base/deletefacialid?key=$key&fid=$fid"
has '"payload": *true'
call 404 "$base/checkfacialid?key=$key&fid=$fid"
has '"valid": *false'
echo "client.sh: every answer as expected"
