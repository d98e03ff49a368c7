package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"kaohe/annotate"
	"kaohe/recommend"
	"kaohe/templates"
	"kaohe/validate"
)

// Environment variables by which the parent starts a worker.
const (
	envWorker   = "KAOHE_SANDBOX_WORKER"
	envMemory   = "KAOHE_SANDBOX_MEMORY"
	envCPU      = "KAOHE_SANDBOX_CPU"
	workerValue = "1"
)

// MaybeWorker turns this process into a worker when the parent started it
// as one, and never returns then. Call it first in main and in TestMain of
// packages whose tests start workers.
func MaybeWorker() {
	if os.Getenv(envWorker) != workerValue {
		return
	}
	mem, _ := strconv.ParseInt(os.Getenv(envMemory), 10, 64)
	cpu, _ := strconv.ParseUint(os.Getenv(envCPU), 10, 64)
	// Before any input is read: where the system refuses it the worker
	// still runs, under its limits and without the daemon's environment.
	_ = noNewPrivs()
	applyLimits(mem, cpu)
	err := serve(os.Stdin, os.Stdout)
	if err != nil && err != io.EOF {
		fmt.Fprintln(os.Stderr, "sandbox worker:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// applyLimits bounds this worker: its data memory (so a forged
// allocation fails instead of exhausting the machine), CPU seconds, and a
// stack far below Go's 1 GB default (deep recursion dies fast).
func applyLimits(memory int64, cpuSeconds uint64) {
	if memory > 0 {
		// RLIMIT_DATA, not RLIMIT_AS: the Go runtime reserves far more address
		// space than it uses, and reservations do not count as data.
		data := uint64(memory) + 256<<20
		syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: data, Max: data})
		debug.SetMemoryLimit(memory)
	}
	if cpuSeconds > 0 {
		syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpuSeconds, Max: cpuSeconds + 1})
	}
	debug.SetMaxStack(64 << 20)
	// A worker's live heap is a few MB between workbooks: collecting less
	// often saves CPU and stays far below the memory limit.
	debug.SetGCPercent(400)
}

// serve answers requests until its input ends.
func serve(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	forms := map[string]*templates.Form{}
	for {
		head, err := readFrame(r)
		if err != nil {
			return err
		}
		data, err := readFrame(r)
		if err != nil {
			return err
		}
		var req request
		if err := json.Unmarshal(head, &req); err != nil {
			return fmt.Errorf("decode request: %w", err)
		}
		crash(req.Crash)
		if req.Probe != "" {
			if err := writeJSON(w, response{Probe: probe(req.Probe)}); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			continue
		}
		var resp response
		if req.Recommend != 0 || req.AnnotateRecommend != nil {
			if err := recommendRequest(w, req, data); err != nil {
				return err
			}
			continue
		}
		form, err := workerForm(forms, req)
		if err != nil {
			return err
		}
		if a := req.Annotate; a != nil && a.Report != nil {
			a.Report.Submission = a.Submission
			out, err := annotate.Copy(a.Report, form)
			if err != nil {
				resp.AnnotateError = err.Error()
			}
			resp.Annotated = out
		} else {
			resp.Submission, resp.Findings = validate.Read(data, validate.Options{
				Form: form, Filename: req.Filename, ReceivedAt: req.ReceivedAt, Cutoff: req.Cutoff,
				MaxFileSize: req.MaxFileSize, MaxUnzipSize: req.MaxUnzipSize,
			})
		}
		if err := writeJSON(w, resp); err != nil {
			return err
		}
		if req.Annotate != nil {
			if err := writeFrame(w, resp.Annotated); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

// recommendRequest answers a request to read a 推荐表 or to annotate one.
func recommendRequest(w *bufio.Writer, req request, data []byte) error {
	var resp response
	if a := req.AnnotateRecommend; a != nil {
		def, err := recommend.Load(a.Year)
		if err != nil {
			return err
		}
		if resp.Annotated, err = annotate.Recommendation(a.Filled, a.Findings, def); err != nil {
			resp.AnnotateError = err.Error()
		}
	} else {
		def, err := recommend.Load(req.Recommend)
		if err != nil {
			return err
		}
		resp.Filled, resp.Findings = recommend.Read(data, recommend.ReadOptions{Definition: def,
			MaxFileSize: req.MaxFileSize, MaxUnzipSize: req.MaxUnzipSize})
	}
	if err := writeJSON(w, resp); err != nil {
		return err
	}
	if req.annotates() {
		if err := writeFrame(w, resp.Annotated); err != nil {
			return err
		}
	}
	return w.Flush()
}

// workerForm returns the request's form, parsed once per definition.
func workerForm(forms map[string]*templates.Form, req request) (*templates.Form, error) {
	key := fmt.Sprint(req.Year)
	if len(req.Form) > 0 {
		key = string(req.Form)
	}
	if form, ok := forms[key]; ok {
		return form, nil
	}
	var form *templates.Form
	var err error
	if len(req.Form) > 0 {
		form, err = templates.Parse(req.Form)
	} else {
		form, err = templates.Load(req.Year)
	}
	if err != nil {
		return nil, err
	}
	forms[key] = form
	return form, nil
}

// crash simulates the failures a crafted workbook can cause in a parser.
func crash(how string) {
	switch how {
	case "":
	case "stack":
		var recurse func(n int) int
		recurse = func(n int) int { return recurse(n+1) + 1 }
		recurse(0)
	case "memory":
		var hold [][]byte
		for {
			hold = append(hold, make([]byte, 64<<20))
			for i := range hold[len(hold)-1] {
				hold[len(hold)-1][i] = 1
			}
		}
	case "hang":
		select {}
	case "exit":
		os.Exit(7)
	case "spin":
		// Burn 0.7 s of CPU, however busy the machine (bounded in wall time).
		begin, deadline := cpuSeconds(os.Getpid()), time.Now().Add(30*time.Second)
		for cpuSeconds(os.Getpid())-begin < 0.7 && time.Now().Before(deadline) {
			for i := 0; i < 1e6; i++ {
			}
		}
	}
}

// probe reports what a worker sees of its confinement.
func probe(addr string) *probeReport {
	p := &probeReport{Env: os.Environ()}
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err != nil {
		p.DialError = err.Error()
	} else {
		c.Close()
	}
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		p.NoNewPrivs = strings.Contains(string(status), "\nNoNewPrivs:\t1\n")
	}
	return p
}
