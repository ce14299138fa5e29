// Command udpool shows what goes wrong with a naive UDP request/response
// client under packet loss, and what a bounded pool with deadlines changes.
//
//	udpool demo [flags]   run the story on an in-process lossy device
//	udpool help           show this help
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit code: 0 ok, 1 runtime
// failure, 2 usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "udpool: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `udpool: UDP request/response without leaked sockets or mixed-up replies

Usage:
  udpool demo [flags]   run the story on an in-process lossy device
  udpool help           show this help

Run 'udpool demo -h' for the demo's flags.
`)
}
