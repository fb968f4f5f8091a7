package cli

import (
	"fmt"
	"strings"

	"github.com/kingvon-ke/bera/internal/wire"
)

func buildsCommands() []*command {
	return []*command{{
		Name: "builds", Aliases: []string{"builds:list"}, Topic: "builds", App: true,
		Summary: "list an app's builds, newest first", Example: "bera builds -a my-app",
		Flags: []Flag{{Name: "num", Short: "n", Arg: "N", Usage: "how many builds to show (default 15)"}, jsonFlag},
		Run:   runBuilds,
	}, {
		Name: "builds:info", Topic: "builds", App: true, Args: "[BUILD_ID]", MaxArgs: 1,
		Summary: "show a build (the newest by default): status, buildpacks that ran with their versions, and the OCI image of a CNB build",
		Example: "bera builds:info -a my-app",
		Flags:   []Flag{jsonFlag},
		Run:     runBuildsInfo,
	}}
}

func runBuilds(s *session) error {
	n, err := s.opts.Int("num", 15)
	if err != nil || n < 1 {
		return usagef("-n wants a positive number")
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	bs, err := c.Builds(s.ctx, app)
	if err != nil {
		return err
	}
	bs = newestFirst(bs)
	if len(bs) > n {
		bs = bs[:n]
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(bs))
	}
	if len(bs) == 0 {
		fmt.Fprintf(s.stdout, "%s has no builds.\n", app)
		return nil
	}
	header(s.stdout, app+" Builds")
	fmt.Fprintln(s.stdout)
	rows := make([][]string, 0, len(bs))
	for _, b := range bs {
		rows = append(rows, []string{b.ID, b.Status, b.User.Email, humanTime(b.CreatedAt, s.now())})
	}
	printTable(s.stdout, rows)
	return nil
}

// newestFirst orders builds by creation time, newest first (the API lists oldest first).
func newestFirst(bs []wire.Build) []wire.Build {
	out := make([]wire.Build, len(bs))
	for i, b := range bs {
		out[len(bs)-1-i] = b
	}
	return out
}

func runBuildsInfo(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	var b *wire.Build
	if len(s.args) == 1 {
		if b, err = c.Build(s.ctx, app, s.args[0]); err != nil {
			return err
		}
	} else {
		bs, err := c.Builds(s.ctx, app)
		if err != nil {
			return err
		}
		if len(bs) == 0 {
			return usagef("%s has no builds", app)
		}
		b = &newestFirst(bs)[0]
	}
	var slug *wire.Slug
	var image *wire.OCIImage
	if b.Slug != nil {
		if slug, err = c.Slug(s.ctx, app, b.Slug.ID); err != nil {
			return err
		}
		if slug.OCIImage != nil {
			if image, err = c.OCIImage(s.ctx, app, slug.OCIImage.ID); err != nil {
				return err
			}
		}
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, struct {
			Build    *wire.Build    `json:"build"`
			Slug     *wire.Slug     `json:"slug"`
			OCIImage *wire.OCIImage `json:"oci_image"`
		}{b, slug, image})
	}
	header(s.stdout, "Build "+b.ID)
	pairs := []kv{{"Status", b.Status}, {"Stack", b.Stack}, {"By", b.User.Email}, {"When", humanTime(b.CreatedAt, s.now())}}
	if b.SourceBlob.Version != nil {
		pairs = append(pairs, kv{"Commit", *b.SourceBlob.Version})
	}
	if b.Release != nil {
		pairs = append(pairs, kv{"Release", b.Release.ID})
	}
	switch {
	case image != nil:
		bps := make([]string, 0, len(image.Buildpacks))
		for _, bp := range image.Buildpacks {
			bps = append(bps, bp.ID+"@"+bp.Version)
		}
		pairs = append(pairs, kv{"Buildpacks", strings.Join(bps, ", ")}, kv{"OCI image", image.Digest})
	case len(b.Buildpacks) > 0:
		names := make([]string, 0, len(b.Buildpacks))
		for _, bp := range b.Buildpacks {
			names = append(names, bp.Name)
		}
		pairs = append(pairs, kv{"Buildpacks", strings.Join(names, ", ")})
	}
	if slug != nil {
		pairs = append(pairs, kv{"Slug", slug.ID})
		if slug.BuildpackProvidedDescription != nil {
			pairs = append(pairs, kv{"Detected", *slug.BuildpackProvidedDescription})
		}
	}
	printObject(s.stdout, pairs)
	if slug != nil && len(slug.ProcessTypes) > 0 {
		fmt.Fprintln(s.stdout)
		header(s.stdout, "Process types")
		for _, t := range sortedKeys(slug.ProcessTypes) {
			fmt.Fprintf(s.stdout, "%s: %s\n", t, slug.ProcessTypes[t])
		}
	}
	return nil
}
