#!/usr/bin/env bash
# A FaceAuth client written from FaceAuth's API page alone: it knows
# nothing of Visage but the base URL it is given.
#
#   client.sh BASE_URL PHOTO_DIR
#
# PHOTO_DIR holds alice-1.jpg … alice-4.jpg (one person) and bob.jpg
# (another). Exits non-zero at the first unexpected answer.
set -euo pipefail

base=${1:?usage: client.sh BASE_URL PHOTO_DIR}
photos=${2:?usage: client.sh BASE_URL PHOTO_DIR}

fail() { echo "client.sh: $*" >&2; exit 1; }

# call sets $status and $body from a curl request.
call() {
	local out
	out=$(curl -sS -w '\n%{http_code}' "$@") || fail "curl failed: $*"
	status=${out##*$'\n'}
	body=${out%$'\n'*}
}

# expect STEP STATUS PATTERN...: the last answer has the status and every
# pattern (fixed strings).
expect() {
	local step=$1 want=$2 p
	shift 2
	[ "$status" = "$want" ] || fail "$step: status $status, want $want: $body"
	for p in "$@"; do
		grep -qF -- "$p" <<<"$body" || fail "$step: no $p in $body"
	done
}

call "$base/health"
expect health 200 '"success":true' '"status":"healthy"' '"models_loaded":true' '"uptime":'

email="client-$$-$RANDOM@example.com"
call -X POST "$base/register" -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"name\":\"Client\"}"
expect register 200 '"success":true' '"api_key":"fa_' "\"email\":\"$email\"" '"plan":"free"'
key=$(grep -o '"api_key":"fa_[^"]*"' <<<"$body" | cut -d'"' -f4)
[ -n "$key" ] || fail "register: no key in $body"

call -X POST "$base/register" -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"name\":\"Client\"}"
expect register-again 409 '"success":false' '"code":"EMAIL_EXISTS"'

call -X POST "$base/enroll" -H "X-API-Key: $key" -F name=101 \
	-F image=@"$photos/alice-1.jpg" -F image1=@"$photos/alice-2.jpg" -F image2=@"$photos/alice-3.jpg"
expect enroll 200 '"success":true' '"external_user_id":"101"' '"face_id":'

call -X POST "$base/verify" -H "Authorization: Bearer $key" -F name=101 -F image=@"$photos/alice-4.jpg"
expect verify 200 '"success":true' '"match":true' '"status":"match"' '"identity":"101"' '"confidence":'

call -X POST "$base/verify" -F api_key="$key" -F name=101 -F image=@"$photos/bob.jpg"
expect verify-someone-else 200 '"match":false'

call -X POST "$base/verify" -H "X-API-Key: $key" -F name=101
expect verify-without-image 400 '"code":"MISSING_IMAGE"'

call -X POST "$base/verify" -F name=101 -F image=@"$photos/alice-4.jpg"
expect verify-without-key 401 '"code":"MISSING_API_KEY"'

call -X POST "$base/match" -H "X-API-Key: $key" -F image1=@"$photos/alice-1.jpg" -F image2=@"$photos/alice-4.jpg"
expect match 200 '"success":true' '"match":true' '"similarity":' '"confidence":' '"distance":'

call "$base/usage/$key"
expect usage 200 '"success":true' '"plan":"free"' '"monthly_calls":5' '"monthly_limit":1000' '"enrolled_faces":1' '"daily_usage":[{"' '"recent_logs":[]'

call "$base/health"
expect health-again 200 '"success":true' '"models_loaded":true'

echo "client.sh: every answer as FaceAuth documents it"
