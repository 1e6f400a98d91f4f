// Package static embeds the CSS, images and scripts and names each file with a hash of
// its content, so browsers can cache them forever and still see every change.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
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

// Handler serves /static/<hashed name> with a year-long immutable cache.
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
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, orig, time.Time{}, strings.NewReader(string(data)))
	})
}
