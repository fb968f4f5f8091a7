// Command static-server is the web process of Bera's static buildpack: it serves a document
// root on $PORT, hiding dotfiles (.profile.d, .bera, .git…), and stops cleanly on SIGTERM.
// The buildpack compiles this file at build time; it uses only the standard library.
package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	root := flag.String("root", ".", "directory to serve")
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		port = "5000"
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, ":"+port, *root); err != nil {
		log.Fatal(err)
	}
}

// serve serves root on addr until ctx ends.
func serve(ctx context.Context, addr, root string) error {
	files := http.FileServerFS(hidden{os.DirFS(root)})
	srv := &http.Server{Addr: addr, Handler: files, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("listening on %s, serving %s", addr, root)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// hidden is a file system that pretends dotfiles do not exist.
type hidden struct{ fs.FS }

// Open opens name unless one of its elements starts with a dot.
func (h hidden) Open(name string) (fs.File, error) {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return nil, fs.ErrNotExist
		}
	}
	return h.FS.Open(name)
}
