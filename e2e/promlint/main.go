// Command promlint lints Prometheus text exposition read from standard input with Prometheus'
// own linter (client_golang's testutil/promlint) and prints one problem a line:
//
//	<metric><TAB><text>
//
// Exit status: 0 when the input parses and has no problem, 1 when it has problems, 2 when it
// does not parse.
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

func main() {
	problems, err := promlint.New(bufio.NewReader(os.Stdin)).Lint()
	if err != nil {
		fmt.Fprintf(os.Stderr, "promlint: the input does not parse as Prometheus text exposition: %v\n", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Printf("%s\t%s\n", p.Metric, p.Text)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
