// Command bera is Bera's single binary: `bera server` runs the platform, `bera admin …`
// manages accounts on the server machine, and every other command is the CLI client.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/kingvon-ke/bera/internal/cli"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/cnb/builtin"
)

func main() {
	// Inside a dyno running a CNB image the binary is mounted as the CNB launcher.
	if filepath.Base(os.Args[0]) == "launcher" {
		os.Exit(cnb.LauncherMain(os.Args[1:]))
	}
	// In a build sandbox it runs as the bin/detect and bin/build of a built-in CNB buildpack.
	if handled, code := builtin.Main(os.Args); handled {
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "server":
			return exitCode(runServer(ctx, args[1:]))
		case "admin":
			return exitCode(runAdmin(ctx, args[1:], os.Stdin, os.Stdout))
		case "router-hold":
			return runRouterHold(args[1:])
		case "git-hook":
			return runGitHook(ctx, args[1:], os.Stdin, os.Stdout)
		}
	}
	return cli.Run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

// exitCode prints err as one line and maps it to an exit status.
func exitCode(err error) int {
	switch e := err.(type) {
	case nil:
		return 0
	case usageError:
		fmt.Fprintln(os.Stderr, "bera: "+e.Error())
		return 1
	default:
		fmt.Fprintln(os.Stderr, "bera: "+err.Error())
		return 1
	}
}

// usageError is a mistake in the command line.
type usageError string

func (e usageError) Error() string { return string(e) }
