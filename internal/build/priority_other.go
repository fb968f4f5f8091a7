//go:build !linux

package build

// raiseGroup is a no-op where the low priority cannot be undone per thread.
func raiseGroup(int) {}
