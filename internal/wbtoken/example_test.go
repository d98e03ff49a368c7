package wbtoken_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/wbtoken"
)

// A workbook kaohe sends carries a token; the copy mailed back is checked
// against the same data folder's key.
func Example() {
	dir, _ := os.MkdirTemp("", "kaohe-data")
	defer os.RemoveAll(dir)
	key, err := wbtoken.LoadKey(dir) // created 0600 on first use
	if err != nil {
		panic(err)
	}
	f := excelize.NewFile()
	if _, err := key.Stamp(f, 2021, wbtoken.KindReview, "summary-2022-01-03"); err != nil {
		panic(err)
	}
	var sent bytes.Buffer
	f.Write(&sent)
	f.Close()

	back, _ := excelize.OpenReader(&sent)
	defer back.Close()
	tok, err := key.Verify(back, 2021, wbtoken.KindReview)
	fmt.Println(tok.ID, err)
	_, err = key.Verify(back, 2022, wbtoken.KindReview)
	fmt.Println(err)
	// Output:
	// summary-2022-01-03 <nil>
	// workbook token is for another season
}
