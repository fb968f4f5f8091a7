package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/account"
	"github.com/kingvon-ke/bera/internal/server"
	"github.com/kingvon-ke/bera/internal/store"
)

const adminUsage = `Usage:
  bera admin users:create EMAIL [--admin] [--password-stdin] [--data DIR] [--database-url URL]
  bera admin slugs:prune [--grace 1h] [--data DIR] [--database-url URL]

users:create adds an account on this server's store and prints a new API key for it.
slugs:prune deletes slugs that no release references (the server also does it hourly);
slugs stored less than --grace ago are kept.
Run them on the server machine with the same --data (and --database-url) as bera server.

Example:
  echo 's3cret' | bera admin users:create dev@example.com --password-stdin`

// runAdmin runs `bera admin SUBCOMMAND`.
func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(stdout, adminUsage)
		return nil
	}
	switch args[0] {
	case "users:create":
		return adminCreateUser(ctx, args[1:], stdin, stdout)
	case "slugs:prune":
		return adminPruneSlugs(ctx, args[1:], stdout)
	}
	return usageError("unknown admin command " + args[0] + "; see bera admin --help")
}

func adminCreateUser(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	cfg := &server.Config{}
	fs := flag.NewFlagSet("bera admin users:create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	adminFlags(fs, cfg)
	admin := fs.Bool("admin", false, "make the user an admin")
	pwStdin := fs.Bool("password-stdin", false, "read a password from stdin")
	var email string
	// Accept the email before or after the flags.
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return usageError(err.Error() + "\n" + adminUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		if email != "" {
			return usageError("unexpected argument " + fs.Arg(0))
		}
		email, args = fs.Arg(0), fs.Args()[1:]
	}
	if email == "" {
		return usageError("missing EMAIL; see bera admin --help")
	}
	if _, err := bera.NormalizeEmail(email); err != nil {
		return errors.New(bera.ErrorMessage(err))
	}
	o := account.Options{Email: email, Admin: *admin, KeyDescription: "created by bera admin users:create"}
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		o.Password = strings.TrimRight(line, "\r\n")
		if err := account.CheckPassword(o.Password); err != nil {
			return errors.New(bera.ErrorMessage(err))
		}
	}
	st, err := openAdminStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, key, err := account.Create(ctx, st, o)
	if code := bera.ErrorCode(err); code != "" && code != bera.EInternal {
		return errors.New(bera.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created %s. API key:\n%s\n", u.Email, key)
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func adminPruneSlugs(ctx context.Context, args []string, stdout io.Writer) error {
	cfg := &server.Config{}
	fs := flag.NewFlagSet("bera admin slugs:prune", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	adminFlags(fs, cfg)
	grace := fs.Duration("grace", time.Hour, "keep slugs stored more recently than this")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError("bad arguments; see bera admin --help")
	}
	st, err := openAdminStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := server.NewPruner(cfg, st)
	if err != nil {
		return err
	}
	p.Grace = *grace
	removed, err := p.Prune(ctx)
	fmt.Fprintf(stdout, "Removed %d slugs.\n", len(removed))
	return err
}

// adminFlags adds the flags that locate a server's store: --data and --database-url.
func adminFlags(fs *flag.FlagSet, cfg *server.Config) {
	fs.StringVar(&cfg.Data, "data", envOr("BERA_DATA", "./.bera"), "data directory")
	fs.StringVar(&cfg.DatabaseURL, "database-url", os.Getenv("BERA_DATABASE_URL"), "PostgreSQL URL")
}

// openAdminStore opens the store of the server whose data dir (and database) cfg names.
func openAdminStore(ctx context.Context, cfg *server.Config) (*store.Store, error) {
	if err := absPaths(cfg); err != nil {
		return nil, err
	}
	cfg.SecretKey = os.Getenv("BERA_SECRET_KEY")
	return server.OpenStore(ctx, cfg)
}
