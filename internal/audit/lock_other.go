//go:build !unix

package audit

// lockFile has no file lock to take outside Unix: writers in one process are still serialised
// by Anchor's mutex, and every writer still compares before it writes, but two processes
// writing in the same instant could race (docs/security.md).
func lockFile(string) (unlock func(), err error) { return func() {}, nil }
