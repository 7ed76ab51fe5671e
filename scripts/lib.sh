# shellcheck shell=bash
# Shared by scripts/run-scenarios and scripts/test: toolchain checks, the
# cargo cache, and a testbed that is brought up here and down again on exit
# (left running when it was already up, or with KDRILL_KEEP_CLUSTER=1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }

# slow builds survive between runs, keyed by the toolchain version and the
# checkout: two checkouts sharing one target dir see each other's test binaries as
# fresh (cargo keeps the first one's CARGO_MANIFEST_DIR baked in) and test the
# other tree's files
rust_version=$(rustc --version | awk '{print $2}')
checkout_key=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${KDRILL_CACHE:-$HOME/.cache/kdrill}/cargo-target/$rust_version-$checkout_key}

ensure_rust_components() {
	for c in rustfmt clippy; do
		if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
			log "installing rust component $c"
			rustup component add "$c"
		fi
	done
}

testbed_started_here=0
# helm, for the scenarios that render a chart (`requires: {commands: [helm]}`): the
# one on PATH, or built once from the Go module proxy (the only source reachable
# here) and cached by version
HELM_VERSION=v3.22.0
ensure_helm() {
	command -v helm >/dev/null 2>&1 && return 0
	local dir=${KDRILL_CACHE:-$HOME/.cache/kdrill}/tools/helm-$HELM_VERSION
	if [ ! -x "$dir/helm" ]; then
		log "building helm $HELM_VERSION from the Go module proxy (once per machine, 1-3 min)"
		rm -rf "$dir.tmp"
		GOBIN=$dir.tmp CGO_ENABLED=0 GOFLAGS=-mod=mod \
			go install -ldflags='-s -w' "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	export PATH=$dir:$PATH
}

# krew, to install kdrill's plugin archive with its manifest the way users will
# (tests/plugin.rs): built once from the Go module proxy like helm. v0.4.3 is the
# newest version the proxy serves (it refuses v0.4.4 and v0.4.5).
KREW_VERSION=v0.4.3
ensure_krew() {
	command -v krew >/dev/null 2>&1 && return 0
	local dir=${KDRILL_CACHE:-$HOME/.cache/kdrill}/tools/krew-$KREW_VERSION
	if [ ! -x "$dir/krew" ]; then
		log "building krew $KREW_VERSION from the Go module proxy (once per machine, ~30 s)"
		rm -rf "$dir.tmp"
		GOBIN=$dir.tmp CGO_ENABLED=0 GOFLAGS=-mod=mod \
			go install -ldflags='-s -w' "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	export PATH=$dir:$PATH
}

# man-db and groff, for the test that renders kdrill's generated pages with `man -l`
ensure_man() {
	man --version >/dev/null 2>&1 && command -v groff >/dev/null 2>&1 && return 0
	log "installing man-db (tests/man.rs renders the generated pages with man -l)"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends man-db groff-base >/tmp/kdrill-apt.log 2>&1; then
		apt-get update >>/tmp/kdrill-apt.log 2>&1 || true
		apt-get install -y --no-install-recommends man-db groff-base >>/tmp/kdrill-apt.log 2>&1 ||
			{ tail -20 /tmp/kdrill-apt.log >&2; return 1; }
	fi
}

testbed_up() {
	if testbed/cluster status >/dev/null 2>&1; then
		log "testbed already up ($(testbed/cluster status | head -1)): using it, leaving it up"
	else
		log "bringing the testbed up (first time on a machine: builds Kubernetes, 15-30 min)"
		testbed/cluster up
		testbed_started_here=1
	fi
	eval "$(testbed/cluster env)"
}

testbed_down_on_exit() {
	if [ "$testbed_started_here" = 1 ] && [ -z "${KDRILL_KEEP_CLUSTER:-}" ]; then
		log "bringing the testbed down"
		testbed/cluster down || true
	fi
}
trap testbed_down_on_exit EXIT
