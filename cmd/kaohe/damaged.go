package main

import (
	"fmt"
	"io"
	"path/filepath"
	"unicode/utf8"

	"kaohe/internal/fault"
	"kaohe/store"
)

// reportDamaged tells the operator, when err says the database is damaged
// or is not a database, what happened and the way back, and reports
// whether it did. name is the command ("serve", "consolidate", …).
func reportDamaged(w io.Writer, name, dataDir string, err error) bool {
	if !fault.Corrupt(err) {
		return false
	}
	db := filepath.Join(dataDir, store.DBFile)
	fmt.Fprintf(w, `kaohe %[1]s：数据库文件 %[2]s 已损坏或不是 kaohe 的数据库，本次停止。
邮箱没有因此受影响：没能记下的来信一封也没有移动、标记或回复，仍在收件箱里，恢复后会照常处理。
恢复办法（详见 README 的“Where data lives; backup and restore”一节），任选其一：
  1. 有备份：停止服务；把 %[2]s 连同旁边的 %[3]s-wal、%[3]s-shm 移到别处（不要删除）；
     把备份的 %[3]s 放回 %[4]s；运行 kaohe rebuild 补回备份之后收到、已存档的邮件；再启动服务。
  2. 没有备份：停止服务；同样把 %[2]s 和 -wal、-shm 移到别处；
     运行 kaohe rebuild，从存档 %[5]s 重建全部记录；再启动服务。
两种办法都不会重发回执。
（SQLite 报告：%[6]s）
`, name, db, store.DBFile, dataDir, filepath.Join(dataDir, store.ArchiveDir), shorten(err.Error(), 400))
	return true
}

// shorten cuts s to at most n bytes on a character boundary: a check can
// list many damaged pages, and the first ones say enough.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
