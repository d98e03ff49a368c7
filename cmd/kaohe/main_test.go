package main

import (
	"os"
	"testing"

	"kaohe/sandbox"
)

// TestMain lets this test binary serve as the sandbox's workbook reader,
// as the kaohe binary does.
func TestMain(m *testing.M) {
	sandbox.MaybeWorker()
	os.Exit(m.Run())
}
