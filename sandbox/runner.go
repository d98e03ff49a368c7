package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"kaohe/assess"
	"kaohe/internal/fault"
	"kaohe/recommend"
	"kaohe/templates"
	"kaohe/validate"
)

// Limits bound one worker. Zero values take the defaults.
type Limits struct {
	Memory     int64         // bytes of heap; default 512 MiB
	CPUSeconds uint64        // CPU seconds over the worker's life; default 120
	Wall       time.Duration // per workbook; default 30 s
	// Recycle restarts the worker after this many workbooks (and whenever
	// it has used half its CPU seconds); default 1000.
	Recycle int
}

func (l Limits) withDefaults() Limits {
	if l.Memory <= 0 {
		l.Memory = 512 << 20
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = 120
	}
	if l.Wall <= 0 {
		l.Wall = 30 * time.Second
	}
	if l.Recycle <= 0 {
		l.Recycle = 1000
	}
	return l
}

// Runner reads workbooks in a worker process, one at a time. Its zero
// value is not usable; use New. Safe for concurrent use (requests queue).
type Runner struct {
	limits Limits
	exe    string

	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	served int
	deaths int
	stderr *headBuffer
	// lastDeath says why the last worker died, for logs.
	lastDeath string
	iso       *isolator // shared by the runners of a pool
	isolation Isolation // of the running worker
}

// New returns a runner that starts exe (empty: this executable) as its worker.
func New(exe string, limits Limits) (*Runner, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find own executable: %w", err)
		}
	}
	return &Runner{limits: limits.withDefaults(), exe: exe, iso: &isolator{}}, nil
}

// Isolation starts the worker if it is not running and says how it is
// isolated; the error is that of a worker that could not be started.
func (r *Runner) Isolation() (Isolation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		if err := r.startLocked(); err != nil {
			return IsolationNone, err
		}
	}
	return r.isolation, nil
}

// Deaths counts the workers that died or were killed while reading.
func (r *Runner) Deaths() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.deaths
}

// LastDeath says why the last worker died ("" when none did): the
// runtime's first line, e.g. "fatal error: stack overflow".
func (r *Runner) LastDeath() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastDeath
}

// headBuffer keeps the first max bytes written to it: a dying Go program
// names its cause on the first line.
type headBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *headBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.buf); room > 0 {
		t.buf = append(t.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (t *headBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// Annotate is annotate.Copy in the worker: the copy is built from values
// the agency's workbook held, and that too only in a limited process. A
// worker that dies returns an error; the receipt then goes without the copy.
func (r *Runner) Annotate(rep *assess.Report, form *templates.Form) ([]byte, error) {
	req := request{Year: form.Year, Form: formDefinition(form), Annotate: &annotateRequest{Report: rep, Submission: rep.Submission}}
	return r.annotate(req, "annotate")
}

// annotate has the worker build an annotated copy; what names the work in
// the error of a worker that died.
func (r *Runner) annotate(req request, what string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	resp, err := r.roundTrip(context.Background(), req, nil)
	if err != nil {
		r.died(err)
		return nil, fmt.Errorf("%s in worker: %w", what, err)
	}
	r.servedOne()
	if resp.AnnotateError != "" {
		return nil, errors.New(resp.AnnotateError)
	}
	return resp.Annotated, nil
}

// ErrUnavailable means no worker could be started: the machine, not the
// workbook, is at fault, and the caller should try again later.
var ErrUnavailable = errors.New("workbook reader unavailable")

// Read is validate.Read in the worker. A worker that crashes, runs out of
// memory or time fails only this workbook, as an unreadable_file finding;
// a worker that cannot be started is an error wrapping ErrUnavailable (the
// machine's fault: retry later). When ctx ends the worker is stopped and
// the error is ctx's: the workbook is not judged.
func (r *Runner) Read(ctx context.Context, data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error) {
	return r.read(ctx, data, opts, "")
}

func (r *Runner) read(ctx context.Context, data []byte, opts validate.Options, crash string) (*validate.Submission, []validate.Finding, error) {
	req := request{Year: opts.Form.Year, Form: formDefinition(opts.Form), Filename: opts.Filename, ReceivedAt: opts.ReceivedAt, Cutoff: opts.Cutoff,
		MaxFileSize: opts.MaxFileSize, MaxUnzipSize: opts.MaxUnzipSize, Crash: crash}
	resp, crashed, err := r.readWorkbook(ctx, req, data)
	if resp == nil {
		return nil, crashed, err
	}
	return resp.Submission, resp.Findings, nil
}

// readWorkbook has the worker read data, starting it if none runs. A
// worker that died answers a nil response and the unreadable_file finding
// that fails only this workbook; one that cannot start, or a ctx that
// ended, answers an error.
func (r *Runner) readWorkbook(ctx context.Context, req request, data []byte) (*response, []validate.Finding, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		if err := r.startLocked(); err != nil {
			// Ours, not the workbook's: the caller pauses and retries.
			return nil, nil, fault.Systemic(fmt.Errorf("%w: %v", ErrUnavailable, err))
		}
	}
	resp, err := r.roundTrip(ctx, req, data)
	if err != nil && ctx.Err() != nil {
		return nil, nil, ctx.Err() // stopped by us, not killed by the workbook
	}
	if err != nil {
		r.died(err)
		f := validate.NewFinding(validate.CodeUnreadableFile,
			"检查这个文件时读取程序异常中止（文件可能已损坏、过大或含有异常内容）。请用 Excel 或 WPS 打开确认内容正常，另存为“Excel 工作簿(*.xlsx)”后重新发送。")
		return nil, []validate.Finding{f}, nil
	}
	r.servedOne()
	return resp, nil, nil
}

// ReadRecommend is recommend.Read in the worker, for the built-in 推荐表
// of opts.Definition's year (nil: recommend.Read's default). Failures are
// as Read's: a worker that dies fails only this workbook (unreadable_file),
// one that cannot start is an error wrapping ErrUnavailable.
func (r *Runner) ReadRecommend(ctx context.Context, data []byte, opts recommend.ReadOptions) (*recommend.Filled, []validate.Finding, error) {
	year := 2021
	if opts.Definition != nil {
		year = opts.Definition.Year
	}
	req := request{Recommend: year, MaxFileSize: opts.MaxFileSize, MaxUnzipSize: opts.MaxUnzipSize}
	resp, crashed, err := r.readWorkbook(ctx, req, data)
	if resp == nil {
		return nil, crashed, err
	}
	return resp.Filled, resp.Findings, nil
}

// AnnotateRecommend is annotate.Recommendation in the worker, for the
// built-in 推荐表 of def's year: as Annotate, the agency's values are
// written only in a limited process, and a worker that dies is an error
// (the receipt goes without the copy).
func (r *Runner) AnnotateRecommend(f *recommend.Filled, findings []validate.Finding, def *recommend.Definition) ([]byte, error) {
	year := f.Year
	if def != nil {
		year = def.Year
	}
	req := request{AnnotateRecommend: &annotateRecommendRequest{Year: year, Filled: f, Findings: findings}}
	return r.annotate(req, "annotate 推荐表")
}

// formDefinition is what a worker needs besides the year to build the
// form: nothing for a built-in one.
func formDefinition(form *templates.Form) []byte {
	if form == nil || form.Embedded() {
		return nil
	}
	return form.Definition()
}

// died records a worker's death and why; r.mu is held.
func (r *Runner) died(err error) {
	r.deaths++
	r.stopLocked()
	r.lastDeath = err.Error()
	if r.stderr != nil {
		if first, _, _ := strings.Cut(strings.TrimSpace(r.stderr.String()), "\n"); first != "" {
			r.lastDeath += ": " + first
		}
	}
}

// servedOne counts a request; r.mu is held. The CPU limit counts over the
// worker's life: it is restarted well before a long-lived worker would be
// killed in the middle of an innocent file.
func (r *Runner) servedOne() {
	r.served++
	if r.served >= r.limits.Recycle || cpuSeconds(r.cmd.Process.Pid) > float64(r.limits.CPUSeconds)/2 {
		r.stopLocked()
	}
}

func (r *Runner) roundTrip(ctx context.Context, req request, data []byte) (*response, error) {
	if r.cmd == nil {
		if err := r.startLocked(); err != nil {
			return nil, err
		}
	}
	type result struct {
		resp *response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		head, _ := json.Marshal(req)
		if err := writeFrame(r.stdin, head); err != nil {
			done <- result{err: err}
			return
		}
		if err := writeFrame(r.stdin, data); err != nil {
			done <- result{err: err}
			return
		}
		frame, err := readFrame(r.stdout)
		if err != nil {
			done <- result{err: err}
			return
		}
		var resp response
		if err := json.Unmarshal(frame, &resp); err != nil {
			done <- result{err: err}
			return
		}
		if req.annotates() {
			if resp.Annotated, err = readFrame(r.stdout); err != nil {
				done <- result{err: err}
				return
			}
		}
		done <- result{resp: &resp}
	}()
	timer := time.NewTimer(r.limits.Wall)
	defer timer.Stop()
	select {
	case res := <-done:
		return res.resp, res.err
	case <-timer.C:
		r.stopLocked() // unblocks the goroutine: its pipes close
		<-done
		return nil, errors.New("worker timed out")
	case <-ctx.Done():
		r.stopLocked()
		<-done
		return nil, ctx.Err()
	}
}

func (r *Runner) startLocked() error {
	var stdin io.WriteCloser
	var stdout io.ReadCloser
	stderr := &headBuffer{max: 2048}
	cmd, iso, err := r.iso.start(func(attr *syscall.SysProcAttr) (*exec.Cmd, error) {
		cmd := exec.Command(r.exe)
		cmd.Env = workerEnv(r.limits)
		cmd.SysProcAttr = attr
		cmd.Stderr = stderr
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		if stdout, err = cmd.StdoutPipe(); err != nil {
			return nil, err
		}
		return cmd, nil
	})
	if err != nil {
		return err
	}
	r.cmd, r.stdin, r.stdout, r.served, r.stderr, r.isolation = cmd, stdin, bufio.NewReader(stdout), 0, stderr, iso
	return nil
}

func (r *Runner) stopLocked() {
	if r.cmd == nil {
		return
	}
	r.stdin.Close()
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// Close stops the worker.
func (r *Runner) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
	return nil
}

// cpuSeconds is the user and system time a process has used so far, from
// /proc (0 where that cannot be read: the worker is then recycled by count).
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces: fields start after it.
	_, rest, ok := strings.Cut(string(data), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on Linux.
const clockTicks = 100
