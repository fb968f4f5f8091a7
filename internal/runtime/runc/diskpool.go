package runc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Ready disks take the dyno disk (copy of the template, loop device, ext4 mount: 4-11 ms
// alone, 80-230 ms each when ten dynos start at once, mostly waiting on the kernel's mount
// and loop locks) off the start path. Once a dyno of a size has started, the runtime keeps
// Config.ReadyDisks disks of that size made ahead, each a directory ROOT/disks/ready/N
// holding the image and the mounted disk with its upper/ and work/; a start renames one
// to the dyno's directory, renames its image to the container's name and hands upper/ to
// the dyno's uid, three syscalls. Mounts follow a rename of the directory above them, and
// the loop device names its backing file by its current path.
//
// The pool is refilled one disk at a time, and only once no start has come for
// readyQuiet: making disks while dynos start would compete with them for the same locks
// and the two cores. A server killed with ready disks leaves them for the next runtime on
// the same Root, which unmounts and removes them at once; Close does the same.
const (
	DefaultReadyDisks = 10
	readyQuiet        = 300 * time.Millisecond
)

// readyPrefix starts the image names of ready disks (before the container prefix, so
// Leftovers, which lists a dyno's disk by its image name, does not count them; see
// ReadyDiskLeftovers).
const readyPrefix = "ready-"

type readyDisk struct{ dir, img string }

// diskPool holds the ready disks by size in MB.
type diskPool struct {
	want int
	kick chan struct{} // a start wants a disk: wait for quiet again

	mu    sync.Mutex // guards the following
	ready map[int][]readyDisk
	sizes map[int]bool // sizes to keep ready: those a dyno started with
	seq   int
}

func newDiskPool(want int) *diskPool {
	return &diskPool{want: want, kick: make(chan struct{}, 1), ready: map[int][]readyDisk{}, sizes: map[int]bool{}}
}

func (r *Runtime) readyDir() string { return filepath.Join(r.disksDir(), "ready") }

// take returns a ready disk of mb megabytes, if there is one, and marks the size as one to
// keep ready. It never blocks on the filler.
func (p *diskPool) take(mb int) (readyDisk, bool) {
	if p == nil {
		return readyDisk{}, false
	}
	p.mu.Lock()
	p.sizes[mb] = true
	list := p.ready[mb]
	var d readyDisk
	ok := len(list) > 0
	if ok {
		d, p.ready[mb] = list[len(list)-1], list[:len(list)-1]
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
	return d, ok
}

// missing returns a size with fewer ready disks than wanted, and a fresh sequence number.
func (p *diskPool) missing() (mb, seq int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for mb := range p.sizes {
		if len(p.ready[mb]) < p.want {
			p.seq++
			return mb, p.seq, true
		}
	}
	return 0, 0, false
}

func (p *diskPool) put(mb int, d readyDisk) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready[mb] = append(p.ready[mb], d)
}

// drain removes every disk left in the pool.
func (p *diskPool) drain() []readyDisk {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var all []readyDisk
	for mb, list := range p.ready {
		all = append(all, list...)
		delete(p.ready, mb)
	}
	return all
}

// fillDisks keeps the pool filled until ctx ends, making disks only after a quiet spell.
func (r *Runtime) fillDisks(ctx context.Context) {
	p := r.disks
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		}
	quiet:
		for {
			t := time.NewTimer(readyQuiet)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-p.kick:
				t.Stop()
			case <-t.C:
				break quiet
			}
		}
		// A start coming meanwhile (a kick) sends the filler back to waiting for quiet.
		for ctx.Err() == nil && len(p.kick) == 0 {
			mb, seq, ok := p.missing()
			if !ok {
				break
			}
			d, err := r.makeReadyDisk(ctx, mb, seq)
			if err != nil {
				r.log.Warn("make a ready disk", "mb", mb, "err", err)
				break // the next start tries again
			}
			p.put(mb, d)
		}
	}
}

// makeReadyDisk makes ROOT/disks/ready/SEQ with the disk of mb megabytes mounted in it.
func (r *Runtime) makeReadyDisk(ctx context.Context, mb, seq int) (readyDisk, error) {
	d := readyDisk{dir: filepath.Join(r.readyDir(), strconv.Itoa(seq))}
	name := fmt.Sprintf("%s%s%d", readyPrefix, r.cfg.Prefix, seq)
	d.img = name + ".img"
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return d, err
	}
	if err := r.mountDisk(ctx, d.dir, name, mb, 0); err != nil {
		removeDiskDir(d.dir)
		return d, err
	}
	return d, nil
}

// useReadyDisk moves a ready disk of mb megabytes to the new dyno directory dir, which must
// not exist yet, as the disk of container cid owned by uid. False: there was none ready, or
// moving it failed (then it is removed), and dir does not exist.
func (r *Runtime) useReadyDisk(dir, cid string, mb, uid int) bool {
	d, ok := r.disks.take(mb)
	if !ok {
		return false
	}
	err := os.Rename(d.dir, dir)
	if err != nil {
		removeDiskDir(d.dir)
	} else if err = os.Rename(filepath.Join(dir, d.img), filepath.Join(dir, cid+".img")); err == nil {
		err = os.Chown(filepath.Join(dir, diskMount, "upper"), uid, uid)
	}
	if err != nil {
		r.log.Warn("use a ready disk", "err", err)
		removeDiskDir(dir)
		return false
	}
	return true
}

// removeReadyDisks unmounts and removes the ready disks in ROOT/disks/ready: the pool's,
// or those a previous runtime on the same Root left.
func (r *Runtime) removeReadyDisks() error {
	for _, d := range r.disks.drain() {
		removeDiskDir(d.dir)
	}
	entries, err := os.ReadDir(r.readyDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		if err := removeDiskDir(filepath.Join(r.readyDir(), e.Name())); err != nil {
			return fmt.Errorf("remove ready disks: %w", err)
		}
	}
	return err
}

// removeDiskDir unmounts the disk in dir and removes dir; a disk that would not unmount
// keeps its directory (removing it would go into the mount).
func removeDiskDir(dir string) error {
	if err := unmountDisk(dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// ReadyDiskLeftovers lists the loop devices (and their mounts) of ready disks of
// runtimes with the container prefix: none once each such runtime is closed.
func ReadyDiskLeftovers(prefix string) []string {
	return loopLeftovers(readyPrefix + prefix)
}
