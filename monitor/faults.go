package monitor

import (
	"sort"
	"sync"
	"time"
)

// Components that report faults; each is one reason in /healthz.
const (
	ComponentStore     = "store"      // the data folder or database cannot be written
	ComponentIntake    = "intake"     // intake is paused by a system fault
	ComponentSMTP      = "smtp"       // mail waits with no successful delivery
	ComponentIMAP      = "imap"       // the mailbox is unreachable
	ComponentStaffMail = "staff_mail" // staff mail cannot be composed or sent
	ComponentConsumer  = "consumer"   // another program takes mail from our mailbox
)

// Reason is one fault, as /healthz lists it.
type Reason struct {
	Component string    `json:"component"`
	Since     time.Time `json:"since"`
	LastError string    `json:"last_error"`
}

// Faults is the set of faults in force, one per component. The zero value
// is ready; safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	active map[string]Reason
	Now    func() time.Time // nil: time.Now
}

// Set records that component is failing with err. The first Set of a fault
// fixes its Since; later ones only update the error text.
func (f *Faults) Set(component string, err error) {
	text := ""
	if err != nil {
		text = err.Error()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active == nil {
		f.active = map[string]Reason{}
	}
	r, ok := f.active[component]
	if !ok {
		r = Reason{Component: component, Since: f.now()}
	}
	r.LastError = text
	f.active[component] = r
}

// Clear records that component works again; it reports whether it was
// failing.
func (f *Faults) Clear(component string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.active[component]
	delete(f.active, component)
	return ok
}

// Get returns the fault of component, if any.
func (f *Faults) Get(component string) (Reason, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.active[component]
	return r, ok
}

// Active lists the faults in force, oldest first.
func (f *Faults) Active() []Reason {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Reason, 0, len(f.active))
	for _, r := range f.active {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].Component < out[j].Component
	})
	return out
}

func (f *Faults) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}
