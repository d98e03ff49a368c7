package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"kaohe/assess"
	"kaohe/recommend"
	"kaohe/validate"
)

// maxFrame bounds a frame so that a confused peer cannot make the other
// side allocate without limit.
const maxFrame = 256 << 20

// request is what the parent sends for one workbook.
type request struct {
	Year int `json:"year"`
	// Form is the definition of a form read from a file (campaign.form_file),
	// which the worker cannot Load by Year; empty for a built-in form.
	Form         []byte    `json:"form,omitempty"`
	Filename     string    `json:"filename"`
	ReceivedAt   time.Time `json:"received_at"`
	Cutoff       time.Time `json:"cutoff"`
	MaxFileSize  int64     `json:"max_file_size"`
	MaxUnzipSize int64     `json:"max_unzip_size"`
	// Crash makes the worker die in the named way; tests use it to prove
	// the parent survives what a crafted workbook could do.
	Crash string `json:"crash,omitempty"`
	// Probe asks the worker to report on its own confinement (tests): its
	// environment and a TCP dial to this address.
	Probe string `json:"probe,omitempty"`
	// Annotate asks for the annotated copy of the form for this report
	// instead of a reading; the workbook frame is then empty.
	Annotate *annotateRequest `json:"annotate,omitempty"`
	// Recommend asks for the workbook read as a 推荐表 of this built-in
	// year instead of a 考核表.
	Recommend int `json:"recommend,omitempty"`
	// AnnotateRecommend asks for the annotated copy of a 推荐表; the
	// workbook frame is then empty.
	AnnotateRecommend *annotateRecommendRequest `json:"annotate_recommend,omitempty"`
}

// annotateRecommendRequest is a 推荐表 read, its findings and the year of
// its built-in definition.
type annotateRecommendRequest struct {
	Year     int                `json:"year"`
	Filled   *recommend.Filled  `json:"filled"`
	Findings []validate.Finding `json:"findings"`
}

// annotates reports whether the answer to req carries an annotated copy
// in a frame after the JSON one.
func (req request) annotates() bool { return req.Annotate != nil || req.AnnotateRecommend != nil }

// annotateRequest carries the report to write on the form (its
// Submission travels apart: the report does not serialise it).
type annotateRequest struct {
	Report     *assess.Report       `json:"report"`
	Submission *validate.Submission `json:"submission"`
}

// response is the worker's answer.
type response struct {
	Submission *validate.Submission `json:"submission"`
	Findings   []validate.Finding   `json:"findings"`
	// Filled is the 推荐表 read when the request asked for one.
	Filled *recommend.Filled `json:"filled,omitempty"`
	// Annotated is the annotated workbook, sent as a raw frame after the
	// JSON one when the request asked for it; AnnotateError says why not.
	Annotated     []byte       `json:"-"`
	AnnotateError string       `json:"annotate_error,omitempty"`
	Probe         *probeReport `json:"probe,omitempty"`
}

// probeReport is what a worker sees of its confinement.
type probeReport struct {
	Env        []string `json:"env"`
	DialError  string   `json:"dial_error"` // "" when the dial succeeded
	NoNewPrivs bool     `json:"no_new_privs"`
}

func writeFrame(w io.Writer, payload []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(payload)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes exceeds the limit", size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, errors.Join(errors.New("short frame"), err)
	}
	return buf, nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFrame(w, b)
}
