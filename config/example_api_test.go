package config_test

import (
	"fmt"
	"os"
	"path/filepath"

	"kaohe/config"
)

func ExampleLoadFor() {
	dir, _ := os.MkdirTemp("", "kaohe-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "kaohe.toml")
	_ = os.WriteFile(path, []byte(`
[imap]
addr = "10.0.0.1:143"
tls = "none"
`), 0o600)
	env := map[string]string{"KAOHE_FORM_YEAR": "1999"}
	_, err := config.LoadFor(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, config.ModeCheck)
	fmt.Println(err != nil)
	// Output: true
}

func ExampleConfig_Redacted() {
	c := config.Default()
	c.IMAP.Password = "hunter2"
	fmt.Println(c.Redacted().IMAP.Password, c.IMAP.Password)
	// Output: ******** ********
}
