package image_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera/internal/image"
	"github.com/kingvon-ke/bera/internal/image/imagetest"
)

// benchImage exports an image of about 50 MB: 400 files of 100 KB in the launch layer
// and 100 in the app, half random bytes, half text (so gzip has something to do).
func benchImage(b *testing.B) (*image.Store, string) {
	s := mustOpen(b)
	rng := rand.New(rand.NewSource(1))
	file := func() string {
		buf := make([]byte, 100<<10)
		rng.Read(buf[:50<<10])
		for j := 50 << 10; j < len(buf); j++ {
			buf[j] = "bera image benchmark\n"[j%21]
		}
		return string(buf)
	}
	img := imagetest.Image{Layer: map[string]string{}, App: map[string]string{}}
	for i := range 400 {
		img.Layer[fmt.Sprintf("lib/d%d/f%d", i%20, i)] = file()
	}
	for i := range 100 {
		img.App[fmt.Sprintf("src/d%d/f%d", i%10, i)] = file()
	}
	return s, imagetest.Export(b, s.LayoutDir(), img)
}

// BenchmarkUnpack unpacks a 50 MB image into fresh directories (Cold), and again once
// it is unpacked (Unpacked), as every dyno start after the first does.
func BenchmarkUnpack(b *testing.B) {
	requireRoot(b)
	s, digest := benchImage(b)
	b.Run("Cold", func(b *testing.B) {
		b.SetBytes(500 * 100 << 10)
		for i := 0; b.Loop(); i++ {
			uid := 200000 + i
			if _, err := s.Unpack(b.Context(), digest, uid); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			os.RemoveAll(filepath.Join(s.Dir, "unpacked", strconv.Itoa(uid)))
			b.StartTimer()
		}
	})
	b.Run("Unpacked", func(b *testing.B) {
		if _, err := s.Unpack(b.Context(), digest, 300000); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.Unpack(b.Context(), digest, 300000); err != nil {
				b.Fatal(err)
			}
		}
	})
}
