package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// criMain implements "kube cri <endpoint> ps|images|rmp-all": a tiny CRI
// client (crictl is not packaged in Debian 12) that the testbed uses to list
// pods for debugging and to stop and remove every pod sandbox on "down".
func criMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kube cri <unix-socket> ps|images|rmp-all")
		return 2
	}
	endpoint := "unix://" + strings.TrimPrefix(args[0], "unix://")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cri:", err)
		return 1
	}
	defer conn.Close()
	rs := runtimeapi.NewRuntimeServiceClient(conn)
	is := runtimeapi.NewImageServiceClient(conn)
	short := func(id string) string {
		if len(id) > 13 {
			return id[:13]
		}
		return id
	}
	switch args[1] {
	case "ps":
		sbs, err := rs.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "cri: list pod sandboxes:", err)
			return 1
		}
		for _, sb := range sbs.Items {
			fmt.Printf("pod       %s %-8s %s/%s\n", short(sb.Id), strings.TrimPrefix(sb.State.String(), "SANDBOX_"), sb.Metadata.GetNamespace(), sb.Metadata.GetName())
		}
		cs, err := rs.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "cri: list containers:", err)
			return 1
		}
		for _, c := range cs.Containers {
			fmt.Printf("container %s %-8s %s (pod %s, attempt %d) %s\n", short(c.Id), strings.TrimPrefix(c.State.String(), "CONTAINER_"), c.Metadata.GetName(), short(c.PodSandboxId), c.Metadata.GetAttempt(), c.Image.GetImage())
		}
	case "images":
		imgs, err := is.ListImages(ctx, &runtimeapi.ListImagesRequest{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "cri: list images:", err)
			return 1
		}
		for _, img := range imgs.Images {
			fmt.Printf("%s %d %s\n", short(strings.TrimPrefix(img.Id, "sha256:")), img.GetSize(), strings.Join(img.RepoTags, ","))
		}
	case "rmp-all":
		sbs, err := rs.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "cri: list pod sandboxes:", err)
			return 1
		}
		rc := 0
		for _, sb := range sbs.Items {
			name := sb.Metadata.GetNamespace() + "/" + sb.Metadata.GetName()
			if _, err := rs.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
				fmt.Fprintf(os.Stderr, "cri: stop %s: %v\n", name, err)
				rc = 1
			}
			if _, err := rs.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
				fmt.Fprintf(os.Stderr, "cri: remove %s: %v\n", name, err)
				rc = 1
				continue
			}
			fmt.Printf("removed pod %s %s\n", short(sb.Id), name)
		}
		return rc
	default:
		fmt.Fprintln(os.Stderr, "cri: unknown action", args[1])
		return 2
	}
	return 0
}
