package annotate

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"
)

// zipEpochDate is 1980-01-01 in MS-DOS date format, the modification date
// of every entry of an annotated copy (its time is 00:00).
const zipEpochDate = 1<<5 | 1

// orderedZip is the zip writer excelize saves an annotated copy through. It
// keeps the parts until Close and then writes them in a fixed order
// ([Content_Types].xml first, then by name) with a fixed time, because
// excelize writes its parts in map order and the same annotation must give
// the same bytes, so that a recomposed reply is identical. It deflates at
// the fastest level: the copy is a mail attachment of a few dozen KB, and
// the default level cost more than opening the workbook.
type orderedZip struct {
	out   io.Writer
	parts map[string]*bytes.Buffer
}

// copyBytes saves an annotated copy through orderedZip.
func copyBytes(f *excelize.File) ([]byte, error) {
	f.SetZipWriter(newOrderedZip)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("annotate: write workbook: %w", err)
	}
	return buf.Bytes(), nil
}

func newOrderedZip(w io.Writer) excelize.ZipWriter {
	return &orderedZip{out: w, parts: map[string]*bytes.Buffer{}}
}

func (z *orderedZip) Create(name string) (io.Writer, error) {
	if _, dup := z.parts[name]; dup {
		return nil, fmt.Errorf("annotate: part %s written twice", name)
	}
	b := new(bytes.Buffer)
	z.parts[name] = b
	return b, nil
}

// AddFS is part of excelize's interface; saving a workbook does not use it.
func (z *orderedZip) AddFS(fs.FS) error {
	return errors.New("annotate: adding a file system is not supported")
}

func (z *orderedZip) Close() error {
	names := slices.Collect(maps.Keys(z.parts))
	slices.SortFunc(names, func(x, y string) int {
		xc, yc := x == "[Content_Types].xml", y == "[Content_Types].xml"
		switch {
		case xc && !yc:
			return -1
		case yc && !xc:
			return 1
		}
		return strings.Compare(x, y)
	})
	zw := zip.NewWriter(z.out)
	zw.RegisterCompressor(zip.Deflate, newFastDeflater)
	for _, name := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, ModifiedDate: zipEpochDate})
		if err != nil {
			return err
		}
		if _, err := w.Write(z.parts[name].Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// fastDeflaters are reused: a flate writer is about a megabyte to set up.
var fastDeflaters sync.Pool

// pooledDeflater is a fastest-level flate writer that returns to the pool
// when closed.
type pooledDeflater struct{ fw *flate.Writer }

func newFastDeflater(w io.Writer) (io.WriteCloser, error) {
	if fw, ok := fastDeflaters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return &pooledDeflater{fw}, nil
	}
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return &pooledDeflater{fw}, nil
}

func (p *pooledDeflater) Write(b []byte) (int, error) {
	if p.fw == nil {
		return 0, errors.New("write to a closed deflater")
	}
	return p.fw.Write(b)
}

func (p *pooledDeflater) Close() error {
	if p.fw == nil {
		return nil
	}
	err := p.fw.Close()
	fastDeflaters.Put(p.fw)
	p.fw = nil
	return err
}
