package recommend

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"

	"kaohe/internal/cfb"
	"kaohe/validate"
)

// Size bounds of a returned form, as for the 考核表 (validate's defaults):
// the file, everything unzipped, and one XML part. A 推荐表 is a few dozen
// KB; the bounds stop zip bombs before anything is inflated.
const (
	DefaultMaxFileSize  = validate.DefaultMaxFileSize
	DefaultMaxUnzipSize = validate.DefaultMaxUnzipSize
	maxPartSize         = validate.DefaultMaxPartSize
	maxZipEntries       = 5000
	maxSheets           = 50
	maxRows             = 400 // rows read per sheet: the form has under 60
	maxCols             = 30
)

var zipMagic = []byte("PK\x03\x04")

const saveAsHint = `请用 Excel 或 WPS 打开推荐表，点击"文件"→"另存为"，保存类型选择"Excel 工作簿(*.xlsx)"，再把新保存的 .xlsx 文件作为附件发送。`

// sniff refuses, from the bytes and the zip directory alone, what is no
// .xlsx within the bounds.
func sniff(data []byte, maxFile, maxUnzip int64) *validate.Finding {
	switch {
	case len(data) == 0:
		return fileFinding(validate.CodeUnreadableFile, "附件是空文件（0 字节），无法读取。请重新附上填好的推荐表（.xlsx）再发送。")
	case int64(len(data)) > maxFile:
		return fileFinding(validate.CodeUnreadableFile, fmt.Sprintf("附件大小超过 %d MB 的上限，无法处理。请只发送推荐表本身（删除无关的工作表和图片后另存为 .xlsx），再发送。", maxFile>>20))
	case bytes.HasPrefix(data, cfb.Magic):
		switch cfb.Sniff(data) {
		case cfb.Encrypted:
			return fileFinding(validate.CodeEncryptedFile, "附件设置了打开密码，系统无法读取。请删除打开密码，保存为 .xlsx 后再发送。")
		case cfb.Workbook:
			return fileFinding(validate.CodeLegacyFormat, "附件是旧版 Excel 97-2003（.xls）或 WPS 表格（.et）格式，系统只能读取 .xlsx。"+saveAsHint)
		}
		return fileFinding(validate.CodeUnreadableFile, "附件不是 Excel 工作簿（.xlsx），无法读取。"+saveAsHint)
	case !bytes.HasPrefix(data, zipMagic):
		return fileFinding(validate.CodeUnreadableFile, "附件不是 Excel 工作簿（.xlsx），也可能已经损坏，无法读取。请附上填好的推荐表（.xlsx）再发送。")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fileFinding(validate.CodeUnreadableFile, "附件已损坏（压缩包结构不完整），无法读取。请重新保存为 .xlsx 后再发送。")
	}
	if len(zr.File) > maxZipEntries {
		return fileFinding(validate.CodeUnreadableFile, "附件内部文件数量异常，无法读取。请把推荐表复制到新的 Excel 工作簿，保存为 .xlsx 后再发送。")
	}
	var total uint64
	workbook := false
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		total += size
		if zf.CompressedSize64 > size+size/64+1024 {
			return fileFinding(validate.CodeUnreadableFile, "附件已损坏（压缩包内的文件大小记录不正确），无法读取。"+saveAsHint)
		}
		lower := strings.ToLower(zf.Name)
		switch {
		case lower == "mimetype":
			return fileFinding(validate.CodeLegacyFormat, "附件是 OpenDocument（.ods）格式，系统只能读取 .xlsx。"+saveAsHint)
		case lower == "xl/workbook.bin":
			return fileFinding(validate.CodeLegacyFormat, "附件是 Excel 二进制工作簿（.xlsb）格式，系统只能读取 .xlsx。"+saveAsHint)
		case lower == "xl/workbook.xml":
			workbook = true
		}
		if size > maxPartSize && strings.HasSuffix(lower, ".xml") {
			return fileFinding(validate.CodeUnreadableFile, "附件中的工作表或格式数据过大，无法处理。请只保留推荐表工作表，保存为 .xlsx 后再发送。")
		}
		if total > uint64(maxUnzip) {
			return fileFinding(validate.CodeUnreadableFile, "附件解压后过大，无法处理。请只发送推荐表本身，保存为 .xlsx 后再发送。")
		}
	}
	if !workbook {
		return fileFinding(validate.CodeUnreadableFile, "附件不是 Excel 工作簿（.xlsx），无法读取。请附上填好的推荐表（.xlsx）再发送。")
	}
	return nil
}

func fileFinding(code validate.Code, msg string) *validate.Finding {
	f := validate.NewFinding(code, msg)
	return &f
}
