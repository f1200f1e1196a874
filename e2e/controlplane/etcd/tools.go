//go:build tools

// Package tools records the command build.sh builds (etcd's main package is the root of the
// go.etcd.io/etcd/server/v3 module), so that go.mod and go.sum hold exactly its dependencies.
// It is never compiled.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)
