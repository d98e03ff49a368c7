package sandbox

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"kaohe/annotate"
	"kaohe/recommend"
	"kaohe/validate"
)

// A 推荐表 read in the worker is the one read in process, dates included.
func TestWorkerReadsRecommendLikeInProcess(t *testing.T) {
	def := recommend.MustLoad(2021)
	opts := recommend.BlankOptions{Agency: "朝阳区代办处", Persons: 2, Quota: true}
	x, err := recommend.BuildBlank(def, opts)
	if err != nil {
		t.Fatal(err)
	}
	l := recommend.BlankLayout(def, opts)
	for cell, v := range map[string]string{l.PersonCell(0, recommend.ColName): "张伟", l.PersonCell(0, recommend.ColBirth): "1980年5月",
		l.PersonCell(0, recommend.ColYears): "12", l.Fields[recommend.FieldPublicityEnd]: "2022-03-07"} {
		if err := x.SetCellValue(l.Sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	x.Close()
	r, err := New("", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ro := recommend.ReadOptions{Definition: def}
	for name, data := range map[string][]byte{"推荐表": b.Bytes(), "not a workbook": []byte("plain text")} {
		got, gotFs, err := r.ReadRecommend(context.Background(), data, ro)
		if err != nil {
			t.Fatal(err)
		}
		want, wantFs := recommend.Read(data, ro)
		if (got == nil) != (want == nil) || len(gotFs) != len(wantFs) {
			t.Fatalf("%s: worker %v %+v, in process %v %+v", name, got != nil, gotFs, want != nil, wantFs)
		}
		for i := range gotFs {
			if gotFs[i].Code != wantFs[i].Code || gotFs[i].Code != validate.CodeUnreadableFile {
				t.Errorf("%s: finding %+v, in process %+v", name, gotFs[i], wantFs[i])
			}
		}
		if got == nil {
			continue
		}
		if got.Agency() != "朝阳区代办处" || len(got.Persons) != len(want.Persons) || got.Persons[0].Key() != "张伟|1980-05" {
			t.Errorf("%s: worker read %+v", name, got)
		}
		if g, w := got.Field(recommend.FieldPublicityEnd).Date, want.Field(recommend.FieldPublicityEnd).Date; !g.Equal(w) || g.IsZero() {
			t.Errorf("%s: 公示结束 %v, in process %v", name, g, w)
		}
		if !reflect.DeepEqual(got.Persons[0].Value(recommend.ColYears).Number, want.Persons[0].Value(recommend.ColYears).Number) {
			t.Errorf("%s: years differ", name)
		}
	}
}

// The annotated copy made in the worker is the one made in process.
func TestWorkerAnnotatesRecommendLikeInProcess(t *testing.T) {
	def := recommend.MustLoad(2021)
	opts := recommend.BlankOptions{Persons: 1}
	x, err := recommend.BuildBlank(def, opts)
	if err != nil {
		t.Fatal(err)
	}
	l := recommend.BlankLayout(def, opts)
	x.SetCellValue(l.Sheet, l.Fields[recommend.FieldAgency], "朝阳区代办处")
	x.SetCellValue(l.Sheet, l.PersonCell(0, recommend.ColName), "张伟")
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	x.Close()
	f, _ := recommend.Read(b.Bytes(), recommend.ReadOptions{Definition: def})
	if f == nil {
		t.Fatal("not read")
	}
	findings := recommend.Check(f, def, recommend.Context{})
	if len(findings) == 0 {
		t.Fatal("no findings to mark")
	}
	r, err := New("", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.AnnotateRecommend(f, findings, def)
	if err != nil {
		t.Fatal(err)
	}
	want, err := annotate.Recommendation(f, findings, def)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("worker's copy (%d bytes) differs from the in-process one (%d bytes)", len(got), len(want))
	}
}
