// Command kube is a multi-call binary (hyperkube style) holding the
// Kubernetes components the kdrill testbed runs. The component is chosen by
// the name it is invoked as (argv[0], e.g. a symlink "kube-apiserver") or by
// the first argument ("kube kube-apiserver --flags..."). Only the chosen
// command is constructed. To add a component, add a case below.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata" // for timeZone support in CronJob

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric registration

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

var components = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"}

func command(name string) *cobra.Command {
	switch name {
	case "kube-apiserver":
		return apiserver.NewAPIServerCommand()
	case "kube-controller-manager":
		return controllermanager.NewControllerManagerCommand()
	case "kube-scheduler":
		return scheduler.NewSchedulerCommand()
	case "kubelet":
		return kubelet.NewKubeletCommand(context.Background())
	case "kube-proxy":
		return proxy.NewProxyCommand()
	}
	return nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "cri" {
		os.Exit(criMain(os.Args[2:]))
	}
	name := filepath.Base(os.Args[0])
	cmd := command(name)
	if cmd == nil && len(os.Args) > 1 {
		name = os.Args[1]
		cmd = command(name)
		if cmd != nil {
			os.Args = append([]string{name}, os.Args[2:]...)
		}
	}
	if cmd == nil {
		fmt.Fprintf(os.Stderr, "usage: %s <%s> [flags]\n       %s cri <socket> ps|images|rmp-all\n", filepath.Base(os.Args[0]), strings.Join(components, "|"), filepath.Base(os.Args[0]))
		os.Exit(2)
	}
	os.Exit(cli.Run(cmd))
}
