package reply

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"sync"
	texttemplate "text/template"

	"kaohe/annotate"
)

//go:embed mailtmpl/*.tmpl
var builtinTemplates embed.FS

// Template names. Staff may override any of them by putting a file of the
// same name in the override folder (ComposeOptions.Templates).
const (
	tmplReceiptText  = "receipt.txt.tmpl"
	tmplReceiptHTML  = "receipt.html.tmpl"
	tmplUnknownText  = "unknown_sender.txt.tmpl"
	tmplForeignText  = "foreign_notice.txt.tmpl"
	tmplHeldText     = "quarantined.txt.tmpl"
	tmplNoticeText   = "staff_notice.txt.tmpl"
	tmplNoticeHTML   = "staff_notice.html.tmpl"
	tmplReminderText = "reminder.txt.tmpl"
	tmplSummaryText  = "consolidated.txt.tmpl"
	tmplPlainHTML    = "plain.html.tmpl" // wraps a text body when a kind has no HTML template
	tmplResultText   = "result_notice.txt.tmpl"
	tmplResultHTML   = "result_notice.html.tmpl"
	tmplFinalText    = "final_list.txt.tmpl"
	tmplFinalHTML    = "final_list.html.tmpl"

	tmplStaffImportText   = "staff_import.txt.tmpl"
	tmplStaffWorkbookText = "staff_workbook_notice.txt.tmpl"
)

// TemplateNames lists the wording templates staff may override.
func TemplateNames() []string {
	return []string{tmplReceiptText, tmplReceiptHTML, tmplUnknownText, tmplForeignText, tmplHeldText, tmplNoticeText, tmplNoticeHTML, tmplReminderText, tmplSummaryText, tmplPlainHTML,
		tmplResultText, tmplResultHTML, tmplFinalText, tmplFinalHTML,
		tmplStaffImportText, tmplStaffWorkbookText}
}

// CheckTemplates parses every template of the override folder that has a
// known name, so a broken override is reported at start, not at the first
// reply. A nil folder is fine.
func CheckTemplates(override fs.FS) error {
	r := renderer{override: override}
	var errs []error
	for _, name := range TemplateNames() {
		src, err := r.source(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if isHTML(name) {
			_, err = htmltemplate.New(name).Funcs(htmltemplate.FuncMap{"inc": inc, "colourKey": colourKey}).Parse(string(src))
		} else {
			_, err = texttemplate.New(name).Funcs(texttemplate.FuncMap{"inc": inc, "colourKey": colourKey}).Parse(string(src))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("template %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

type renderer struct {
	override fs.FS
}

func isHTML(name string) bool { return len(name) > 10 && name[len(name)-10:] == ".html.tmpl" }

// source returns the override file when there is one, else the built-in.
func (r renderer) source(name string) ([]byte, error) {
	if r.override != nil {
		b, err := fs.ReadFile(r.override, name)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read template %s: %w", name, err)
		}
	}
	b, err := builtinTemplates.ReadFile("mailtmpl/" + name)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return b, nil
}

func (r renderer) text(name string, data any) (string, error) {
	return r.render(name, data, func(src string) (executor, error) {
		return texttemplate.New(name).Option("missingkey=error").Funcs(texttemplate.FuncMap{"inc": inc, "colourKey": colourKey}).Parse(src)
	})
}

func (r renderer) html(name string, data any) (string, error) {
	return r.render(name, data, func(src string) (executor, error) {
		return htmltemplate.New(name).Option("missingkey=error").Funcs(htmltemplate.FuncMap{"inc": inc, "colourKey": colourKey}).Parse(src)
	})
}

// executor is a parsed text or HTML template.
type executor interface {
	Execute(w io.Writer, data any) error
}

// render parses the template called name (built in or overridden) with
// parse and executes it on data.
func (r renderer) render(name string, data any, parse func(src string) (executor, error)) (string, error) {
	src, err := r.source(name)
	if err != nil {
		return "", err
	}
	t, err := parsedTemplates.get(name, string(src), parse)
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return b.String(), nil
}

// templateCache keeps parsed templates by name and source, so that a
// template is parsed once, yet an override staff edit while the daemon runs
// takes effect with the next mail (its new source is a new key). Parsed
// templates are safe to execute concurrently.
type templateCache struct {
	mu sync.Mutex
	m  map[templateKey]executor
}

type templateKey struct{ name, src string }

// maxCachedTemplates bounds the cache should an override be edited over
// and over: past it, the cache starts afresh.
const maxCachedTemplates = 64

var parsedTemplates = &templateCache{m: map[templateKey]executor{}}

func (c *templateCache) get(name, src string, parse func(string) (executor, error)) (executor, error) {
	key := templateKey{name, src}
	c.mu.Lock()
	t, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := parse(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedTemplates {
		clear(c.m)
	}
	c.m[key] = t
	c.mu.Unlock()
	return t, nil
}

// plainHTML is the HTML alternative of a kind that has only a text
// template: the text, escaped, with its line breaks kept.
func (r renderer) plainHTML(subject, text string) (string, error) {
	return r.html(tmplPlainHTML, struct{ Subject, Text string }{subject, text})
}

func inc(i int) int { return i + 1 }

// colourKey gives templates the annotated copy's colour key, so that the
// receipt says what the copy shows (ColourKey is kept beside the colours).
func colourKey() string { return annotate.ColourKey }
