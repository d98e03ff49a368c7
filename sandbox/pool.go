package sandbox

import (
	"context"
	"kaohe/assess"
	"kaohe/recommend"
	"kaohe/templates"
	"kaohe/validate"
)

// Pool reads several workbooks at once, one worker process each, so that
// the daemon's concurrent messages do not queue behind one worker.
type Pool struct {
	runners []*Runner
	free    chan *Runner
}

// NewPool returns n runners of exe (empty: this executable). Workers start
// on first use.
func NewPool(exe string, limits Limits, n int) (*Pool, error) {
	n = max(n, 1)
	p := &Pool{free: make(chan *Runner, n)}
	iso := &isolator{}
	for i := 0; i < n; i++ {
		r, err := New(exe, limits)
		if err != nil {
			return nil, err
		}
		r.iso = iso
		p.runners = append(p.runners, r)
		p.free <- r
	}
	return p, nil
}

// acquire waits for a free worker until ctx ends; the caller gives it
// back to p.free.
func (p *Pool) acquire(ctx context.Context) (*Runner, error) {
	select {
	case r := <-p.free:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Read is Runner.Read on a free worker; it waits when all are busy, until
// ctx ends.
func (p *Pool) Read(ctx context.Context, data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error) {
	r, err := p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer func() { p.free <- r }()
	return r.Read(ctx, data, opts)
}

// ReadRecommend is Runner.ReadRecommend on a free worker.
func (p *Pool) ReadRecommend(ctx context.Context, data []byte, opts recommend.ReadOptions) (*recommend.Filled, []validate.Finding, error) {
	r, err := p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer func() { p.free <- r }()
	return r.ReadRecommend(ctx, data, opts)
}

// AnnotateRecommend is Runner.AnnotateRecommend on a free worker.
func (p *Pool) AnnotateRecommend(f *recommend.Filled, findings []validate.Finding, def *recommend.Definition) ([]byte, error) {
	r := <-p.free
	defer func() { p.free <- r }()
	return r.AnnotateRecommend(f, findings, def)
}

// Annotate is Runner.Annotate on a free worker.
func (p *Pool) Annotate(rep *assess.Report, form *templates.Form) ([]byte, error) {
	r := <-p.free
	defer func() { p.free <- r }()
	return r.Annotate(rep, form)
}

// Isolation starts one worker, if none runs yet, and says how the pool's
// workers are isolated: the daemon logs it at start.
func (p *Pool) Isolation() (Isolation, error) {
	r := <-p.free
	defer func() { p.free <- r }()
	return r.Isolation()
}

// Deaths counts the workers of the pool that died while reading.
func (p *Pool) Deaths() int {
	n := 0
	for _, r := range p.runners {
		n += r.Deaths()
	}
	return n
}

// Close stops every worker.
func (p *Pool) Close() error {
	for _, r := range p.runners {
		r.Close()
	}
	return nil
}
