//go:build unix

package main

import "syscall"

// restrictUmask makes what this process creates without a mode of its
// own (a folder a library makes, a temporary file) private to its user.
// kaohe sets every mode it means explicitly; this only catches the rest.
func restrictUmask() { syscall.Umask(0o077) }
