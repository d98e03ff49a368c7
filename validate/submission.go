package validate

import (
	"time"

	"kaohe/templates"
)

// FieldValue is what was read for one field of the form (spec section 3).
type FieldValue struct {
	ID      string `json:"id"`
	Sheet   string `json:"sheet,omitempty"`
	Cell    string `json:"cell"`    // where the value is (or would be); "" when the label was not found
	Raw     string `json:"raw"`     // the cell's text as read, trimmed
	Present bool   `json:"present"` // not blank, or a picture for seals and signatures
	Picture bool   `json:"picture,omitempty"`
	// Number is set for counts and percents when Raw reads as a number
	// (percent fields hold 85 for 85%, whatever way the sheet wrote it).
	// IsNumber is false when the number broke the field's rules (a negative
	// or fractional count, a percent above 100): an invalid_field finding
	// says so and Number keeps what was read.
	Number   float64   `json:"number,omitempty"`
	IsNumber bool      `json:"is_number,omitempty"`
	Date     time.Time `json:"date,omitzero"` // set for date fields that read as a date
	IsDate   bool      `json:"is_date,omitempty"`
}

// ScoreCell is what was read for one indicator's row.
type ScoreCell struct {
	ID       string  `json:"id"`
	Sheet    string  `json:"sheet,omitempty"`
	Cell     string  `json:"cell"`    // the 自评分 cell; "" when the row was not found
	Raw      string  `json:"raw"`     // as read, trimmed
	Present  bool    `json:"present"` // not blank
	Value    float64 `json:"value"`   // the self-score when IsNumber
	IsNumber bool    `json:"is_number"`
	CapCell  string  `json:"cap_cell,omitempty"` // the 标准分 cell of the row
	CapValue float64 `json:"cap_value,omitempty"`
	CapRead  bool    `json:"cap_read,omitempty"`
}

// Submission is a filled form as read from a workbook. It holds values
// only; what is wrong with them is in the findings returned beside it.
type Submission struct {
	Year   int                   `json:"year"`
	Sheet  string                `json:"sheet"`
	Fields map[string]FieldValue `json:"fields"`
	Scores map[string]ScoreCell  `json:"scores"`
	// WrittenTotal is the 总分值 self-total the agency wrote, when any.
	WrittenTotal    float64 `json:"written_total,omitempty"`
	HasWrittenTotal bool    `json:"has_written_total,omitempty"`
	TotalCell       string  `json:"total_cell,omitempty"`
	// SelfColumn and CapColumn are the column letters of the 自评分 and 标准分
	// headers, so the annotated copy can add a 核定分 column beside them.
	SelfColumn string `json:"self_column,omitempty"`
	// RightOfSelfFree is set when no cell of the column right of 自评分
	// holds anything, so an annotated copy can write 核定分 there without
	// inserting a column.
	RightOfSelfFree bool   `json:"right_of_self_free,omitempty"`
	CapColumn       string `json:"cap_column,omitempty"`
	HeaderRow       int    `json:"header_row,omitempty"`
}

// Options says what Read checks against. Form is required; the rest may be zero.
type Options struct {
	Form *templates.Form
	// Filename is the attachment's name; it only improves messages (an .xls
	// named as such), the content decides.
	Filename string
	// ReceivedAt is the server's receipt time, for date_suspicious; zero: unknown.
	ReceivedAt time.Time
	// Cutoff is the campaign's deadline, for date_suspicious; zero: none.
	Cutoff time.Time
	// MaxFileSize and MaxUnzipSize bound what is read; zero takes the defaults
	// (DefaultMaxFileSize, DefaultMaxUnzipSize).
	MaxFileSize  int64
	MaxUnzipSize int64
	// MaxPartSize bounds one XML part (a worksheet, the shared strings) once
	// unzipped; zero takes DefaultMaxPartSize.
	MaxPartSize int64
}

const (
	DefaultMaxFileSize  = 20 << 20
	DefaultMaxUnzipSize = 100 << 20
)
