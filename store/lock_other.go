//go:build !unix

package store

import (
	"errors"
	"os"
)

func lockDir(path string) (*os.File, error) {
	return nil, errors.New("lock data directory: not supported on this system")
}

func unlockDir(f *os.File) error { return f.Close() }
