package runtime

import "io"

// Session is the caller's side of an attached one-off dyno.
type Session struct {
	// ID is the dyno id, for Wait and Stop.
	ID string
	// Stdin feeds the dyno; closing it sends EOF (with a tty, send ^D instead).
	Stdin io.WriteCloser
	// Stdout carries the dyno's stdout, and its stderr too when it has a tty.
	Stdout io.Reader
	// Stderr carries the dyno's stderr; nil with a tty.
	Stderr io.Reader
	// Resize changes the terminal size; nil without a tty.
	Resize func(rows, cols uint16) error
	// Close releases the caller's ends of the dyno's stdio.
	Close func() error
}
