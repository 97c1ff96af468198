package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	webui "guanai/web"
)

// uiNotBuilt is the page shown when the binary was built before the interface (web/dist holds
// only its placeholder): the API works, the pages do not.
const uiNotBuilt = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>界面尚未构建 · guanai 关爱</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.7;color:#303133}
code{background:#f4f4f5;padding:.1em .3em;border-radius:3px}</style></head>
<body><h1>界面尚未构建</h1>
<p>这个 guanai 程序在构建时没有包含网页界面，所以只能使用 JSON 接口（<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>）。</p>
<p>请在源代码目录运行 <code>make run</code>（会先构建界面，再构建并启动程序），或者先运行
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>，再运行 <code>make build</code>。</p>
</body></html>
`

// uiServer serves the built single-page interface: files as they are, index.html for every other
// path (the client-side routes), hashed assets cached for a year, everything else revalidated.
type uiServer struct {
	files fs.FS
	index []byte // nil when the interface was not built
	gz    sync.Map
}

// newUI returns the handler of the interface in files (the Vite output).
func newUI(files fs.FS) *uiServer {
	u := &uiServer{files: files}
	if b, err := fs.ReadFile(files, "index.html"); err == nil {
		u.index = b
	}
	return u
}

// ui is the interface embedded in the binary, mounted at "/" in routes.
func (s *Server) ui() http.Handler { return newUI(webui.Files()) }

// compressible are the types worth compressing on the fly; images and fonts are compressed
// already.
var compressible = map[string]bool{".js": true, ".css": true, ".html": true, ".json": true, ".svg": true, ".txt": true, ".map": true}

func (u *uiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "不支持的请求方法："+r.Method, http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	if u.index == nil {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(uiNotBuilt))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if b, err := fs.ReadFile(u.files, name); err == nil {
			if strings.HasPrefix(name, "assets/") {
				// Vite puts a content hash in every asset name: a new build has new names.
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				h.Set("Cache-Control", "no-cache")
			}
			u.serve(w, r, name, b)
			return
		}
		// A missing asset is an error, not a page: answering index.html would hide it.
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
			h.Set("Cache-Control", "no-store")
			http.Error(w, "没有这个文件："+r.URL.Path, http.StatusNotFound)
			return
		}
	}
	// Client-side routes (/children/…, /login) get the application, which routes itself.
	h.Set("Cache-Control", "no-cache")
	u.serve(w, r, "index.html", u.index)
}

// serve answers the file's bytes, gzip-compressed when the client accepts it and the type gains
// from it; the compressed form is made once per file.
func (u *uiServer) serve(w http.ResponseWriter, r *http.Request, name string, b []byte) {
	ext := path.Ext(name)
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = http.DetectContentType(b)
	}
	w.Header().Set("Content-Type", ctype)
	if compressible[ext] && len(b) > 1024 {
		w.Header().Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			w.Header().Set("Content-Encoding", "gzip")
			b = u.gzipped(name, b)
		}
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

func (u *uiServer) gzipped(name string, b []byte) []byte {
	if z, ok := u.gz.Load(name); ok {
		return z.([]byte)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	z, _ := u.gz.LoadOrStore(name, buf.Bytes())
	return z.([]byte)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
