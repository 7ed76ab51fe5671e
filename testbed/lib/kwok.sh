# shellcheck shell=bash
# KWOK (sigs.k8s.io/kwok): fake nodes for bench/scale's pod workload, on demand
# only. Sourced by testbed/cluster after lib/build.sh. A file of its own, not part
# of build.sh: build.sh is hashed into the testbed's cache key, and nothing the
# testbed or CI needs depends on KWOK, so adding or changing it must not rebuild
# the testbed. Its cache is its own directory keyed by version (outside
# CACHE_ROOT, so prune_cache, which keeps one directory per Kubernetes version,
# never removes it), and build_go_part keys the binary by the module's hash.

KWOK_VERSION=v0.8.0 # keep in step with kwok/go.mod
KWOK_CACHE="${KDRILL_CACHE:-$HOME/.cache/kdrill}/kwok/$KWOK_VERSION"

# The stages KWOK plays (kwokctl's defaults: nodes become Ready and keep their
# Lease, pods become Running/Ready, Job pods complete, deleted pods go), taken from
# the same module the binary is built from (its kustomize/stage/ files)
KWOK_STAGES="node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml"

# builds the binary and the stages file the first time (3-4 min cold on 2 cores);
# sets KWOK_BIN and KWOK_STAGES_FILE
build_kwok() {
	mkdir -p "$KWOK_CACHE"
	build_go_part "$KWOK_CACHE" kwok kwok sigs.k8s.io/kwok/cmd/kwok "KWOK $KWOK_VERSION" "3-4 min"
	KWOK_BIN=$KWOK_CACHE/bin/kwok
	KWOK_STAGES_FILE=$KWOK_CACHE/stages.yaml
	local want="# kdrill testbed/lib/kwok.sh, stages of sigs.k8s.io/kwok@$KWOK_VERSION: $KWOK_STAGES"
	[ "$(head -1 "$KWOK_STAGES_FILE" 2>/dev/null)" = "$want" ] && return 0
	local dir f
	dir=$(cd "$TESTBED/kwok" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$dir/kustomize/stage" ] || die "no kustomize/stage in sigs.k8s.io/kwok@$KWOK_VERSION ($dir)"
	{
	echo "$want"
	for f in $KWOK_STAGES; do
		[ -f "$dir/kustomize/stage/$f" ] || die "sigs.k8s.io/kwok@$KWOK_VERSION has no stage $f"
		echo "---"
		cat "$dir/kustomize/stage/$f"
	done
	} > "$KWOK_STAGES_FILE.tmp"
	mv "$KWOK_STAGES_FILE.tmp" "$KWOK_STAGES_FILE"
}

# ---------------------------------------------------------------- kwok up|down|status
# Fake nodes on the shared testbed must take no pod of anyone else: each carries
# the taint below (NoSchedule), and only pods that tolerate it and select the label
# land there (bench/scale --pods). KWOK manages only nodes with its annotation.
KWOK_PREFIX=kdrill-kwok-
KWOK_LABEL=kdrill.dev/kwok=fake
KWOK_ANNOTATION=kwok.x-k8s.io/node=fake
KWOK_TAINT_KEY=kwok.x-k8s.io/node
KWOK_LOCK=${KDRILL_TESTBED_LOCK:-/tmp/kdrill-testbed.lock}

# creating nodes and starting a controller change the shared testbed: refuse unless
# someone holds the exclusive lock (a shared lock can be taken now: nobody holds -x)
kwok_need_lock() {
	[ "${CI:-}" = true ] && return 0 # CI has the machine alone and takes no lock
	if flock -n -s "$KWOK_LOCK" true 2>/dev/null; then
		die "kwok $1 changes the shared testbed: run it under the exclusive lock, flock -o -x $KWOK_LOCK $0 kwok $1"
	fi
}

kwok_node() { # name
	cat <<-EOF
	apiVersion: v1
	kind: Node
	metadata:
	  name: $1
	  annotations:
	    ${KWOK_ANNOTATION%%=*}: ${KWOK_ANNOTATION#*=}
	    node.alpha.kubernetes.io/ttl: "0"
	  labels:
	    ${KWOK_LABEL%%=*}: ${KWOK_LABEL#*=}
	    type: kwok
	    kubernetes.io/hostname: $1
	    kubernetes.io/os: linux
	    kubernetes.io/arch: amd64
	spec:
	  taints:
	  - {key: $KWOK_TAINT_KEY, value: fake, effect: NoSchedule}
	status:
	  capacity: {cpu: "32", memory: 256Gi, pods: "250"}
	  allocatable: {cpu: "32", memory: 256Gi, pods: "250"}
	  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
	---
	EOF
}

kwok_nodes_ready() { # count
	local n
	n=$(kc get nodes -l "$KWOK_LABEL" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)
	[ "$n" -ge "$1" ]
}

kwok_up() { # [nodes]
	local nodes=${1:-10} i t0=$SECONDS
	[[ $nodes =~ ^[1-9][0-9]*$ ]] || die "kwok up: the number of nodes must be a positive integer: $nodes"
	kwok_need_lock up
	apiserver_health || die "the testbed is not up (testbed/cluster up first)"
	build_kwok
	# its own client certificate, so its API requests are told apart in the audit log
	gen_cert kwok kwok-controller system:masters ""
	kubeconfig "$STATE/kwok.kubeconfig" kwok-controller kwok "https://127.0.0.1:$APISERVER_PORT"
	if ! alive kwok; then
		mkdir -p "$STATE/kwok"
		log "starting KWOK $KWOK_VERSION (nodes with $KWOK_ANNOTATION)"
		# HOME: a KWOK config of the user's (~/.kwok/kwok.yaml) must not join in.
		# Fake addresses on the loopback: nothing that connects to a fake node's
		# kubelet port leaves the machine.
		start_proc kwok env HOME="$STATE/kwok" "$KWOK_BIN" --kubeconfig="$STATE/kwok.kubeconfig" \
			--config="$KWOK_STAGES_FILE" --manage-all-nodes=false \
			--manage-nodes-with-annotation-selector="$KWOK_ANNOTATION" \
			--node-lease-duration-seconds=40 --cidr=10.250.0.0/16 --node-ip=127.0.0.2
	fi
	for ((i = 0; i < nodes; i++)); do kwok_node "$KWOK_PREFIX$i"; done | kc apply -f - >/dev/null ||
		fail_comp kwok "cannot create the fake nodes"
	local end=$((SECONDS + 60))
	until kwok_nodes_ready "$nodes"; do
		alive kwok || fail_comp kwok "KWOK exited"
		((SECONDS < end)) || fail_comp kwok "the $nodes fake nodes are not Ready after 60s"
		sleep 0.5
	done
	log "KWOK up in $((SECONDS - t0))s: $nodes fake nodes Ready ($KWOK_PREFIX*, label $KWOK_LABEL, taint $KWOK_TAINT_KEY=fake:NoSchedule)"
}

# leaves the testbed as before `kwok up`: no pod bound to a fake node, no fake
# node, no Lease or Event of one, no KWOK process
kwok_down() {
	kwok_need_lock down
	local nodes n
	if apiserver_health; then
		nodes=$(kc get nodes -l "$KWOK_LABEL" -o name | sed 's|^node/||')
		if [ -n "$nodes" ]; then
			# pods first, while KWOK still runs to finish their deletion
			for n in $nodes; do
				kc delete pods -A --field-selector "spec.nodeName=$n" --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
			done
			local end=$((SECONDS + 60)) left
			while :; do
				left=0
				for n in $nodes; do
					[ -n "$(kc get pods -A --field-selector "spec.nodeName=$n" -o name 2>/dev/null)" ] && left=1 && break
				done
				[ "$left" = 0 ] && break
				((SECONDS < end)) || { log "WARNING: pods still bound to fake nodes after 60s"; break; }
				sleep 0.5
			done
			log "deleting $(echo "$nodes" | wc -w) fake nodes"
			kc delete nodes -l "$KWOK_LABEL" --wait=true >/dev/null || log "WARNING: could not delete the fake nodes"
			# shellcheck disable=SC2086 # node names: one word each
			kc -n kube-node-lease delete leases --ignore-not-found $nodes >/dev/null 2>&1 || true
		fi
		# the node controller's events about them (RegisteredNode, NodeReady, ...)
		local ns evs
		while read -r ns evs; do
			# shellcheck disable=SC2086 # event names: one word each
			[ -n "$evs" ] && kc -n "$ns" delete events --ignore-not-found $evs >/dev/null 2>&1
		done < <(kc get events -A --field-selector involvedObject.kind=Node -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.name} {.involvedObject.name}{"\n"}{end}' 2>/dev/null |
			awk -v p="$KWOK_PREFIX" 'index($3, p) == 1 {e[$1] = e[$1] " " $2} END {for (n in e) print n e[n]}')
	fi
	stop_comp kwok 10
	log "KWOK down"
}

kwok_status() {
	local pid
	if pid=$(comp_pid kwok); then echo "kwok: running (pid $pid)"; else echo "kwok: stopped"; fi
	kc get nodes -l "$KWOK_LABEL" --no-headers 2>/dev/null | awk 'END {print "fake nodes: " NR}'
}

cmd_kwok() {
	case "${1:-}" in
	up) [ "$(id -u)" = 0 ] || die "must run as root"; kwok_up "${2:-}" ;;
	down) [ "$(id -u)" = 0 ] || die "must run as root"; kwok_down ;;
	status) kwok_status ;;
	*) die "kwok what? up [NODES] | down | status" ;;
	esac
}
