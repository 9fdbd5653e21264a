#!/usr/bin/env bash
# A client of Auther's REST API, written from its documentation only
# (docs/migrating-from-auther.md lists the paths Visage serves). Moving it
# to Visage changes nothing but the base URL. It enrolls a person, checks,
# verifies, searches, compares, updates and deletes them, and exits
# non-zero at the first answer it did not expect.
#
# usage: client.sh BASE_URL API_KEY person.jpg same-person-again.jpg someone-else.jpg
set -euo pipefail
BASE=${1:?usage: client.sh BASE_URL API_KEY person.jpg same-person-again.jpg someone-else.jpg}
KEY=${2:?API key}
PERSON=${3:?} AGAIN=${4:?} OTHER=${5:?}
ID="client-$$"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# image FILE: the JSON body {"faceImage": "<base64>"} in $tmp/FILE.json
# (written by printf, a builtin: a photo's base64 outgrows an argument).
image() { printf '{"faceImage":"%s"}' "$(base64 -w0 "$1")" >"$tmp/$(basename "$1").json"; echo "$tmp/$(basename "$1").json"; }

# call METHOD PATH [BODY_FILE] [KEY]: sets STATUS and OUT.
call() {
	local args=(-sS -o "$tmp/out" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json')
	[ -n "${3:-}" ] && args+=(--data-binary "@$3")
	[ -n "${4-$KEY}" ] && args+=(-H "X-API-Key: ${4-$KEY}")
	STATUS=$(curl "${args[@]}" "$BASE$2")
	OUT=$(cat "$tmp/out")
}

# expect STATUS PATTERN WHAT: the last answer must have this status and
# match this extended regular expression.
expect() {
	if [ "$STATUS" != "$1" ] || ! grep -Eq -- "$2" <<<"$OUT"; then
		echo "FAIL $3: got $STATUS $OUT" >&2
		exit 1
	fi
	echo "ok   $3"
}

person=$(image "$PERSON") again=$(image "$AGAIN") other=$(image "$OTHER")
stamp='"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z"'

call POST "/persons/$ID" "$person"
expect 200 "\"personId\":\"$ID\",\"created\":$stamp,\"updated\":$stamp" "create a person"
call POST "/persons/$ID" "$person"
expect 400 '"code":"[A-Z]+_[0-9]+","type":"[a-z_]+","message":' "create the same person ID again"
call GET "/persons/$ID"
expect 200 "\"personId\":\"$ID\"" "check the person"

call POST "/persons/$ID/verify" "$again"
expect 200 "\"personId\":\"$ID\"" "verify the person"
call POST "/persons/$ID/verify" "$other"
expect 400 '"code":' "verify someone else as the person"
call POST /search "$again"
expect 200 "\"personId\":\"$ID\"" "search for the person"
call POST /search "$other"
expect 410 '"code":' "search for someone not enrolled"

printf '{"sourceImage":"%s","targetImage":"%s"}' "$(base64 -w0 "$AGAIN")" "$(base64 -w0 "$PERSON")" >"$tmp/compare.json"
call POST /compare "$tmp/compare.json"
expect 200 '^\{"similarity":(8[0-9]|9[0-9]|100)(\.[0-9]+)?\}' "compare two photos of the person"
printf '{"sourceImage":"%s","targetImage":"%s","similarityThreshold":98}' "$(base64 -w0 "$OTHER")" "$(base64 -w0 "$PERSON")" >"$tmp/compare.json"
call POST /compare "$tmp/compare.json"
expect 200 '^\{"similarity":0\}' "compare two people at 98 %"

call PUT "/persons/$ID" "$again"
expect 200 "\"personId\":\"$ID\"" "update the person's photo"
call DELETE "/persons/$ID"
expect 200 '' "delete the person"
call GET "/persons/$ID"
expect 404 '"code":"NF_001","type":"not_found","message":"Face not found in collection"' "check the deleted person"

echo '{"faceImage": ' >"$tmp/broken.json"
call POST /search "$tmp/broken.json"
expect 400 '"code":"R_002","type":"request","message":"Request body exception"' "send a broken body"
call GET "/persons/$ID" "" ""
expect 401 '"code":' "call without the API key"
