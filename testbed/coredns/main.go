// A CoreDNS with only the plugins the testbed's cluster DNS uses: the kubernetes
// plugin answers for cluster.local, and there is deliberately no `forward` (pod
// DNS must never reach a resolver outside the machine). Fewer plugins than the
// upstream build also means far fewer modules to download and compile.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	// plugin order within a server block, as upstream's plugin.cfg orders them
	dnsserver.Directives = []string{"ready", "health", "errors", "log", "loadbalance", "cache", "kubernetes"}
}

func main() { coremain.Run() }
