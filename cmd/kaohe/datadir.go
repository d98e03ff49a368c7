package main

import (
	"fmt"

	"github.com/rs/zerolog"

	"kaohe/store"
)

// secureDataDir creates the data folder 0700, or narrows one that lets
// other users in, and says so in the log; a folder of another user is
// only warned about.
func secureDataDir(dir string, log zerolog.Logger) error {
	st, err := store.SecureDir(dir)
	if err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	switch {
	case st.Open() && st.Ours:
		log.Info().Str("data_dir", dir).Str("was", fmt.Sprintf("%04o", st.Mode)).Msg("data folder narrowed to 0700: other users could read the mail and the outbox")
	case st.Open():
		log.Warn().Str("data_dir", dir).Str("mode", fmt.Sprintf("%04o", st.Mode)).Msg("data folder lets other users in and belongs to another user, so kaohe cannot narrow it: chmod 700 it")
	}
	return nil
}

// dataDirLine is what `kaohe config check` says of the data folder's
// permissions.
func dataDirLine(dir string) string {
	st, err := store.InspectDir(dir)
	switch {
	case err != nil:
		return fmt.Sprintf("数据目录 %s 无法检查：%v", dir, err)
	case !st.Exists:
		return fmt.Sprintf("数据目录 %s 尚不存在，首次启动时创建，权限 0700（只有运行 kaohe 的用户能读）。", dir)
	case st.Open() && st.Ours:
		return fmt.Sprintf("注意：数据目录 %s 的权限是 %04o，其他用户也能进入；kaohe 启动时会把它改为 0700。", dir, st.Mode)
	case st.Open():
		return fmt.Sprintf("注意：数据目录 %s 的权限是 %04o，其他用户也能读到邮件和考核表；它不属于当前用户，kaohe 无法修改。请由它的所有者执行 chmod 700 %s。", dir, st.Mode, dir)
	}
	return fmt.Sprintf("数据目录 %s：权限 %04o，只有它的所有者能读。", dir, st.Mode)
}
