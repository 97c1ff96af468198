package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"guanai/internal/rules"
)

// Config is the deployment's configuration: defaults, then an optional JSON file
// (GUANAI_CONFIG or --config), then the environment, then flags. It is validated at start.
type Config struct {
	// DB is the database URL: sqlite://PATH or postgres://… (CONTRACT.md).
	DB string `json:"db"`
	// DataDir holds the key file and, by default, the SQLite database.
	DataDir string `json:"data_dir"`
	// KeyFile is the master key file; default DataDir/guanai.key.
	KeyFile string `json:"key_file"`
	// Addr is where serve listens.
	Addr string `json:"addr"`
	// CentralUrban lists the central urban areas: groups of county codes.
	CentralUrban [][]string `json:"central_urban"`
	// LeftBehindMonths is the local work-away threshold for left-behind children.
	LeftBehindMonths int `json:"left_behind_months"`
	// MigrantMonths is the away threshold for migrant children.
	MigrantMonths int `json:"migrant_months"`
	// AgeLimit is the age from which a person is no longer counted as a child.
	AgeLimit int `json:"age_limit"`
	// HomeRegion is the division the deployment serves (乌海市 1503), the context for
	// ambiguous addresses.
	HomeRegion string `json:"home_region"`
}

// defaultConfig returns the settings of a Wuhai deployment on one machine.
func defaultConfig() Config {
	return Config{DB: "sqlite://./data/guanai.db", DataDir: "./data", Addr: "127.0.0.1:8080",
		LeftBehindMonths: 6, MigrantMonths: 6, AgeLimit: 16, HomeRegion: "1503"}
}

// commonFlags registers the options every database command takes and returns a function that
// completes the configuration after parsing.
func commonFlags(fs *pflag.FlagSet, env *Env) func() (Config, error) {
	db := fs.String("db", "", "数据库地址：sqlite://路径 或 postgres://…（默认取环境变量 GUANAI_DB，再默认 sqlite://./data/guanai.db）")
	cfgFile := fs.String("config", "", "配置文件（JSON），默认取环境变量 GUANAI_CONFIG")
	return func() (Config, error) {
		c := defaultConfig()
		path := *cfgFile
		if path == "" {
			path = env.Getenv("GUANAI_CONFIG")
		}
		if path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return c, fmt.Errorf("读取配置文件：%w", err)
			}
			if err := json.Unmarshal(b, &c); err != nil {
				return c, fmt.Errorf("配置文件 %s 不是有效的 JSON：%w", path, err)
			}
		}
		if v := env.Getenv("GUANAI_DB"); v != "" {
			c.DB = v
		}
		if v := env.Getenv("GUANAI_DATA_DIR"); v != "" {
			c.DataDir = v
		}
		if v := env.Getenv("GUANAI_KEY_FILE"); v != "" {
			c.KeyFile = v
		}
		if *db != "" {
			c.DB = *db
		}
		// The key file lives beside a SQLite database unless the data directory is set.
		if env.Getenv("GUANAI_DATA_DIR") == "" && c.DataDir == "./data" {
			if p, ok := sqlitePath(c.DB); ok && p != "" && p != ":memory:" {
				c.DataDir = filepath.Dir(p)
			}
		}
		return c, c.Validate()
	}
}

// sqlitePath returns the file of a sqlite:// URL.
func sqlitePath(dbURL string) (string, bool) {
	rest, ok := strings.CutPrefix(dbURL, "sqlite://")
	if !ok {
		rest, ok = strings.CutPrefix(dbURL, "sqlite:")
	}
	if !ok {
		return "", false
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}

// Validate reports settings that cannot work, in Chinese.
func (c *Config) Validate() error {
	switch {
	case strings.HasPrefix(c.DB, "sqlite:"):
		if p, _ := sqlitePath(c.DB); p == "" {
			return fmt.Errorf("数据库地址 %q 缺少文件路径，例如 sqlite://./data/guanai.db", c.DB)
		}
	case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		if _, err := url.Parse(c.DB); err != nil {
			return fmt.Errorf("数据库地址 %q 格式不对：%v", redactURL(c.DB), err)
		}
	default:
		return fmt.Errorf("不支持的数据库地址 %q：应以 sqlite:// 或 postgres:// 开头", redactURL(c.DB))
	}
	r := c.Rules()
	return r.Validate()
}

// Rules returns the rule settings of the configuration.
func (c *Config) Rules() rules.Config {
	return rules.Config{AgeLimit: c.AgeLimit, MigrantMonths: c.MigrantMonths, LeftBehindMonths: c.LeftBehindMonths, CentralUrban: c.CentralUrban}
}

// redactURL hides a password in a database URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
