package sandbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"kaohe/annotate"
	"kaohe/assess"
	"kaohe/internal/cputime"
	"kaohe/internal/fault"
	"kaohe/internal/sample"
	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

func TestMain(m *testing.M) {
	MaybeWorker()
	os.Exit(m.Run())
}

var form2021 = templates.MustLoad(2021)

func opts() validate.Options {
	return validate.Options{Form: form2021, Filename: "x.xlsx"}
}

func hasCode(fs []validate.Finding, c validate.Code) bool {
	for _, f := range fs {
		if f.Code == c {
			return true
		}
	}
	return false
}

func TestWorkerReadsLikeInProcess(t *testing.T) {
	r, err := New("", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data := []byte("this is a text file renamed to .xlsx")
	sub, got, err := r.Read(context.Background(), data, opts())
	if err != nil {
		t.Fatal(err)
	}
	wantSub, want := validate.Read(data, opts())
	if (sub == nil) != (wantSub == nil) || len(got) != len(want) {
		t.Fatalf("worker %v %+v, in-process %v %+v", sub != nil, got, wantSub != nil, want)
	}
	for i := range got {
		if got[i].Code != want[i].Code || got[i].Message != want[i].Message {
			t.Errorf("finding %d: %+v != %+v", i, got[i], want[i])
		}
	}
	if r.Deaths() != 0 {
		t.Errorf("deaths = %d", r.Deaths())
	}
}

func TestWorkerDeathFailsOnlyThatWorkbook(t *testing.T) {
	cases := []struct {
		name   string
		crash  string
		limits Limits
	}{
		{"stack overflow", "stack", Limits{}},
		{"out of memory", "memory", Limits{Memory: 64 << 20}},
		{"hang past wall clock", "hang", Limits{Wall: 300 * time.Millisecond}},
		{"abrupt exit", "exit", Limits{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if raceEnabled {
				t.Skip("under the race detector a dying worker reports its allocator, not its cause")
			}
			t.Parallel()
			r, err := New("", c.limits)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			start := time.Now()
			sub, fs, err := r.read(context.Background(), []byte("x"), opts(), c.crash)
			if err != nil || sub != nil || !hasCode(fs, validate.CodeUnreadableFile) || !strings.Contains(fs[0].Message, "xlsx") {
				t.Fatalf("crash %s: sub %v findings %+v err %v", c.crash, sub, fs, err)
			}
			if r.Deaths() != 1 || r.LastDeath() == "" {
				t.Errorf("deaths = %d (want 1), last death %q", r.Deaths(), r.LastDeath())
			}
			if c.crash == "stack" && !strings.Contains(r.LastDeath(), "stack") {
				t.Errorf("last death %q does not name the stack overflow", r.LastDeath())
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			// The next workbook gets a fresh worker.
			_, fs, err = r.Read(context.Background(), []byte("not a workbook"), opts())
			if err != nil || !hasCode(fs, validate.CodeUnreadableFile) || r.Deaths() != 1 {
				t.Errorf("after the crash: %+v, deaths %d", fs, r.Deaths())
			}
		})
	}
}

func TestWorkerRecycles(t *testing.T) {
	r, _ := New("", Limits{Recycle: 2})
	defer r.Close()
	var pids []int
	for i := 0; i < 4; i++ {
		r.Read(context.Background(), []byte("x"), opts())
		r.mu.Lock()
		if r.cmd != nil {
			pids = append(pids, r.cmd.Process.Pid)
		} else {
			pids = append(pids, -1)
		}
		r.mu.Unlock()
	}
	// after every second workbook the worker is stopped
	if pids[1] != -1 || pids[3] != -1 || pids[0] == -1 || pids[2] == -1 || pids[0] == pids[2] {
		t.Errorf("pids %v", pids)
	}
}

func BenchmarkRunnerRead(b *testing.B) {
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"worker", "inprocess"} {
		b.Run(mode, func(b *testing.B) {
			r, _ := New("", Limits{})
			defer r.Close()
			read := assess.Reader(r.Read)
			if mode == "inprocess" {
				read = assess.InProcess
			}
			read(context.Background(), data, opts()) // start the worker outside the timing
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if sub, _, _ := read(context.Background(), data, opts()); sub == nil {
					b.Fatal("no submission")
				}
			}
		})
	}
}

func TestPoolReadsConcurrently(t *testing.T) {
	p, err := NewPool("", Limits{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	subs := make([]*validate.Submission, 9)
	for i := range subs {
		wg.Go(func() { subs[i], _, _ = p.Read(context.Background(), data, opts()) })
	}
	wg.Wait()
	for i, s := range subs {
		if s == nil || s.Fields["unit"].Raw != "朝阳区代办处" {
			t.Errorf("read %d: %+v", i, s)
		}
	}
	started := 0
	for _, r := range p.runners {
		r.mu.Lock()
		if r.cmd != nil {
			started++
		}
		r.mu.Unlock()
	}
	if started < 2 || p.Deaths() != 0 {
		t.Errorf("%d workers started, %d died", started, p.Deaths())
	}
}

func TestCPUSecondsOfThisProcess(t *testing.T) {
	begin := cpuSeconds(os.Getpid())
	deadline := time.Now().Add(30 * time.Second)
	for cpuSeconds(os.Getpid())-begin < 0.1 && time.Now().Before(deadline) { // burn some CPU
		for i := 0; i < 1e6; i++ {
		}
	}
	if got := cpuSeconds(os.Getpid()); got-begin < 0.1 || got > 3600 {
		t.Errorf("cpuSeconds went from %g to %g", begin, got)
	}
	if got := cpuSeconds(-1); got != 0 {
		t.Errorf("cpuSeconds of no process = %g", got)
	}
}

func TestWorkerRecycledAtHalfItsCPU(t *testing.T) {
	r, _ := New("", Limits{CPUSeconds: 1})
	defer r.Close()
	// The crash "spin" burns CPU and then answers: over half of 1 s.
	r.read(context.Background(), []byte("x"), opts(), "spin")
	r.mu.Lock()
	running := r.cmd != nil
	r.mu.Unlock()
	if running || r.Deaths() != 0 {
		t.Errorf("worker still running %v, deaths %d", running, r.Deaths())
	}
}

func TestAnnotateInWorkerMatchesInProcess(t *testing.T) {
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true).With(sample.SetScore("1.4", 9)))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := assess.Check(context.Background(), data, assess.Options{Validate: opts(), Type: scoring.District})
	want, err := annotate.Copy(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := NewPool("", Limits{}, 1)
	defer p.Close()
	got, err := p.Annotate(rep, form)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("worker's annotated copy (%d bytes) differs from in-process (%d bytes)", len(got), len(want))
	}
	rep.Submission = nil
	if _, err := p.Annotate(rep, form); err == nil {
		t.Error("annotating a report without submission did not fail")
	}
}

func TestWorkerThatCannotStartIsNotTheFilesFault(t *testing.T) {
	r, err := New("/nonexistent/kaohe", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, err := r.Read(context.Background(), []byte("x"), opts()); !errors.Is(err, ErrUnavailable) || fault.Of(err) != fault.System {
		t.Errorf("Read = %v, want ErrUnavailable marked as a fault of ours", err)
	}
	if r.Deaths() != 0 {
		t.Errorf("a worker that never started counted as a death")
	}
}

// BenchmarkWorkerStart starts a fresh worker for every read (Recycle 1),
// at each isolation this system grants: what a worker start costs on top
// of a read, in wall time and in CPU of all processes.
func BenchmarkWorkerStart(b *testing.B) {
	form := templates.MustLoad(2021)
	data, err := sample.Workbook(form, sample.Good("朝阳区代办处", true))
	if err != nil {
		b.Fatal(err)
	}
	for _, iso := range isolationCandidates() {
		b.Run(strings.ReplaceAll(iso.String(), " ", "-"), func(b *testing.B) {
			r, _ := New("", Limits{Recycle: 1})
			defer r.Close()
			r.iso = &isolator{chosen: iso, known: true}
			cpu := cputime.WithChildren()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if sub, _, _ := r.Read(context.Background(), data, opts()); sub == nil {
					b.Fatal("no submission")
				}
			}
			b.ReportMetric(float64(cputime.WithChildren()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// A read whose ctx ends (the daemon's second signal) stops the worker and
// says so: the workbook is not judged unreadable and no death is counted.
func TestReadStopsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	r, err := New("", Limits{Wall: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	sub, fs, err := r.read(ctx, []byte("x"), opts(), "hang")
	if !errors.Is(err, context.DeadlineExceeded) || sub != nil || len(fs) != 0 {
		t.Fatalf("read = %v, %+v, %v; want ctx's error and no verdict", sub, fs, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if r.Deaths() != 0 {
		t.Errorf("a stopped read counted as a death")
	}
}
