package gitserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// RunHook is the client half of the pre-receive hook (`bera git-hook pre-receive`), run by
// git inside an app's repository during a push. It sends the pushed refs (git's hook input)
// and the quarantine variables lookupEnv finds to the server at url with the push's token,
// copies the deploy output to out (git relays it to the pusher as "remote:" lines) and
// returns the hook's exit code: non-zero, which rejects the push, when the deploy failed or
// the server could not be asked.
func RunHook(ctx context.Context, url, token string, lookupEnv func(string) (string, bool), refs io.Reader, out io.Writer) int {
	req := HookRequest{Token: token, Env: map[string]string{}, Refs: ParseRefUpdates(refs)}
	for _, k := range quarantineEnv {
		if v, ok := lookupEnv(k); ok {
			req.Env[k] = v
		}
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(out, "Could not reach the Bera server to deploy:", err)
		return 1
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		fmt.Fprintln(out, "Could not reach the Bera server to deploy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(out, "The Bera server refused the deploy:", resp.Status)
		return 1
	}
	return ReadHookResponse(resp.Body, out)
}

// ParseRefUpdates parses pre-receive input: one "OLD NEW REF" line per updated ref. Lines
// of another shape are skipped.
func ParseRefUpdates(r io.Reader) []RefUpdate {
	var refs []RefUpdate
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 {
			refs = append(refs, RefUpdate{Old: f[0], New: f[1], Ref: f[2]})
		}
	}
	return refs
}
