# shellcheck shell=bash
# Build part of testbed/cluster: apt packages, Kubernetes + etcd binaries from
# Go modules, container images from Debian packages. Sourced by testbed/cluster.
# The cache key hashes this file, so editing it rebuilds (Go's own build cache
# keeps a rebuild to a relink).
#
# Adding a component:
#   - a Kubernetes command: add a case to testbed/k8s/main.go and its name to
#     KUBE_COMMANDS below (it becomes a symlink to the multi-call binary);
#   - another Go program: add a build_go_part call in build_all, in its own
#     module under testbed/<name>/ like testbed/etcd/;
#   - an image: add a build_image_<name> function and a line in IMAGES.

# The default Kubernetes is the one testbed/k8s/go.mod pins; any other version the
# Go module proxy serves is chosen with `up --version` / KDRILL_K8S_VERSION (see
# set_k8s_version) and gets its own module (k8s/versions/<v>/ or generated) and cache.
DEFAULT_K8S_VERSION=v1.34.4
K8S_VERSION=${K8S_VERSION:-$DEFAULT_K8S_VERSION}
ETCD_VERSION=${ETCD_VERSION:-v3.6.8}
COREDNS_VERSION=v1.14.7 # keep in step with coredns/go.mod
METRICS_SERVER_VERSION=v0.9.0 # keep in step with metrics-server/go.mod
LOCAL_PATH_VERSION=v0.0.30 # keep in step with local-path/go.mod
KUBE_COMMANDS="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"
APT_PACKAGES="containerd runc containernetworking-plugins docker-registry skopeo umoci busybox-static iptables iproute2 conntrack curl openssl ca-certificates gcc libc6-dev util-linux mount"

# IMAGES: "<oci-dir> <build-function> <registry-repo>:<tag>[,<tag>...]"
# The registry serves as the mirror of docker.io and registry.k8s.io, so
# library/nginx is docker.io/library/nginx (= "nginx"), pause is registry.k8s.io/pause.
IMAGES="
nginx build_image_nginx library/nginx:latest,mainline,stable
bitnami-nginx build_image_bitnami_nginx bitnami/nginx:latest
busybox build_image_busybox library/busybox:1.28,latest
pause build_image_pause pause:3.10
coredns build_image_coredns coredns/coredns:v1.14.7,1.14.7
metrics-server build_image_metrics_server metrics-server/metrics-server:v0.9.0
local-path build_image_local_path rancher/local-path-provisioner:v0.0.30
"

CACHE_ROOT="${KDRILL_CACHE:-$HOME/.cache/kdrill}/testbed"

# `up` sets UP_T0 (microseconds): its log lines then say how far into it they are
log() {
	local t=""
	if [ -n "${UP_T0:-}" ]; then
		local ms=$(( (${EPOCHREALTIME/./} - UP_T0) / 1000 ))
		t=" +$((ms / 1000)).$((ms % 1000 / 100))s"
	fi
	printf '[testbed %s%s] %s\n' "$(date +%H:%M:%S)" "$t" "$*" >&2
}
die() { log "ERROR: $*"; exit 1; }

# hash of the files a part of the build depends on
part_hash() { # file patterns, relative to testbed/ (quote them: expanded here)
	# shellcheck disable=SC2048,SC2086
	(cd "$TESTBED" && cat $* | sha256sum | cut -c1-16)
}

cache_key() {
	local h mod
	mod=$(k8s_module)
	h=$( (cat "$mod/go.mod" "$mod/go.sum" "$mod"/*.go; cd "$TESTBED" && cat etcd/go.mod etcd/go.sum coredns/go.mod coredns/go.sum coredns/*.go \
		metrics-server/go.mod metrics-server/go.sum local-path/go.mod local-path/go.sum images/* lib/build.sh; echo "$K8S_VERSION $ETCD_VERSION $(go version 2>/dev/null)") | sha256sum | cut -c1-12)
	echo "$K8S_VERSION-$h"
}

cache_dir() { echo "$CACHE_ROOT/$(cache_key)"; }

# ---------------------------------------------------------------- versions
# the k8s.io/kubernetes versions the Go module proxy serves (releases only)
k8s_versions_served() {
	(cd / && go list -m -versions k8s.io/kubernetes) | tr ' ' '\n' | grep -E '^v1\.[0-9]+\.[0-9]+$' | sort -V
}

# K8S_VERSION from the argument or KDRILL_K8S_VERSION: 1.35.4, v1.35.4, or a bare
# minor (1.35: the newest patch the proxy serves); none: DEFAULT_K8S_VERSION
set_k8s_version() { # [version]
	local v=${1:-${KDRILL_K8S_VERSION:-}} r
	if [ -z "$v" ]; then K8S_VERSION=$DEFAULT_K8S_VERSION; return 0; fi
	v=v${v#v}
	if [[ $v =~ ^v1\.[0-9]+$ ]]; then
		if [ "$v" = "${DEFAULT_K8S_VERSION%.*}" ]; then
			r=$DEFAULT_K8S_VERSION
		else
			r=$(k8s_versions_served | grep -E "^${v//./\\.}\.[0-9]+$" | tail -1 || true)
		fi
		[ -n "$r" ] || die "the Go module proxy serves no k8s.io/kubernetes $v.x (go list -m -versions k8s.io/kubernetes)"
		v=$r
	fi
	[[ $v =~ ^v1\.[0-9]+\.[0-9]+$ ]] || die "not a Kubernetes version: $v (want 1.Y.Z or 1.Y)"
	K8S_VERSION=$v
}
k8s_minor() { echo "$K8S_VERSION" | cut -d. -f2; }

# The Go module that builds the multi-call binary for K8S_VERSION:
#   - the default version: testbed/k8s itself (go.mod/go.sum committed);
#   - a pinned one: testbed/k8s/versions/<v>/go.mod+go.sum (committed), with
#     testbed/k8s/*.go copied beside them under the cache root;
#   - any other version the proxy serves: generated there from k8s.io/kubernetes's
#     own go.mod (each `k8s.io/X => ./staging/...` replaced by `k8s.io/X v0.Y.Z`,
#     as testbed/k8s/go.mod does by hand) and `go mod tidy`. To pin it, copy the
#     go.mod and go.sum it prints into testbed/k8s/versions/<v>/.
# Prints the module directory.
k8s_module() {
	if [ "$K8S_VERSION" = "$DEFAULT_K8S_VERSION" ]; then echo "$TESTBED/k8s"; return 0; fi
	local dir=$CACHE_ROOT/src/k8s-$K8S_VERSION pin=$TESTBED/k8s/versions/$K8S_VERSION f
	mkdir -p "$dir"
	for f in "$TESTBED"/k8s/*.go; do cmp -s "$f" "$dir/${f##*/}" || cp "$f" "$dir/"; done
	if [ -f "$pin/go.mod" ]; then
		cmp -s "$pin/go.mod" "$dir/go.mod" || cp "$pin/go.mod" "$dir/go.mod"
		cmp -s "$pin/go.sum" "$dir/go.sum" || cp "$pin/go.sum" "$dir/go.sum"
	elif [ ! -f "$dir/.generated" ]; then
		log "generating the Go module for Kubernetes $K8S_VERSION ($dir)"
		local kmod staging="v0.${K8S_VERSION#v1.}"
		kmod=$(cd / && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
		[ -f "$kmod" ] || die "the Go module proxy does not serve k8s.io/kubernetes $K8S_VERSION"
		{
			echo "module kdrill.local/testbed/k8s"
			echo
			grep -E '^(go|godebug) ' "$kmod"
			echo
			echo "require k8s.io/kubernetes $K8S_VERSION"
			echo
			echo "replace ("
			# staging modules the build does not load (sample-*) may be missing on the proxy: harmless
			awk -v v="$staging" '$2 == "=>" && $3 ~ /^\.\/staging\// {print "\t" $1 " => " $1 " " v}' "$kmod"
			echo ")"
		} > "$dir/go.mod"
		rm -f "$dir/go.sum"
		(cd "$dir" && go mod tidy) >&2 || die "go mod tidy failed for Kubernetes $K8S_VERSION in $dir"
		touch "$dir/.generated"
		log "generated; to pin it: mkdir -p testbed/k8s/versions/$K8S_VERSION && cp $dir/go.mod $dir/go.sum testbed/k8s/versions/$K8S_VERSION/"
	fi
	echo "$dir"
}

# ---------------------------------------------------------------- apt
ensure_packages() {
	local missing="" p
	for p in $APT_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing apt packages:$missing"
	# No service may start on install (containerd, docker-registry): the
	# testbed runs its own instances. Debian images usually have this file.
	local made_policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	local rc=0
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y --no-install-recommends $missing >/tmp/kdrill-apt.log 2>&1; then
		apt-get update >>/tmp/kdrill-apt.log 2>&1 || true
		# shellcheck disable=SC2086
		apt-get install -y --no-install-recommends $missing >>/tmp/kdrill-apt.log 2>&1 || rc=$?
	fi
	[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
	if [ "$rc" != 0 ]; then
		tail -20 /tmp/kdrill-apt.log >&2
		die "apt-get install failed (log: /tmp/kdrill-apt.log)"
	fi
	command -v go >/dev/null || die "go is not installed (needs Go >= 1.24)"
}

# ---------------------------------------------------------------- go builds
# reuse a part (a file) from another cache dir built with the same part hash
reuse_part() { # cache relpath hash
	local cache=$1 rel=$2 hash=$3 d
	for d in "$CACHE_ROOT"/*/; do
		[ "${d%/}" = "$cache" ] && continue
		if [ -f "$d$rel" ] && [ "$(cat "$d$rel.hash" 2>/dev/null)" = "$hash" ]; then
			mkdir -p "$(dirname "$cache/$rel")"
			cp -a "$d$rel" "$cache/$rel.tmp" && mv "$cache/$rel.tmp" "$cache/$rel"
			echo "$hash" > "$cache/$rel.hash"
			log "reused $rel from $d"
			return 0
		fi
	done
	return 1
}

KUBE_TAGS="selinux notest"
kube_ldflags() {
	local minor
	minor=$(echo "$K8S_VERSION" | cut -d. -f2)
	echo "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
}

build_kube() { # cache
	local cache=$1 out=$1/bin/kube hash mod
	mod=$(k8s_module)
	hash=$( (cat "$mod/go.mod" "$mod/go.sum" "$mod"/*.go | sha256sum | cut -c1-16; echo "$KUBE_TAGS $(kube_ldflags) $(go version)") | sha256sum | cut -c1-16)
	[ -x "$out" ] && [ "$(cat "$out.hash" 2>/dev/null)" = "$hash" ] && return 0
	reuse_part "$cache" bin/kube "$hash" && return 0
	log "building Kubernetes $K8S_VERSION ($KUBE_COMMANDS) from Go modules: 10-25 min cold on 2 cores, log $cache/build-kube.log"
	mkdir -p "$cache/bin"
	local t0=$SECONDS
	(cd "$mod" && CGO_ENABLED=0 go build -trimpath -tags "$KUBE_TAGS" -ldflags "$(kube_ldflags)" -o "$out.tmp" .) >"$cache/build-kube.log" 2>&1 || { tail -30 "$cache/build-kube.log" >&2; die "Kubernetes build failed (log $cache/build-kube.log)"; }
	mv "$out.tmp" "$out"
	echo "$hash" > "$out.hash"
	log "built kube in $((SECONDS - t0))s"
}

# A Go program in a module of its own under testbed/ (so its dependencies do not
# move the apiserver's), built static and cached by the hash of its module files.
build_go_part() { # cache name dir package what duration
	local cache=$1 name=$2 dir=$3 pkg=$4 what=$5 took=$6 out=$1/bin/$2 hash files
	files="$dir/go.mod $dir/go.sum"
	# a main.go of our own (CoreDNS) counts; a module that only requires (etcd) has none
	compgen -G "$TESTBED/$dir/*.go" >/dev/null && files="$files $dir/*.go"
	hash=$( (part_hash "$files"; echo "-s -w $(go version)") | sha256sum | cut -c1-16)
	[ -x "$out" ] && [ "$(cat "$out.hash" 2>/dev/null)" = "$hash" ] && return 0
	reuse_part "$cache" "bin/$name" "$hash" && return 0
	log "building $what from Go modules ($took cold), log $cache/build-$name.log"
	mkdir -p "$cache/bin"
	local t0=$SECONDS
	(cd "$TESTBED/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$pkg") \
		>"$cache/build-$name.log" 2>&1 || { tail -30 "$cache/build-$name.log" >&2; die "$what build failed (log $cache/build-$name.log)"; }
	mv "$out.tmp" "$out"
	echo "$hash" > "$out.hash"
	log "built $name in $((SECONDS - t0))s"
}

# etcd: Debian's 3.4 is too old for Kubernetes 1.34 (see README)
build_etcd() { build_go_part "$1" etcd etcd go.etcd.io/etcd/server/v3 "etcd $ETCD_VERSION" "2-4 min"; }

# CoreDNS with only the plugins cluster DNS needs (testbed/coredns/main.go)
build_coredns() { build_go_part "$1" coredns coredns . "CoreDNS $COREDNS_VERSION" "1-2 min"; }

# add-ons: metrics-server (kubectl top, the metrics.k8s.io API) and Rancher's
# local-path-provisioner (the default StorageClass), each in a module of its own
build_metrics_server() { build_go_part "$1" metrics-server metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server "metrics-server $METRICS_SERVER_VERSION" "3-5 min"; }
build_local_path() { build_go_part "$1" local-path-provisioner local-path github.com/rancher/local-path-provisioner "local-path-provisioner $LOCAL_PATH_VERSION" "2-3 min"; }

# ---------------------------------------------------------------- images
# copy the shared libraries a binary needs (per ldd on this host) into rootfs
copy_libs() { # rootfs binary
	local root=$1 bin=$2 lib
	ldd "$bin" | grep -q 'not found' && die "ldd $bin: missing libraries: $(ldd "$bin" | grep 'not found')"
	for lib in $(ldd "$bin" | grep -oE '(/[^ ]+)' | sort -u); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

base_rootfs() { # rootfs
	local r=$1
	mkdir -p "$r"/{bin,etc,lib,lib64,usr/bin,usr/lib,usr/sbin,tmp,run,var/tmp,proc,sys,dev,root,home}
	chmod 1777 "$r/tmp" "$r/var/tmp"
	chmod 700 "$r/root"
	cat > "$r/etc/nsswitch.conf" <<-'EOF'
	passwd:   files
	group:    files
	shadow:   files
	hosts:    files dns
	networks: files
	EOF
	: > "$r/etc/hosts"
	: > "$r/etc/resolv.conf"
	echo "kdrill-testbed" > "$r/etc/hostname"
}

# busybox applets as symlinks; keep files that already exist. nslookup is ours
# (images/nslookup.c, built in build_images): busybox 1.35's ignores the search
# list for names with a dot, 1.28's (what tutorials expect) used the libc resolver
add_busybox() { # rootfs dir
	local r=$1 dir=${2:-/bin} a
	cp /bin/busybox "$r/bin/busybox"
	# deploy/build-image reuses this without building the testbed's own nslookup.
	if [ -n "${NSLOOKUP_BIN:-}" ] && [ ! -e "$r$dir/nslookup" ]; then
		cp "$NSLOOKUP_BIN" "$r$dir/nslookup"
	fi
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] && continue
		[ -e "$r$dir/$a" ] || [ -L "$r$dir/$a" ] || [ -e "$r/usr/bin/$a" ] || [ -e "$r/usr/sbin/$a" ] || ln -s /bin/busybox "$r$dir/$a"
	done
}

nginx_rootfs() { # rootfs debdir
	local r=$1 debs=$2 d
	base_rootfs "$r"
	for d in "$debs"/nginx_*.deb "$debs"/nginx-common_*.deb; do dpkg-deb -x "$d" "$r"; done
	rm -rf "$r/etc/nginx/sites-enabled" "$r/etc/nginx/sites-available" "$r/etc/nginx/modules-enabled" \
		"$r/etc/init.d" "$r/etc/logrotate.d" "$r/etc/ufw" "$r/etc/default" "$r/lib/systemd" "$r/usr/share/doc" "$r/usr/share/man" \
		"$r/var/www" "$r/usr/share/nginx/html"/*
	copy_libs "$r" "$r/usr/sbin/nginx"
	cp /usr/bin/curl "$r/usr/bin/curl"
	copy_libs "$r" /usr/bin/curl
	# getent (libc-bin) is in the Debian-based upstream images: `getent hosts NAME`
	cp /usr/bin/getent "$r/usr/bin/getent"
	copy_libs "$r" /usr/bin/getent
	add_busybox "$r"
	mkdir -p "$r/etc/nginx/conf.d" "$r/var/log/nginx" "$r/var/lib/nginx"/{body,proxy,fastcgi,uwsgi,scgi} "$r/var/cache/nginx" "$r/usr/share/nginx/html"
	ln -sf /dev/stdout "$r/var/log/nginx/access.log"
	ln -sf /dev/stderr "$r/var/log/nginx/error.log"
	cp "$TESTBED/images/index.html" "$TESTBED/images/50x.html" "$r/usr/share/nginx/html/"
}

build_image_nginx() { # rootfs debdir
	local r=$1
	nginx_rootfs "$r" "$2"
	cp "$TESTBED/images/nginx.conf" "$r/etc/nginx/nginx.conf"
	cp "$TESTBED/images/nginx-default.conf" "$r/etc/nginx/conf.d/default.conf"
	printf 'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx user:/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
	printf 'root:x:0:\nnginx:x:101:\nnogroup:x:65534:\n' > "$r/etc/group"
	chown -R 101:101 "$r/var/lib/nginx" "$r/var/cache/nginx"
	IMAGE_CONFIG=(--config.cmd nginx --config.cmd=-g --config.cmd 'daemon off;'
		--config.exposedports 80/tcp --config.stopsignal SIGQUIT
		--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		--config.env NGINX_VERSION="$(dpkg-deb -f "$2"/nginx_*.deb Version | cut -d- -f1)")
}

build_image_bitnami_nginx() { # rootfs debdir
	local r=$1
	nginx_rootfs "$r" "$2"
	cp "$TESTBED/images/bitnami-nginx.conf" "$r/etc/nginx/nginx.conf"
	mkdir -p "$r/app" "$r/opt/bitnami/nginx/conf/server_blocks"
	ln -s /etc/nginx/nginx.conf "$r/opt/bitnami/nginx/conf/nginx.conf"
	cp "$TESTBED/images/index.html" "$TESTBED/images/50x.html" "$r/app/"
	printf 'root:x:0:0:root:/root:/bin/sh\nnginx:x:1001:0:nginx user:/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
	chown -R 1001:0 "$r/app" "$r/opt/bitnami" "$r/var/lib/nginx" "$r/var/cache/nginx"
	chmod -R g+rwX "$r/app" "$r/opt/bitnami" "$r/var/lib/nginx" "$r/var/cache/nginx"
	IMAGE_CONFIG=(--config.cmd nginx --config.cmd=-g --config.cmd 'daemon off;'
		--config.exposedports 8080/tcp --config.user 1001:0 --config.workingdir /app
		--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		--config.env BITNAMI_APP_NAME=nginx --config.env NGINX_HTTP_PORT_NUMBER=8080)
}

build_image_busybox() { # rootfs
	local r=$1
	mkdir -p "$r"/{bin,etc,tmp,var/tmp,root,home,proc,sys,dev,usr/bin,usr/sbin,sbin}
	chmod 1777 "$r/tmp" "$r/var/tmp"
	add_busybox "$r"
	printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$r/etc/passwd"
	printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' > "$r/etc/group"
	IMAGE_CONFIG=(--config.cmd sh --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
}

build_image_pause() { # rootfs
	local r=$1
	mkdir -p "$r"
	gcc -Os -static -o "$r/pause" "$TESTBED/images/pause.c" || die "gcc -static pause.c failed"
	strip "$r/pause" 2>/dev/null || true
	IMAGE_CONFIG=(--config.entrypoint /pause --config.user 65535:65535)
}

# CoreDNS: the static binary alone, as upstream ships it; runs as nobody, listens
# on 1053 (no privileged port), the Service maps 53 to it
build_image_coredns() { # rootfs
	local r=$1
	mkdir -p "$r"/{etc/coredns,tmp}
	chmod 1777 "$r/tmp"
	cp "$cache/bin/coredns" "$r/coredns"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
	IMAGE_CONFIG=(--config.entrypoint /coredns --config.cmd=-conf --config.cmd /etc/coredns/Corefile
		--config.user 65534:65534 --config.exposedports 1053/udp --config.exposedports 1053/tcp)
}

# a Go binary of ours alone, as upstream ships these: static, no shell, runs as nobody
binary_rootfs() { # rootfs binary-in-cache path-in-image
	local r=$1
	mkdir -p "$r"/{etc,tmp,"$(dirname "${3#/}")"}
	chmod 1777 "$r/tmp"
	cp "$cache/bin/$2" "$r$3"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
}

# metrics-server: /metrics-server, user 65534, serves TLS on 4443 (its own cert in /tmp)
build_image_metrics_server() { # rootfs
	binary_rootfs "$1" metrics-server /metrics-server
	IMAGE_CONFIG=(--config.entrypoint /metrics-server --config.user 65534:65534 --config.exposedports 4443/tcp)
}

# local-path-provisioner: on PATH as in upstream's image (its manifests run
# `local-path-provisioner --debug start ...`); its helper pods use busybox
build_image_local_path() { # rootfs
	binary_rootfs "$1" local-path-provisioner /usr/bin/local-path-provisioner
	IMAGE_CONFIG=(--config.env PATH=/usr/bin:/bin --config.cmd local-path-provisioner)
}

build_images() { # cache (bin/coredns, bin/metrics-server, bin/local-path-provisioner must be built)
	local cache=$1 hash
	hash=$(part_hash 'images/*' lib/build.sh coredns/go.mod coredns/go.sum 'coredns/*.go' metrics-server/go.mod metrics-server/go.sum local-path/go.mod local-path/go.sum)
	[ -f "$cache/images/.hash" ] && [ "$(cat "$cache/images/.hash")" = "$hash" ] && return 0
	if reuse_part "$cache" images.tar "$hash"; then
		rm -rf "$cache/images" && mkdir -p "$cache/images" && tar -C "$cache/images" -xf "$cache/images.tar" && echo "$hash" > "$cache/images/.hash"
		return 0
	fi
	log "building images (nginx, bitnami/nginx, busybox, pause, coredns, metrics-server, local-path) from Debian packages and our builds"
	local t0=$SECONDS work debs
	work=$(mktemp -d /tmp/kdrill-images.XXXXXX)
	debs=$cache/debs
	mkdir -p "$debs"
	if ! ls "$debs"/nginx_*.deb "$debs"/nginx-common_*.deb >/dev/null 2>&1; then
		(cd "$debs" && { apt-get download nginx nginx-common >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1; apt-get download nginx nginx-common; }; }) || die "apt-get download nginx nginx-common failed"
	fi
	rm -rf "$cache/images.new" && mkdir -p "$cache/images.new"
	NSLOOKUP_BIN=$work/nslookup
	# static getaddrinfo: the linker warns that NSS modules must match at run time;
	# glibc >= 2.34 has files and dns built in, which is all the images use
	gcc -Os -static -o "$NSLOOKUP_BIN" "$TESTBED/images/nslookup.c" 2>"$work/nslookup.log" || { cat "$work/nslookup.log" >&2; die "gcc -static nslookup.c failed"; }
	strip "$NSLOOKUP_BIN" 2>/dev/null || true
	local dir fn refs repo tags tag first
	while read -r dir fn refs; do
		[ -z "$dir" ] && continue
		repo=${refs%%:*}; tags=${refs#*:}; first=${tags%%,*}
		IMAGE_CONFIG=()
		rm -rf "${work:?}/$dir" && mkdir -p "$work/$dir/rootfs"
		"$fn" "$work/$dir/rootfs" "$debs"
		tar --numeric-owner --sort=name --mtime=@0 -C "$work/$dir/rootfs" -cf "$work/$dir/layer.tar" . || die "tar $dir"
		local oci=$cache/images.new/$dir
		umoci init --layout "$oci" >/dev/null
		umoci new --image "$oci:$first" >/dev/null
		umoci raw add-layer --image "$oci:$first" --history.created_by "kdrill testbed/lib/build.sh $fn" --history.created 1970-01-01T00:00:00Z "$work/$dir/layer.tar" >/dev/null || die "umoci add-layer $dir"
		umoci config --image "$oci:$first" --no-history --os linux --architecture amd64 \
			--created 1970-01-01T00:00:00Z --author kdrill-testbed "${IMAGE_CONFIG[@]}" >/dev/null || die "umoci config $dir"
		for tag in ${tags//,/ }; do
			[ "$tag" = "$first" ] || umoci tag --image "$oci:$first" "$tag" >/dev/null
			# one config per tag, so each tag has its own digest: the runtime then reports
			# the tag a pod asked for (nginx:mainline), not whichever tag it pulled first
			umoci config --image "$oci:$tag" --no-history --config.label "org.opencontainers.image.version=$tag" >/dev/null || die "umoci config $dir:$tag"
		done
		umoci gc --layout "$oci"
		echo "$repo ${tags//,/ }" > "$oci/.kdrill-push"
	done <<< "$IMAGES"
	rm -rf "$work"
	echo "$hash" > "$cache/images.new/.hash"
	rm -rf "$cache/images" && mv "$cache/images.new" "$cache/images"
	tar -C "$cache/images" -cf "$cache/images.tar" . && echo "$hash" > "$cache/images.tar.hash"
	log "built images in $((SECONDS - t0))s"
}

build_all() {
	ensure_packages
	local cache t0=$SECONDS
	cache=$(cache_dir)
	mkdir -p "$cache"
	if [ -f "$cache/.complete" ] && [ -x "$cache/bin/kube" ] && [ -x "$cache/bin/etcd" ] && [ -x "$cache/bin/coredns" ] &&
		[ -x "$cache/bin/metrics-server" ] && [ -x "$cache/bin/local-path-provisioner" ] && [ -d "$cache/images" ]; then
		return 0
	fi
	# while this build runs, no prune_cache (of another version's build, another
	# checkout's) may take the directory away
	echo "$$" > "$cache/.building"
	build_coredns "$cache"
	build_metrics_server "$cache"
	build_local_path "$cache"
	build_images "$cache"
	build_etcd "$cache"
	build_kube "$cache"
	local c
	for c in $KUBE_COMMANDS; do ln -sfn kube "$cache/bin/$c"; done
	date -Is > "$cache/.complete"
	rm -f "$cache/.building"
	log "build complete in $((SECONDS - t0))s: $cache"
	prune_cache "$cache"
}

# one cache dir per Kubernetes version (<version>-<hash>): keep the current one and,
# per version, the newest other complete one (a checkout of another branch may want
# it back); drop the rest. src/ holds generated Go modules (k8s_module).
prune_cache() { # current
	local d v kept=" "
	# shellcheck disable=SC2045 # our own <version>-<hash> names, newest first
	for d in $(ls -dt "$CACHE_ROOT"/*/ 2>/dev/null); do
		d=${d%/}
		[ "$d" = "$1" ] && continue
		[ "${d##*/}" = src ] && continue
		# a build in progress (its process alive): not ours to remove
		[ -f "$d/.building" ] && [ -d "/proc/$(cat "$d/.building")" ] && continue
		v=${d##*/}; v=${v%-*}
		if [ -f "$d/.complete" ] && [[ $kept != *" $v "* ]]; then kept="$kept$v "; continue; fi
		rm -rf "$d"
	done
	return 0
}
