package validate

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"kaohe/internal/cfb"
)

var zipMagic = []byte("PK\x03\x04")

// maxZipEntries bounds the parts a workbook may hold before it is refused unread.
const maxZipEntries = 5000

// saveAsHint tells a clerk how to turn any other format into .xlsx.
const saveAsHint = `请用 Excel 或 WPS 打开该文件，点击"文件"→"另存为"，保存类型选择"Excel 工作簿(*.xlsx)"，再把新保存的 .xlsx 文件作为附件发送。`

// sniff classifies the raw bytes before excelize sees them and returns the
// file-level finding that stops reading, or the package's directory when
// the bytes look like an .xlsx package within the limits. The worksheets
// are held to the part limit later, by planSheets, once it is known which
// of them are read.
func sniff(data []byte, lim limits, filename string) (*zip.Reader, *Finding) {
	name := attachmentName(filename)
	switch {
	case len(data) == 0:
		return nil, fileFinding(CodeUnreadableFile, name+"是空文件（0 字节），无法读取。请重新附上填好的考核表（.xlsx）再发送。")
	case int64(len(data)) > lim.file:
		return nil, fileFinding(CodeUnreadableFile, fmt.Sprintf("%s大小为 %s，超过 %s 的上限，无法处理。请只发送考核表本身（删除无关的工作表和图片后另存为 .xlsx），再发送。",
			name, fmtSize(int64(len(data))), fmtSize(lim.file)))
	case bytes.HasPrefix(data, cfb.Magic):
		return nil, sniffCFB(data, name)
	case bytes.HasPrefix(data, zipMagic):
		return sniffZip(data, lim, name)
	}
	head := strings.ToLower(string(data[:min(len(data), 512)]))
	if strings.Contains(head, "<html") || strings.Contains(head, "urn:schemas-microsoft-com:office:spreadsheet") ||
		strings.Contains(head, "<table") {
		return nil, fileFinding(CodeLegacyFormat, name+"是网页或 XML 格式的表格，不是 Excel 工作簿（.xlsx）。"+saveAsHint)
	}
	return nil, fileFinding(CodeUnreadableFile, name+"不是 Excel 工作簿（.xlsx），也可能已经损坏，无法读取。请附上办事处下发的考核表填好后保存的 .xlsx 文件，再发送。")
}

// sniffCFB tells an encrypted .xlsx (an OLE container with EncryptionInfo)
// from a legacy .xls / WPS .et (a Workbook or Book stream) and from other
// OLE files such as .doc, as the mail walker does (cfb.Sniff).
func sniffCFB(data []byte, name string) *Finding {
	switch cfb.Sniff(data) {
	case cfb.Unreadable:
		return fileFinding(CodeUnreadableFile, name+"已损坏，无法读取。请重新保存为 .xlsx 后再发送。")
	case cfb.Encrypted:
		return fileFinding(CodeEncryptedFile, name+"设置了打开密码，系统无法读取。请用 Excel 或 WPS 打开后，在\"文件\"→\"信息\"（WPS：\"文件\"→\"文档加密\"）中删除打开密码，保存为 .xlsx 后再发送。")
	case cfb.Workbook:
		return fileFinding(CodeLegacyFormat, name+"是旧版 Excel 97-2003（.xls）或 WPS 表格（.et）格式，系统只能读取 .xlsx。"+saveAsHint)
	case cfb.Document:
		return fileFinding(CodeUnreadableFile, name+"是 Word 或 PowerPoint 文件，不是考核表。请附上填好的考核表（.xlsx）再发送。")
	}
	return fileFinding(CodeLegacyFormat, name+"不是 .xlsx 格式，系统无法读取。"+saveAsHint)
}

// sniffZip checks the package's directory: OpenDocument and .xlsb are other
// formats; declared sizes above the limits (zip bombs) are refused here, in
// microseconds, before anything is inflated.
func sniffZip(data []byte, lim limits, name string) (*zip.Reader, *Finding) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileFinding(CodeUnreadableFile, name+"已损坏（压缩包结构不完整，可能是下载或发送时被截断），无法读取。请重新保存为 .xlsx 后再发送。")
	}
	if len(zr.File) > maxZipEntries {
		return nil, fileFinding(CodeUnreadableFile, name+"内部文件数量异常，无法读取。请把考核表复制到新的 Excel 工作簿，保存为 .xlsx 后再发送。")
	}
	var total uint64
	var hasWorkbook bool
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		total += size
		if zf.CompressedSize64 > size+size/64+1024 {
			// Deflate never grows data this much: the directory lies about
			// the size, as zip bombs do.
			return nil, fileFinding(CodeUnreadableFile, name+"已损坏（压缩包内的文件大小记录不正确），无法读取。请用 Excel 或 WPS 打开考核表，另存为新的 .xlsx 文件后再发送。")
		}
		lower := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		switch {
		case lower == "mimetype":
			if mt := readSmall(zf); strings.Contains(mt, "opendocument") {
				return nil, fileFinding(CodeLegacyFormat, name+"是 OpenDocument（.ods）格式，系统只能读取 .xlsx。"+saveAsHint)
			}
		case lower == "xl/workbook.bin":
			return nil, fileFinding(CodeLegacyFormat, name+"是 Excel 二进制工作簿（.xlsb）格式，系统只能读取 .xlsx。"+saveAsHint)
		case lower == "xl/workbook.xml":
			hasWorkbook = true
		case lower == "word/document.xml":
			return nil, fileFinding(CodeUnreadableFile, name+"是 Word 文档，不是考核表。请附上填好的考核表（.xlsx）再发送。")
		}
		if size > uint64(lim.part) && strings.HasSuffix(lower, ".xml") && readWhole(zf.Name) {
			return nil, fileFinding(CodeUnreadableFile, fmt.Sprintf("%s中的文字或格式数据过大（解压后超过 %s），无法处理。请只保留考核表工作表，删除其他工作表和多余的数据，保存为 .xlsx 后再发送。",
				name, fmtSize(lim.part)))
		}
		if total > uint64(lim.unzip) {
			return nil, fileFinding(CodeUnreadableFile, fmt.Sprintf("%s解压后超过 %s，无法处理（文件异常或含有大量无关数据）。请只发送考核表本身，保存为 .xlsx 后再发送。",
				name, fmtSize(lim.unzip)))
		}
	}
	if !hasWorkbook {
		return nil, fileFinding(CodeUnreadableFile, name+"不是 Excel 工作簿（.xlsx），无法读取。请附上填好的考核表（.xlsx）再发送。")
	}
	return zr, nil
}

// readWhole reports whether a part is always inflated when the workbook
// is read, so that the part limit applies to it here. A worksheet is held
// to it by planSheets when it is read; the styles are inflated only when a
// cell's number format is needed (restoreStyles bounds them then); the
// parts slim drops are never inflated.
func readWhole(name string) bool {
	return !isWorksheet(name) && !droppable(name) && name != stylesPart
}

// attachmentName is how messages name the file.
func attachmentName(filename string) string {
	if filename != "" {
		return "附件「" + filename + "」"
	}
	return "附件"
}

// readSmall reads at most 256 bytes of a zip entry.
func readSmall(zf *zip.File) string {
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 256))
	return string(b)
}

func fileFinding(code Code, msg string) *Finding {
	f := NewFinding(code, msg)
	return &f
}

// fmtSize prints a byte count as MB or KB.
func fmtSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.4g MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}
