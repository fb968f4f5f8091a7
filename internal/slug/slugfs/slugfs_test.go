package slugfs_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/slug"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/slug/slugtest"
)

func TestConformance(t *testing.T) {
	slugtest.Run(t, func(t *testing.T) slug.Store {
		s, err := slugfs.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
