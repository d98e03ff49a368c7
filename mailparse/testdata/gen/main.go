// Command gen writes the MIME fixtures of package mailparse: tiny real xlsx
// workbooks made with excelize, minimal OLE compound files standing for .xls
// and encrypted xlsx, and .eml messages in the shapes real Chinese mailers
// (Outlook, Foxmail/QQ, NetEase) produce. Run it from the mailparse directory:
//
//	go run ./testdata/gen
package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

const dir = "testdata"

func main() {
	chaoyang := workbook("朝阳区")
	haidian := workbook("海淀区")
	xls := cfb(map[string][]byte{"Workbook": biff(), "\x05SummaryInformation": make([]byte, 4096)})
	enc := cfb(map[string][]byte{"EncryptionInfo": make([]byte, 4096), "EncryptedPackage": make([]byte, 4096)})
	write("chaoyang.xlsx", chaoyang)
	write("haidian.xlsx", haidian)
	write("legacy.xls", xls)
	write("encrypted.xlsx", enc)

	name := "朝阳区考核表.xlsx"
	g := gbk(name)
	half := len(gbk("朝阳区"))

	// Outlook: GB2312 headers, multipart/alternative body, RFC 2047 name.
	eml("outlook_gbk.eml", header(map[string]string{
		"From":    word("gb2312", gbk("朝阳区办公室")) + " <cy@example.cn>",
		"To":      `"=?gb2312?B?` + b64(gbk("考核组")) + `?=" <kaohe@example.cn>`,
		"Subject": word("gb2312", gbk("朝阳区2021年度考核表")),
	}), mixed("outer",
		alternative("alt",
			part("text/plain; charset=\"gb2312\"", "base64", wrap(b64(gbk("您好，附件是考核表。\r\n")))),
			part("text/html; charset=\"gb2312\"", "base64", wrap(b64(gbk("<html><body><p>您好，附件是<b>考核表</b>。</p></body></html>")))),
		),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;\r\n\tname=\""+word("gb2312", g)+"\"",
			"attachment;\r\n\tfilename=\""+word("gb2312", g)+"\"", chaoyang),
	))

	// Foxmail/QQ: octet-stream with a charset parameter and gb18030 words.
	eml("foxmail_gb18030.eml", header(map[string]string{
		"From":    word("gb18030", gbk("朝阳区")) + " <cy@example.cn>",
		"Subject": word("gb18030", gbk("考核表")),
	}), mixed("fox",
		part("text/plain; charset=\"gb18030\"", "base64", wrap(b64(gbk("请查收。")))),
		attach("application/octet-stream;\r\n\tcharset=\"gb18030\";\r\n\tname=\""+word("gb18030", g)+"\"",
			"attachment;\r\n\tfilename=\""+word("gb18030", g)+"\"", chaoyang),
	))

	eml("rfc2231_gbk.eml", header(map[string]string{"Subject": "rfc2231 gbk"}), mixed("r1",
		part("text/plain; charset=utf-8", "8bit", "见附件\r\n"),
		attach("application/vnd.ms-excel", "attachment; filename*=GBK''"+pct(g), chaoyang),
	))

	eml("rfc2231_continuation.eml", header(map[string]string{"Subject": "rfc2231 continuation"}), mixed("r2",
		attach("application/octet-stream", "attachment;\r\n filename*0*=gb2312''"+pct(g[:half])+";\r\n filename*1*="+pct(g[half:]), chaoyang),
	))

	eml("raw_gbk_filename.eml", header(map[string]string{"Subject": "raw gbk"}), mixed("r3",
		attach("application/octet-stream; name=\""+g+"\"", "attachment; filename=\""+g+"\"", chaoyang),
	))

	inner := header(map[string]string{
		"From":       "=?utf-8?B?" + b64("朝阳区") + "?= <cy@example.cn>",
		"Subject":    "=?utf-8?B?" + b64("考核表") + "?=",
		"Message-ID": "<inner@example.cn>",
	}) + mixed("in",
		part("text/plain; charset=utf-8", "8bit", "原始邮件\r\n"),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment; filename*=UTF-8''"+pct(name), chaoyang),
	)
	eml("forwarded.eml", header(map[string]string{"Subject": "=?utf-8?B?" + b64("转发: 考核表") + "?="}), mixed("fw",
		part("text/plain; charset=utf-8", "8bit", "转发给你\r\n"),
		"Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fw.eml\"\r\n\r\n"+inner,
	))

	eml("two_forms.eml", header(map[string]string{"Subject": "=?utf-8?B?" + b64("两份考核表") + "?="}), mixed("two",
		part("text/plain; charset=utf-8", "8bit", "两个区\r\n"),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment; filename=\""+word("utf-8", "朝阳区.xlsx")+"\"", chaoyang),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment; filename=\""+word("utf-8", "海淀区.xlsx")+"\"", haidian),
	))

	eml("zipped.eml", header(map[string]string{"Subject": "zipped"}), mixed("zip",
		attach("application/x-zip-compressed; name=\""+word("gbk", gbk("附件.zip"))+"\"", "attachment; filename=\""+word("gbk", gbk("附件.zip"))+"\"",
			zipOf([]zipEntry{{gbk("朝阳区.xlsx"), chaoyang, true}, {"readme.txt", []byte("hello"), false}})),
	))

	eml("unknown_charset.eml", header(map[string]string{"Subject": "unknown charset"}), mixed("uc",
		part("text/plain; charset=x-weird", "8bit", "\xa4\xa4\xa4\xe5\r\n"),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment; filename=\"form.xlsx\"", chaoyang),
	))

	eml("legacy_xls.eml", header(map[string]string{"Subject": "xls"}), mixed("xls",
		part("text/plain; charset=utf-8", "8bit", "老格式\r\n"),
		attach("application/vnd.ms-excel", "attachment; filename=\""+word("utf-8", "朝阳区.xls")+"\"", xls),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment; filename=\"secret.xlsx\"", enc),
	))

	eml("no_attachment.eml", header(map[string]string{"Subject": "=?utf-8?Q?=E6=B2=A1=E6=9C=89=E9=99=84=E4=BB=B6?="}),
		part("text/html; charset=utf-8", "quoted-printable", "<html><head><style>p{color:red}</style></head><body><p>=E5=BF=98=E4=BA=86=E9=99=84=E4=BB=B6</p><p>a &amp; b</p></body></html>\r\n"))

	eml("big5_subject.eml", header(map[string]string{"Subject": word("big5", big5("台北市考核表"))}),
		part("text/plain; charset=big5", "base64", wrap(b64(big5("附件在此")))))

	eml("inline_and_others.eml", header(map[string]string{"Subject": "inline"}), mixed("inl",
		part("text/plain; charset=utf-8", "8bit", "inline\r\n"),
		attach("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "inline; filename=\"inline.xlsx\"", chaoyang),
		attach("image/png", "inline", []byte("\x89PNG\r\n\x1a\n0000")),
		attach("application/pdf", "attachment; filename=\"scan.pdf\"", []byte("%PDF-1.4\n%%EOF\n")),
		attach("application/x-rar-compressed", "attachment; filename=\"forms.rar\"", []byte("Rar!\x1a\x07\x00junk")),
	))
}

type zipEntry struct {
	name    string
	data    []byte
	nonUTF8 bool
}

func zipOf(entries []zipEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, NonUTF8: e.nonUTF8})
		check(err)
		_, err = w.Write(e.data)
		check(err)
	}
	check(zw.Close())
	return buf.Bytes()
}

func workbook(district string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	check(f.SetCellValue("Sheet1", "A1", "单位名称"))
	check(f.SetCellValue("Sheet1", "B1", district))
	check(f.SetCellValue("Sheet1", "A2", "得分"))
	check(f.SetCellValue("Sheet1", "B2", 95))
	buf, err := f.WriteToBuffer()
	check(err)
	return buf.Bytes()
}

// biff returns a 4 KiB stream starting with a BIFF8 BOF record.
func biff() []byte {
	b := make([]byte, 4096)
	copy(b, []byte{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00})
	return b
}

// cfb builds a minimal version 3 compound file: header, one FAT sector, one
// directory sector, then each stream (a multiple of 512 bytes, at least
// 4096, so no mini stream is needed).
func cfb(streams map[string][]byte) []byte {
	const ss = 512
	names := make([]string, 0, len(streams))
	for n := range streams {
		names = append(names, n)
	}
	// deterministic order
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	if len(names) > 3 {
		log.Fatal("cfb: at most 3 streams")
	}
	le := binary.LittleEndian
	fat := make([]uint32, ss/4)
	for i := range fat {
		fat[i] = 0xFFFFFFFF
	}
	fat[0] = 0xFFFFFFFD // FAT sector
	fat[1] = 0xFFFFFFFE // directory, one sector
	next := uint32(2)
	starts := map[string]uint32{}
	var body []byte
	for _, n := range names {
		data := streams[n]
		k := uint32(len(data) / ss)
		starts[n] = next
		for i := uint32(0); i < k; i++ {
			if i == k-1 {
				fat[next+i] = 0xFFFFFFFE
			} else {
				fat[next+i] = next + i + 1
			}
		}
		next += k
		body = append(body, data...)
	}
	hdr := make([]byte, ss)
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1) // FAT sectors
	le.PutUint32(hdr[48:], 1) // first directory sector
	le.PutUint32(hdr[56:], 4096)
	le.PutUint32(hdr[60:], 0xFFFFFFFE)
	le.PutUint32(hdr[68:], 0xFFFFFFFE)
	for i := 0; i < 109; i++ {
		le.PutUint32(hdr[76+4*i:], 0xFFFFFFFF)
	}
	le.PutUint32(hdr[76:], 0)
	fatSec := make([]byte, ss)
	for i, v := range fat {
		le.PutUint32(fatSec[4*i:], v)
	}
	dirSec := make([]byte, ss)
	entry := func(i int, name string, typ byte, start, size uint32, child, right uint32) {
		e := dirSec[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66] = typ
		e[67] = 1 // black
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], size)
	}
	entry(0, "Root Entry", 5, 0xFFFFFFFE, 0, 1, 0xFFFFFFFF)
	for i, n := range names {
		right := uint32(0xFFFFFFFF)
		if i+1 < len(names) {
			right = uint32(i + 2)
		}
		entry(i+1, n, 2, starts[n], uint32(len(streams[n])), 0xFFFFFFFF, right)
	}
	for i := len(names) + 1; i < 4; i++ {
		e := dirSec[i*128 : (i+1)*128]
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], 0xFFFFFFFF)
		le.PutUint32(e[76:], 0xFFFFFFFF)
	}
	out := append(hdr, fatSec...)
	out = append(out, dirSec...)
	return append(out, body...)
}

func header(fields map[string]string) string {
	var b strings.Builder
	order := []string{"From", "To", "Subject", "Message-ID"}
	defaults := map[string]string{
		"From":       "Agency <agency@example.cn>",
		"To":         "kaohe@example.cn",
		"Message-ID": fmt.Sprintf("<%08x@example.cn>", crc32.ChecksumIEEE([]byte(fields["Subject"]))),
	}
	for _, k := range order {
		v, ok := fields[k]
		if !ok {
			v = defaults[k]
		}
		b.WriteString(k + ": " + v + "\r\n")
	}
	b.WriteString("Date: Thu, 26 Nov 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n")
	return b.String()
}

func mixed(boundary string, parts ...string) string {
	return multi("mixed", boundary, parts...)
}

func alternative(boundary string, parts ...string) string {
	return multi("alternative", boundary, parts...)
}

func multi(sub, boundary string, parts ...string) string {
	boundary = "----=_Part_" + boundary
	var b strings.Builder
	b.WriteString("Content-Type: multipart/" + sub + ";\r\n\tboundary=\"" + boundary + "\"\r\n\r\n")
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	for _, p := range parts {
		b.WriteString("\r\n--" + boundary + "\r\n" + p)
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.String()
}

func part(ct, cte, body string) string {
	return "Content-Type: " + ct + "\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body
}

func attach(ct, disp string, data []byte) string {
	h := "Content-Type: " + ct + "\r\nContent-Transfer-Encoding: base64\r\n"
	if disp != "" {
		h += "Content-Disposition: " + disp + "\r\n"
	}
	return h + "\r\n" + wrap(b64(string(data)))
}

func eml(name, hdr, body string) {
	write(name, []byte(hdr+body))
}

func write(name string, data []byte) {
	check(os.WriteFile(filepath.Join(dir, name), data, 0o644))
}

func word(cs, raw string) string { return "=?" + cs + "?B?" + b64(raw) + "?=" }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

func pct(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func gbk(s string) string {
	out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	check(err)
	return out
}

func big5(s string) string {
	out, err := traditionalchinese.Big5.NewEncoder().String(s)
	check(err)
	return out
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
