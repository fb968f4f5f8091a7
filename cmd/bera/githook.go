package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/kingvon-ke/bera/internal/gitserver"
)

// runGitHook is `bera git-hook pre-receive`, run by git inside an app's repository during a
// push. It hands the pushed refs to the server, prints the deploy output (git relays it to
// the pusher as "remote:" lines) and exits non-zero when the deploy failed, which rejects
// the push.
func runGitHook(args []string, stdin io.Reader, stdout io.Writer) int {
	url, token := os.Getenv("BERA_HOOK_URL"), os.Getenv("BERA_HOOK_TOKEN")
	if len(args) != 1 || args[0] != "pre-receive" || url == "" || token == "" {
		fmt.Fprintln(os.Stderr, "bera git-hook is run by git during a push to a Bera app; it is not a user command.")
		return 1
	}
	req := gitserver.HookRequest{Token: token, Env: map[string]string{}}
	for _, k := range []string{"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH"} {
		if v, ok := os.LookupEnv(k); ok {
			req.Env[k] = v
		}
	}
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 {
			req.Refs = append(req.Refs, gitserver.RefUpdate{Old: f[0], New: f[1], Ref: f[2]})
		}
	}
	body, _ := json.Marshal(req)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(stdout, "Could not reach the Bera server to deploy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stdout, "The Bera server refused the deploy:", resp.Status)
		return 1
	}
	return gitserver.ReadHookResponse(resp.Body, stdout)
}
