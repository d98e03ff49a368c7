package results

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"kaohe/config"
	"kaohe/scoring"
)

// BenchmarkResults10000 computes the results of 10,000 agencies (half of
// each type, a tenth late, missing or vetoed, a tenth with reviewers'
// notes) and writes their workbook. It reports the peak of live heap during
// an iteration (sampled every millisecond) and the process's peak RSS.
func BenchmarkResults10000(b *testing.B) {
	var ags []ag
	for i := range 10000 {
		typ := scoring.District
		if i%2 == 1 {
			typ = scoring.Sector
		}
		a := ag{name: fmt.Sprintf("第%05d代办处", i), typ: typ, final: float64(50 + (i*37)%75), ext: float64((i * 13) % 40),
			insured: float64(1000 + (i*7919)%90000), coverage: float64(20 + (i*31)%80)}
		switch i % 30 {
		case 7:
			a.fate = late
		case 17:
			a.fate = missing
		case 27:
			a.fate = vetoed
		}
		ags = append(ags, a)
	}
	in := season(ags)
	for i := 0; i < len(ags); i += 10 {
		score := 3.0
		in.Reviews = append(in.Reviews, consolidateReview(ags[i].name, "3.1", &score, "续转任务完成不足，按审核分计"),
			consolidateReview(ags[i].name, "", nil, "纸质版已于1月4日收到"))
	}
	r := config.DefaultResults()
	r.IndividualQuota, r.District.ExcellentCap = 800, config.Cap{Share: 0.2}
	opts := Options{Rules: r, Season: 2021}

	peak := newPeakHeap()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		stop := peak.watch()
		o, err := Compute(in, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := Write(io.Discard, o, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		stop()
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(peak.max)/(1<<20), "peak-heap-MB")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
	}
}

// cpuTime is the process's user and system CPU time: on a shared machine
// it moves less than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeap samples the bytes of live and not yet swept heap objects.
type peakHeap struct {
	mu  sync.Mutex
	max uint64
}

func newPeakHeap() *peakHeap { return &peakHeap{} }

func (p *peakHeap) watch() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			p.mu.Lock()
			p.max = max(p.max, s[0].Value.Uint64())
			p.mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
