package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"kaohe/internal/mailserver"
	"kaohe/sandbox"
)

// TestMain lets this test binary serve as the sandbox's workbook reader,
// as the kaohe binary does.
//
// With KAOHE_TEST_MAIN=1 it is the kaohe command itself, so that tests can
// run the daemon as a child process and kill it.
func TestMain(m *testing.M) {
	sandbox.MaybeWorker()
	if os.Getenv("KAOHE_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

// startMail starts the in-process mail system for one test.
func startMail(t testing.TB) *mailserver.Server {
	t.Helper()
	srv, err := mailserver.Start(mailserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}
