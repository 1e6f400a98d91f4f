// Package compress compresses HTTP responses for clients that ask: brotli first, then
// gzip, chosen by the request's Accept-Encoding with its q-values. Raters vote over
// rural mobile links, where a page's bytes are most of its wait.
package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Encodings this package produces, in order of preference.
const (
	Brotli = "br"
	Gzip   = "gzip"
)

// Negotiate picks the encoding for a request's Accept-Encoding header: the supported
// one with the highest q-value, brotli on a tie, "" for none (identity). "*" stands for
// any encoding not named; q=0 refuses one.
func Negotiate(acceptEncoding string) string {
	q := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		v := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					v = f
				}
			}
		}
		if name == "*" {
			star = v
		} else {
			q[name] = v
		}
	}
	best, bestQ := "", 0.0
	for _, enc := range []string{Brotli, Gzip} {
		v, named := q[enc]
		if !named {
			v = max(star, 0)
		}
		if v > bestQ {
			best, bestQ = enc, v
		}
	}
	return best
}

// compressible lists the media types worth compressing; images other than SVG,
// spreadsheets, PDFs and Word files are compressed already.
var compressible = map[string]bool{
	"text/html": true, "text/css": true, "text/plain": true, "text/javascript": true,
	"application/javascript": true, "application/json": true, "image/svg+xml": true,
}

// Compressible reports whether a Content-Type is worth compressing.
func Compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && compressible[mt]
}

// minSize: a body shorter than this goes out as it is; compressing it would save less
// than the encoding's own overhead.
const minSize = 512

// Levels for pages made per request: fast, and most of the gain. Static files are
// compressed once, at the best level (see Bytes).
const (
	gzipLevel   = 5
	brotliLevel = 5
)

var (
	gzipPool   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzipLevel); return w }}
	brotliPool = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, brotliLevel) }}
)

// Handler compresses responses of compressible types for clients that accept brotli or
// gzip. It leaves alone a response that already has a Content-Encoding, HEAD requests,
// bodiless statuses and bodies under minSize, and it marks every compressible response
// Vary: Accept-Encoding so caches keep the variants apart.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := Negotiate(r.Header.Get("Accept-Encoding"))
		if r.Method == http.MethodHead {
			enc = ""
		}
		cw := &writer{ResponseWriter: w, encoding: enc, status: http.StatusOK}
		next.ServeHTTP(cw, r)
		// Not deferred: after a panic the recovering middleware writes its own page.
		cw.finish()
	})
}

// writer holds back the status and the first bytes until it knows whether to compress.
type writer struct {
	http.ResponseWriter
	encoding    string
	status      int
	wroteHeader bool // the handler called WriteHeader
	decided     bool
	buf         []byte
	enc         io.WriteCloser
}

func (w *writer) WriteHeader(status int) {
	if w.wroteHeader || w.decided {
		return
	}
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(status) // informational: pass on, keep waiting
		return
	}
	w.status, w.wroteHeader = status, true
	if !bodyAllowed(status) {
		w.decide(false)
	}
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.decided {
		w.buf = append(w.buf, p...)
		if len(w.buf) < minSize {
			return len(p), nil
		}
		w.decide(true)
		if err := w.flushBuf(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if w.enc != nil {
		return w.enc.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// decide sends the headers, compressing if the body may be compressed and is big enough.
func (w *writer) decide(bigEnough bool) {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	if h.Get("Content-Encoding") == "" && Compressible(h.Get("Content-Type")) && bodyAllowed(w.status) {
		h.Add("Vary", "Accept-Encoding")
		if bigEnough && w.encoding != "" {
			h.Del("Content-Length")
			h.Set("Content-Encoding", w.encoding)
			if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				h.Set("ETag", "W/"+et) // the bytes differ from the identity body's
			}
			switch w.encoding {
			case Brotli:
				bw := brotliPool.Get().(*brotli.Writer)
				bw.Reset(w.ResponseWriter)
				w.enc = bw
			case Gzip:
				gw := gzipPool.Get().(*gzip.Writer)
				gw.Reset(w.ResponseWriter)
				w.enc = gw
			}
		}
	}
	w.ResponseWriter.WriteHeader(w.status)
}

func (w *writer) flushBuf() error {
	buf := w.buf
	w.buf = nil
	if len(buf) == 0 {
		return nil
	}
	if w.enc != nil {
		_, err := w.enc.Write(buf)
		return err
	}
	_, err := w.ResponseWriter.Write(buf)
	return err
}

// finish sends whatever is held back and closes the encoder.
func (w *writer) finish() {
	if !w.decided {
		w.decide(false)
	}
	w.flushBuf()
	if w.enc != nil {
		w.enc.Close()
		switch e := w.enc.(type) {
		case *brotli.Writer:
			e.Reset(io.Discard)
			brotliPool.Put(e)
		case *gzip.Writer:
			e.Reset(io.Discard)
			gzipPool.Put(e)
		}
		w.enc = nil
	}
}

// Flush sends what is held back (compressing it if the body may be compressed) and
// flushes the encoder and the connection.
func (w *writer) Flush() {
	if !w.decided {
		w.decide(len(w.buf) > 0)
	}
	w.flushBuf()
	if f, ok := w.enc.(interface{ Flush() error }); ok {
		f.Flush()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Bytes compresses data once at the best level, for static files: brotli quality 11 and
// gzip level 9.
func Bytes(data []byte, encoding string) []byte {
	var b bytes.Buffer
	switch encoding {
	case Brotli:
		bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
		bw.Write(data)
		bw.Close()
	case Gzip:
		gw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		gw.Write(data)
		gw.Close()
	default:
		return data
	}
	return b.Bytes()
}
