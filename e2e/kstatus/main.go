// Command kstatus prints what sigs.k8s.io/cli-utils' kstatus library (the library Flux's health
// checks use) computes for Kubernetes objects: it reads JSON objects from stdin, one after
// another, and prints one line per object: the status, a tab, the message.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	in := json.NewDecoder(bufio.NewReader(os.Stdin))
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for n := 1; ; n++ {
		var raw json.RawMessage
		if err := in.Decode(&raw); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			fail(out, "failed to read object %d from stdin as JSON: %v", n, err)
		}
		// UnmarshalJSON keeps integers int64, as kstatus expects (encoding/json alone gives float64).
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			fail(out, "failed to read object %d as a Kubernetes object: %v", n, err)
		}
		result, err := status.Compute(u)
		if err != nil {
			fail(out, "kstatus failed on object %d (%s %s): %v", n, u.GetKind(), u.GetName(), err)
		}
		fmt.Fprintf(out, "%s\t%s\n", result.Status, result.Message)
	}
}

func fail(out *bufio.Writer, format string, args ...any) {
	out.Flush()
	fmt.Fprintf(os.Stderr, "kstatus: "+format+"\n", args...)
	os.Exit(1)
}
