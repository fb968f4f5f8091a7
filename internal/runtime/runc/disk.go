package runc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kingvon-ke/bera"
)

// A dyno's writable layer (the upper and work directories of the overlay at /app) is on a
// filesystem of its own: ext4 in a sparse image file of the size's DiskMB in the dyno's
// directory, on a loop device, mounted at DIR/disk. A dyno that fills it gets ENOSPC; the
// host's filesystem, which holds the database and the slugs, gains at most DiskMB per dyno,
// and only as the dyno writes.
//
// The choice, against the other two ways of bounding it:
//   - a size-limited tmpfs starts fastest, but it is RAM charged to the dyno's memory
//     cgroup: the bound would have to stay under the memory limit, writing to /app would eat
//     the app's memory, and a dyno filling it would be OOM-killed rather than get ENOSPC;
//   - project quotas (XFS, or ext4 mounted with prjquota) cost nothing per dyno, but need
//     the data dir's filesystem made and mounted for them, which this machine's is not, so
//     they cannot be the default.
//
// Start-time cost: mkfs.ext4 takes 20-150 ms here, so each size's filesystem is made once
// (a template under ROOT/disks) and every dyno gets a sparse copy of its ~1 MB of metadata;
// the loop device is configured with ioctls and mounted with mount(2), so no program runs
// per dyno. The loop device is set to autoclear: it detaches itself when unmounted.
const diskMount = "disk"

// diskMB is the bound of a size's writable layer; sizes without one get the default size's.
func diskMB(size bera.DynoSize) int {
	if size.DiskMB > 0 {
		return size.DiskMB
	}
	def, _ := bera.LookupDynoSize(bera.DefaultDynoSize)
	return def.DiskMB
}

func (r *Runtime) disksDir() string { return filepath.Join(r.cfg.Root, "disks") }

// diskTemplate returns the empty ext4 image of mb megabytes, making it the first time.
func (r *Runtime) diskTemplate(ctx context.Context, mb int) (string, error) {
	r.diskMu.Lock()
	defer r.diskMu.Unlock()
	path := filepath.Join(r.disksDir(), fmt.Sprintf("ext4-%dm.img", mb))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(r.disksDir(), 0o700); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		return "", err
	}
	if err := os.Truncate(tmp, int64(mb)<<20); err != nil {
		return "", err
	}
	// No journal: the filesystem is thrown away with the dyno, also after a host crash. No
	// reserved blocks: the dyno is not root. Inode tables are left for the kernel to zero
	// lazily, which mountDisk turns off (noinit_itable): nothing needs them zeroed.
	if err := run(ctx, nil, "mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-m", "0",
		"-E", "lazy_itable_init=1,nodiscard", tmp); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("make disk template: %w", err)
	}
	return path, os.Rename(tmp, path)
}

// mountDisk gives the dyno in dir its own filesystem of mb megabytes at dir/disk, with
// upper/ (owned by uid) and work/ for the overlay. The image is dir/<name>.img.
func (r *Runtime) mountDisk(ctx context.Context, dir, name string, mb, uid int) error {
	tpl, err := r.diskTemplate(ctx, mb)
	if err != nil {
		return err
	}
	img := filepath.Join(dir, name+".img")
	if err := copySparse(tpl, img); err != nil {
		return fmt.Errorf("copy disk template: %w", err)
	}
	mnt := filepath.Join(dir, diskMount)
	if err := os.MkdirAll(mnt, 0o700); err != nil {
		return err
	}
	if err := mountLoop(img, mnt); err != nil {
		return err
	}
	for _, sub := range []string{"upper", "work"} {
		if err := os.Mkdir(filepath.Join(mnt, sub), 0o755); err != nil {
			return err
		}
	}
	return os.Chown(filepath.Join(mnt, "upper"), uid, uid)
}

// unmountDisk unmounts dir/disk if it is mounted; its loop device then detaches itself. A
// mount still busy (a container that would not die) is detached lazily.
func unmountDisk(dir string) error {
	mnt := filepath.Join(dir, diskMount)
	err := unix.Unmount(mnt, 0)
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(mnt, unix.MNT_DETACH)
	}
	if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		return nil // unmounted, or not a mount point (never mounted, or gone with a reboot)
	}
	return fmt.Errorf("unmount dyno disk: %w", err)
}

// mountLoop attaches img to a free loop device (autoclear) and mounts its ext4 at mnt.
func mountLoop(img, mnt string) error {
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	loop, err := attachLoop(f)
	if err != nil {
		return fmt.Errorf("attach loop device: %w", err)
	}
	// The open device keeps the loop attached until the mount holds it.
	defer loop.Close()
	if err := unix.Mount(loop.Name(), mnt, "ext4", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOATIME, "noinit_itable"); err != nil {
		return fmt.Errorf("mount %s on %s: %w", loop.Name(), mnt, err)
	}
	return nil
}

// attachLoop binds f to a free loop device and returns the device, open. Another process
// may take the device the kernel named free before we configure it: then try the next.
func attachLoop(f *os.File) (*os.File, error) {
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer ctl.Close()
	var last error
	for range 20 {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("find a free loop device: %w", err)
		}
		dev, err := os.OpenFile(fmt.Sprintf("/dev/loop%d", n), os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		cfg := unix.LoopConfig{Fd: uint32(f.Fd()), Info: unix.LoopInfo64{Flags: unix.LO_FLAGS_AUTOCLEAR}}
		copy(cfg.Info.File_name[:], f.Name())
		err = unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if !errors.Is(err, unix.EBUSY) {
			return nil, err
		}
		last = err
	}
	return nil, last
}

// copySparse copies src to a new file dst, only the parts of src that hold data: dst is as
// sparse as src.
func copySparse(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := out.Truncate(st.Size()); err != nil {
		return err
	}
	for off := int64(0); off < st.Size(); {
		data, err := unix.Seek(int(in.Fd()), off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole is left
		} else if err != nil {
			return err
		}
		hole, err := unix.Seek(int(in.Fd()), data, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.NewOffsetWriter(out, data), io.NewSectionReader(in, data, hole-data)); err != nil {
			return err
		}
		off = hole
	}
	return out.Close()
}

// loopLeftovers lists the loop devices whose image file is named with prefix, and where
// they are mounted.
func loopLeftovers(prefix string) []string {
	var left []string
	files, _ := filepath.Glob("/sys/block/loop*/loop/backing_file")
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, f := range files {
		b, err := os.ReadFile(f)
		backing := strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)")
		if err != nil || !strings.HasPrefix(filepath.Base(backing), prefix) {
			continue
		}
		dev := "/dev/" + filepath.Base(filepath.Dir(filepath.Dir(f)))
		left = append(left, "loop "+dev+" "+strings.TrimSpace(string(b)))
		for _, line := range strings.Split(string(mounts), "\n") {
			// mountinfo: id parent major:minor root mountpoint ... - fstype source options
			if fields := strings.Fields(line); len(fields) > 4 && strings.Contains(line, " - ext4 "+dev+" ") {
				left = append(left, "mount "+fields[4])
			}
		}
	}
	return left
}
