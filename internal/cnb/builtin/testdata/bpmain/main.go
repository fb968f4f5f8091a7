// Command bpmain stands in for the bera binary in the tests: its main calls builtin.Main
// first, as bera's does.
package main

import (
	"fmt"
	"os"

	"github.com/kingvon-ke/bera/internal/cnb/builtin"
)

func main() {
	if handled, code := builtin.Main(os.Args); handled {
		os.Exit(code)
	}
	fmt.Fprintln(os.Stderr, "bpmain: not invoked as a buildpack")
	os.Exit(2)
}
