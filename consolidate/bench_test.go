//go:build unix

package consolidate

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkBuild10000 builds the workbook of 10,000 agencies, nearly all
// with full reports (30 indicators each, findings on a tenth of them).
// Besides time it reports the bytes written and the peak heap in use,
// (runtime.MemStats.HeapSys, the heap memory obtained from the OS, fixture
// included) and the process CPU time per build, which unlike ns/op does not
// grow when other processes share the machine.
func BenchmarkBuild10000(b *testing.B) {
	fx := newFixture(benchN(), 50)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fixture := ms.HeapAlloc
	b.ReportAllocs()
	var written int64
	cpu0 := cpuTime()
	ops := 0
	for b.Loop() {
		ops++
		cw := &countWriter{}
		if _, err := Build(cw, fx.in); err != nil {
			b.Fatal(err)
		}
		written = cw.n
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(ops), "cpu-ms/op")
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(fixture)/(1<<20), "MB-fixture")
	b.ReportMetric(float64(written)/(1<<20), "MB-written")
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "MB-heapsys")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countWriter)(nil)

// benchN is the number of agencies; KAOHE_BENCH_N overrides it for profiling.
func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("KAOHE_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportReview10000 reads back the workbook of 10,000 agencies.
func BenchmarkImportReview10000(b *testing.B) {
	fx := newFixture(benchN(), 50)
	var buf bytes.Buffer
	if _, err := Build(&buf, fx.in); err != nil {
		b.Fatal(err)
	}
	names := fx.in.AgencyNames()
	b.ReportAllocs()
	cpu0 := cpuTime()
	ops := 0
	for b.Loop() {
		ops++
		imp, errs := ImportReview(bytes.NewReader(buf.Bytes()), ImportOptions{Form: fx.in.Form, Now: testNow, Agencies: names})
		if len(errs) != 0 || len(imp.Vetoes) != benchN()+50 {
			b.Fatalf("errors %v, %d vetoes", errs, len(imp.Vetoes))
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(ops), "cpu-ms/op")
}
