//go:build tools

// Package tools records the commands ../build.sh builds, so that go.mod and go.sum hold exactly
// their dependencies. It is never compiled.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
