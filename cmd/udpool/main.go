// Command udpool shows what goes wrong with a naive UDP request/response
// client under packet loss and what udpool changes, runs the simulated
// device, and drives real devices.
//
//	udpool demo [flags]    the whole story on an in-process simulated device
//	udpool serve [flags]   run the simulated device
//	udpool load [flags]    drive a real UDP device or server
//	udpool help            show this help
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the command winds down; a second one
		// gets the default behaviour and ends the process.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the exit code: 0 ok, 1 runtime
// failure, 2 usage. ctx ends on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "load":
		return runLoad(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			switch args[1] {
			case "demo", "serve", "load":
				return run(ctx, []string{args[1], "-h"}, stdout, stdout)
			}
		}
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
  udpool demo [flags]    the whole story on an in-process simulated device
  udpool serve [flags]   run the simulated device on a UDP port
  udpool load [flags]    drive a real UDP device or server
  udpool help            show this help

Run 'udpool <command> -h' for a command's flags.
`)
}
