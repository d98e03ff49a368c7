package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kaohe/templates"
)

// campaign.form_file is taken relative to the configuration's folder, makes
// the file's year the campaign's, and a broken file is a problem of that key.
func TestFormFileKey(t *testing.T) {
	t.Parallel()
	src, err := templates.Source(2021)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	next := strings.Replace(string(src), "year: 2021", "year: 2022", 1)
	if err := os.WriteFile(filepath.Join(dir, "form-2022.yaml"), []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(path, []byte("[campaign]\nform_file = \"form-2022.yaml\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "form-2022.yaml"); c.Campaign.FormFile != want {
		t.Fatalf("form_file = %q, want %q", c.Campaign.FormFile, want)
	}
	form, err := c.Campaign.Form()
	if err != nil {
		t.Fatal(err)
	}
	if form.Year != 2022 || form.Embedded() || !strings.HasPrefix(form.ID, "2022-") {
		t.Errorf("form year %d, embedded %v, id %q: want the file's 2022 definition", form.Year, form.Embedded(), form.ID)
	}
	// The season follows the form in effect, unless it is set.
	if got := c.Campaign.SeasonYear(); got != 2022 || c.Campaign.FormYear == 2022 {
		t.Errorf("season %d with form year %d: want the form file's 2022", got, c.Campaign.FormYear)
	}
	if set := (Campaign{FormFile: c.Campaign.FormFile, Season: 2023}); set.SeasonYear() != 2023 {
		t.Errorf("season %d, want the configured 2023", set.SeasonYear())
	}
	if EnvName("campaign.form_file") != "KAOHE_CAMPAIGN_FORM_FILE" {
		t.Errorf("env name %s", EnvName("campaign.form_file"))
	}

	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte(strings.Replace(next, "total_cap: 125", "total_cap: 120", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFor("", envMap(map[string]string{"KAOHE_CAMPAIGN_FORM_FILE": broken}), ModeCheck)
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Key != "campaign.form_file" || !strings.Contains(ps[0].Msg, "kaohe form check") {
		t.Errorf("broken form file: want one campaign.form_file problem naming form check, got %v", err)
	}
}
