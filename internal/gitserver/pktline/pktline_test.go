package pktline_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/kingvon-ke/bera/internal/gitserver/pktline"
)

func TestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	w := pktline.NewWriter(&b)
	w.WriteString("# service=git-receive-pack\n")
	w.Flush()
	if got, want := b.String(), "001f# service=git-receive-pack\n0000"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	r := pktline.NewReader(&b)
	p, err := r.Next()
	if err != nil || string(p) != "# service=git-receive-pack\n" {
		t.Fatalf("Next = %q, %v", p, err)
	}
	if _, err := r.Next(); !errors.Is(err, pktline.ErrFlush) {
		t.Fatalf("want flush, got %v", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestErrors(t *testing.T) {
	for _, in := range []string{"00", "zzzz", "0003", "0009abc", "ffff"} {
		if _, err := pktline.NewReader(bytes.NewBufferString(in)).Next(); err == nil || err == io.EOF {
			t.Errorf("%q: err = %v, want a framing error", in, err)
		}
	}
}

// FuzzReader checks that any input is either read or refused, and that what is read
// re-encodes to the same bytes.
func FuzzReader(f *testing.F) {
	f.Add([]byte("0006a\n0000"))
	f.Add([]byte("001f# service=git-receive-pack\n0000"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := pktline.NewReader(bytes.NewReader(in))
		var out bytes.Buffer
		w := pktline.NewWriter(&out)
		for {
			p, err := r.Next()
			if errors.Is(err, pktline.ErrFlush) {
				w.Flush()
				continue
			}
			if err != nil {
				break
			}
			if err := w.WriteString(string(p)); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.EqualFold(in[:out.Len()], out.Bytes()) {
			t.Fatalf("re-encoding %q gave %q", in, out.Bytes())
		}
	})
}
