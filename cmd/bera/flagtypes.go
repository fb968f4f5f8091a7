package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

// byteSize is a memory size flag ("2G", "512M"); zero means the default.
type byteSize int64

// String renders the size, the default when unset.
func (b *byteSize) String() string {
	if b == nil || *b == 0 {
		return buildrun.FormatSize(buildrun.DefaultMemory)
	}
	return buildrun.FormatSize(int64(*b))
}

// Set parses a size.
func (b *byteSize) Set(s string) error {
	n, err := buildrun.ParseSize(s)
	*b = byteSize(n)
	return err
}

// dynoSizes is the --dyno-sizes flag: a comma-separated list of size names.
type dynoSizes []string

func (d *dynoSizes) String() string { return strings.Join(*d, ",") }

func (d *dynoSizes) Set(v string) error {
	sizes, err := bera.ParseDynoSizes(v)
	if err != nil {
		return errors.New(bera.ErrorMessage(err))
	}
	if len(sizes) > 0 && !slices.Contains(sizes, bera.DefaultDynoSize) {
		return fmt.Errorf("the list must include %s, the size new process types get", bera.DefaultDynoSize)
	}
	*d = sizes
	return nil
}
