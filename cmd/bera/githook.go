package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kingvon-ke/bera/internal/gitserver"
)

// runGitHook is `bera git-hook pre-receive`, run by git inside an app's repository during a
// push: see gitserver.RunHook.
func runGitHook(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) int {
	url, token := os.Getenv("BERA_HOOK_URL"), os.Getenv("BERA_HOOK_TOKEN")
	if len(args) != 1 || args[0] != "pre-receive" || url == "" || token == "" {
		fmt.Fprintln(os.Stderr, "bera git-hook is run by git during a push to a Bera app; it is not a user command.")
		return 1
	}
	return gitserver.RunHook(ctx, url, token, os.LookupEnv, stdin, stdout)
}
