// Package static embeds the CSS, images and scripts and names each file with a hash of
// its content, so browsers can cache them forever and still see every change.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"pingyi/internal/compress"
)

//go:embed *.css *.svg *.js
var files embed.FS

var (
	hashed = map[string]string{} // "app.css" -> "app.1a2b3c4d.css"
	byHash = map[string]string{} // and back
)

func init() {
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		data, _ := files.ReadFile(e.Name())
		sum := sha256.Sum256(data)
		ext := path.Ext(e.Name())
		h := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		hashed[e.Name()] = h
		byHash[h] = e.Name()
	}
}

// Path returns the cache-busted URL of a static file: Path("app.css") = "/static/app.1a2b3c4d.css".
func Path(name string) string {
	if h, ok := hashed[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

// Handler serves /static/<hashed name> with a year-long immutable cache. CSS, script and
// SVG go out brotli- or gzip-compressed to clients that accept it, compressed once at
// the best level and kept.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		orig, ok := byHash[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		data, err := files.ReadFile(orig)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		ctype := mime.TypeByExtension(path.Ext(orig))
		if compress.Compressible(ctype) {
			h.Add("Vary", "Accept-Encoding")
			if enc := compress.Negotiate(r.Header.Get("Accept-Encoding")); enc != "" {
				body := compressed(orig, enc, data)
				etag := `"` + strings.TrimSuffix(strings.TrimPrefix(name, strings.TrimSuffix(orig, path.Ext(orig))+"."), path.Ext(orig)) + "-" + enc + `"`
				h.Set("Content-Type", ctype)
				h.Set("Content-Encoding", enc)
				h.Set("ETag", etag)
				if r.Header.Get("If-None-Match") == etag {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				h.Set("Content-Length", strconv.Itoa(len(body)))
				w.WriteHeader(http.StatusOK)
				if r.Method != http.MethodHead {
					w.Write(body)
				}
				return
			}
		}
		http.ServeContent(w, r, orig, time.Time{}, strings.NewReader(string(data)))
	})
}

// packed holds each static file's compressed forms, made on first request.
var packed sync.Map // "app.css br" -> []byte

func compressed(name, enc string, data []byte) []byte {
	key := name + " " + enc
	if b, ok := packed.Load(key); ok {
		return b.([]byte)
	}
	b, _ := packed.LoadOrStore(key, compress.Bytes(data, enc))
	return b.([]byte)
}
