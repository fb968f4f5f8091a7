package bera_test

import (
	"testing"

	"github.com/kingvon-ke/bera"
)

func TestCheckBuildpack(t *testing.T) {
	for _, bp := range []string{"go", "heroku/python", "https://github.com/heroku/heroku-buildpack-go.git", "git://example.com/bp.git#v1"} {
		if err := bera.ValidateBuildpack(bp); err != nil {
			t.Errorf("%q refused: %v", bp, err)
		}
	}
	for _, bp := range []string{"/etc", "file:///root", "FILE:///x", "./bp", "../bp", "~/bp", "", "ext::sh -c id"} {
		if err := bera.ValidateBuildpack(bp); err == nil {
			t.Errorf("%q allowed", bp)
		}
	}
}
